"""XML namespaces of DUIS documents and small element helpers over ElementTree."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from harness.duis.errors import DuisError

SR = "http://www.dccinterface.co.uk/ServiceUserGateway"
RA = "http://www.dccinterface.co.uk/ResponseAndAlert"
DS = "http://www.w3.org/2000/09/xmldsig#"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_VERSION = "5.4"

for _prefix, _uri in (("sr", SR), ("ra", RA), ("ds", DS), ("xsi", XSI)):
    ET.register_namespace(_prefix, _uri)


def sr(name: str) -> str:
    return f"{{{SR}}}{name}"


def ra(name: str) -> str:
    return f"{{{RA}}}{name}"


def ds(name: str) -> str:
    return f"{{{DS}}}{name}"


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def namespace_of(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


class _DtdRefused(Exception):
    """Raised from inside the parser when it meets a document type declaration."""


class _NoDtdBuilder(ET.TreeBuilder):
    """A tree builder that stops the parse at a document type declaration."""

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise _DtdRefused


def _parser() -> ET.XMLParser:
    """An ElementTree parser that stops at the start of a document type declaration.

    Expat reports a DOCTYPE wherever it stands (after any comment, in any encoding it reads,
    UTF-16 included) to the target's ``doctype`` as soon as the declaration starts, so refusing it
    there covers what a scan of the first bytes cannot. Without a DTD no entity, internal or
    external, can be declared or expanded.
    """
    return ET.XMLParser(target=_NoDtdBuilder())


def parse_document(data: bytes | str) -> ET.Element:
    """Parse XML text; a malformed document is a :class:`DuisError`, never a ParseError.

    A document type declaration anywhere in the document is refused (see :func:`_parser`).
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    parser = _parser()
    try:
        parser.feed(data)
        root: ET.Element = parser.close()
    except _DtdRefused:
        raise DuisError("document type declarations are not accepted", field="XML") from None
    except ET.ParseError as exc:
        raise DuisError(f"malformed XML: {exc}", field="XML") from None
    except LookupError as exc:  # an encoding the XML declaration names that Python does not know
        raise DuisError(f"malformed XML: {exc}", field="XML") from None
    return root


def to_bytes(root: ET.Element) -> bytes:
    ET.indent(root, space="  ")
    data: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return data


def child(parent: ET.Element, tag: str, *, field: str) -> ET.Element:
    found = parent.find(tag)
    if found is None:
        raise DuisError("missing element", field=field)
    return found


def child_text(parent: ET.Element, tag: str, *, field: str) -> str:
    text = (child(parent, tag, field=field).text or "").strip()
    if not text:
        raise DuisError("empty element", field=field)
    return text


def optional_text(parent: ET.Element, tag: str) -> str | None:
    found = parent.find(tag)
    if found is None or found.text is None or not found.text.strip():
        return None
    return found.text.strip()


def placeholder_signature(parent: ET.Element) -> ET.Element:
    """An XML-DSig Signature element of the right shape whose values are placeholders.

    The harness has no DCC signing keys: this satisfies the schema, it authenticates nothing.
    """
    signature = sub(parent, ds("Signature"))
    info = sub(signature, ds("SignedInfo"))
    sub(info, ds("CanonicalizationMethod"), Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#")
    sub(
        info,
        ds("SignatureMethod"),
        Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    )
    reference = sub(info, ds("Reference"), URI="")
    transforms = sub(reference, ds("Transforms"))
    sub(
        transforms,
        ds("Transform"),
        Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature",
    )
    sub(reference, ds("DigestMethod"), Algorithm="http://www.w3.org/2001/04/xmlenc#sha256")
    sub(reference, ds("DigestValue"), "cGxhY2Vob2xkZXI=")
    sub(signature, ds("SignatureValue"), "cGxhY2Vob2xkZXI=")
    return signature

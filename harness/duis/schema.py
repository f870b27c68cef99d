"""Checking DUIS documents against the DUIS 5.4 XSD (with the ``xmlschema`` package).

The XSD is not part of this project. It is looked for, in order: the path given by the caller,
the environment variable ``SMETS1_HIL_DUIS_XSD``, ``../shared/duis/DUIS Schema V5.4.xsd`` relative
to the current directory, and the same path relative to the project checkout. Loading takes most
of a second (seconds with the check of the XSD itself), so a loaded schema is cached per path,
and kept between runs in the user's cache directory (``$XDG_CACHE_HOME/smets1-hil/duis-xsd``).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import functools
import hashlib
import os
import pickle
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from harness.duis.codes import MAX_FIRMWARE_IMAGE_BYTES
from harness.duis.errors import DuisError, SchemaUnavailable
from harness.duis.xmlnames import DS, RA, SR, parse_document

XSD_ENV = "SMETS1_HIL_DUIS_XSD"
XSD_FILENAME = "DUIS Schema V5.4.xsd"
SHARED_RELATIVE = Path("..") / "shared" / "duis" / XSD_FILENAME


def candidate_paths(explicit: str | os.PathLike[str] | None = None) -> list[Path]:
    if explicit is not None:
        return [Path(explicit)]
    env = os.environ.get(XSD_ENV)
    if env:
        return [Path(env)]
    checkout = Path(__file__).resolve().parents[2]
    return [Path.cwd() / SHARED_RELATIVE, checkout / SHARED_RELATIVE]


def locate_xsd(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The first existing XSD among :func:`candidate_paths`, or None."""
    for path in candidate_paths(explicit):
        if path.is_file():
            return path.resolve()
    return None


@functools.lru_cache(maxsize=4)
def _load(path: str) -> Any:
    import xmlschema

    cached = _cache_file(path, xmlschema.__version__)
    if cached is not None:
        schema = _read_cache(cached, xmlschema.XMLSchemaBase)
        if schema is not None:
            return schema
    try:
        schema = xmlschema.XMLSchema(path)
    except (xmlschema.XMLSchemaException, OSError, ET.ParseError) as exc:
        raise SchemaUnavailable(f"cannot load the DUIS XSD {path}: {exc}") from None
    if cached is not None:
        _write_cache(cached, schema)
    return schema


# A built schema is kept (pickled) in the user's cache directory: building it, with xmlschema's
# check of the XSD against the XML Schema meta-schema, takes seconds of CPU at every start of a
# run and in every worker; reading it back takes a fraction of a second. The key covers the
# bytes of every file beside the XSD (the schemas it imports), the xmlschema and Python versions.
CACHE_SUBDIR = Path("smets1-hil") / "duis-xsd"


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / CACHE_SUBDIR


def _cache_file(path: str, xmlschema_version: str) -> Path | None:
    xsd = Path(path)
    digest = hashlib.sha256(f"{xmlschema_version}|{sys.version}|{xsd.name}".encode())
    try:
        for beside in sorted(xsd.parent.iterdir()):
            if beside.is_file() and beside.suffix.lower() in (".xsd", ".dtd"):
                digest.update(beside.name.encode() + b"\0" + beside.read_bytes())
    except OSError:
        return None
    return cache_root() / f"{digest.hexdigest()}.pickle"


def _read_cache(cached: Path, schema_class: type[Any]) -> Any:
    try:
        with cached.open("rb") as stream:
            schema = pickle.load(stream)  # the user's own cache, written by _write_cache
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError):
        return None
    return schema if isinstance(schema, schema_class) else None


def _write_cache(cached: Path, schema: Any) -> None:
    """Write atomically; a cache that cannot be written is only a slower next start."""
    written: str | None = None
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cached.parent, delete=False) as stream:
            written = stream.name
            pickle.dump(schema, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(written, cached)
    except (OSError, pickle.PickleError, TypeError, AttributeError, RecursionError):
        if written is not None:
            with contextlib.suppress(OSError):
                os.unlink(written)


def load_schema(explicit: str | os.PathLike[str] | None = None) -> Any:
    """The loaded ``xmlschema.XMLSchema``; :class:`SchemaUnavailable` if it cannot be found."""
    path = locate_xsd(explicit)
    if path is None:
        tried = ", ".join(str(p) for p in candidate_paths(explicit))
        raise SchemaUnavailable(
            f"DUIS XSD not found (tried {tried}); give its path or set {XSD_ENV}"
        )
    return _load(str(path))


# FirmwareImage values above this many characters are checked outside the schema validator (whose
# pure-Python base64 check takes seconds for a 10 MB image) against the same rule: base64Binary of
# at most 10,240,000 octets.
LARGE_IMAGE_CHARS = 65536
_IMAGE_TAG = "{http://www.dccinterface.co.uk/ServiceUserGateway}FirmwareImage"


def _image_problem(text: str) -> str | None:
    compact = "".join(text.split())
    try:
        size = len(base64.b64decode(compact, validate=True))
    except (binascii.Error, ValueError) as exc:
        return f"not valid base64Binary ({exc})"
    if size > MAX_FIRMWARE_IMAGE_BYTES:
        return f"{size} octets, more than the maxLength {MAX_FIRMWARE_IMAGE_BYTES}"
    return None


def _set_large_images_aside(root: ET.Element) -> tuple[ET.Element, list[str]]:
    """A copy of ``root`` with large FirmwareImage values replaced by a small valid one, and the
    problems of the values taken out."""
    large = [e for e in root.iter(_IMAGE_TAG) if e.text and len(e.text) > LARGE_IMAGE_CHARS]
    if not large:
        return root, []
    problems = []
    for element in large:
        problem = _image_problem(element.text or "")
        if problem is not None:
            problems.append(f"FirmwareImage: {problem}")
    stand_in = copy.deepcopy(root)
    for element in stand_in.iter(_IMAGE_TAG):
        if element.text and len(element.text) > LARGE_IMAGE_CHARS:
            element.text = "AAAA"
    return stand_in, problems


def _short_path(path: str) -> str:
    for prefix, uri in (("sr", SR), ("ra", RA), ("ds", DS)):
        path = path.replace(f"{{{uri}}}", f"{prefix}:")
    return path


def schema_problems(document: bytes | str | ET.Element, schema: Any) -> list[str]:
    """Every schema violation as ``path: reason``; an empty list means valid.

    Malformed XML is reported as a single problem rather than raised.
    """
    if isinstance(document, ET.Element):
        root = document
    else:
        try:
            root = parse_document(document)
        except DuisError as exc:
            return [str(exc)]
    checked, problems = _set_large_images_aside(root)
    for error in schema.iter_errors(checked):
        where = _short_path(error.path or "/")
        reason = error.reason or str(error.message)
        problems.append(f"{where}: {reason}")
    return problems


def check_valid(document: bytes | str | ET.Element, schema: Any) -> None:
    """Raise :class:`DuisError` naming the first problem when the document is not valid."""
    problems = schema_problems(document, schema)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise DuisError(f"not valid against the DUIS XSD: {problems[0]}{more}", field="schema")

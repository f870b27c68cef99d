"""Firmware image files in the two layouts a SMETS1 rig meets.

- ``zigbee``: a ZigBee OTA file whose body is a run of sub-elements (2-byte tag, 4-byte length,
  value; little-endian). The manufacturer image is the value of the Upgrade Image sub-element
  (tag 0x0000); a signature is an ECDSA Signature sub-element (tag 0x0001 or 0x0005).
- ``gbcs``: the layout of DCC's own reference test data: the OTA header, then the raw manufacturer
  image, then optionally the trailer ``00 40`` followed by a 64-byte signature.

In both, the DUIS 11.3 FirmwareHash is SHA-256 over the manufacturer image.
"""

from __future__ import annotations

import enum
import hashlib
import struct
from dataclasses import dataclass, field
from typing import Any

from harness.firmware.errors import ImageError
from harness.firmware.ota_header import OtaHeader, parse_header

SUBELEMENT_HEADER = struct.Struct("<HI")

TAG_UPGRADE_IMAGE = 0x0000
TAG_ECDSA_SIGNATURE_SUITE1 = 0x0001
TAG_ECDSA_CERTIFICATE_SUITE1 = 0x0002
TAG_IMAGE_INTEGRITY_CODE = 0x0003
TAG_PICTURE_DATA = 0x0004
TAG_ECDSA_SIGNATURE_SUITE2 = 0x0005
TAG_ECDSA_CERTIFICATE_SUITE2 = 0x0006
SIGNATURE_TAGS = frozenset({TAG_ECDSA_SIGNATURE_SUITE1, TAG_ECDSA_SIGNATURE_SUITE2})
_STANDARD_TAGS = frozenset(range(0x0007))

SUBELEMENT_NAMES = {
    TAG_UPGRADE_IMAGE: "upgrade image",
    TAG_ECDSA_SIGNATURE_SUITE1: "ECDSA signature (crypto suite 1)",
    TAG_ECDSA_CERTIFICATE_SUITE1: "ECDSA signing certificate (crypto suite 1)",
    TAG_IMAGE_INTEGRITY_CODE: "image integrity code",
    TAG_PICTURE_DATA: "picture data",
    TAG_ECDSA_SIGNATURE_SUITE2: "ECDSA signature (crypto suite 2)",
    TAG_ECDSA_CERTIFICATE_SUITE2: "ECDSA signing certificate (crypto suite 2)",
}

GBCS_SIGNATURE_MARKER = b"\x00\x40"
GBCS_SIGNATURE_LENGTH = 64
GBCS_TRAILER_LENGTH = len(GBCS_SIGNATURE_MARKER) + GBCS_SIGNATURE_LENGTH


class Layout(str, enum.Enum):
    ZIGBEE = "zigbee"
    GBCS = "gbcs"


@dataclass(frozen=True)
class SubElement:
    tag: int
    value: bytes

    @property
    def name(self) -> str:
        if self.tag in SUBELEMENT_NAMES:
            return SUBELEMENT_NAMES[self.tag]
        if self.tag >= 0xF000:
            return "manufacturer specific"
        return "reserved"

    def to_bytes(self) -> bytes:
        return SUBELEMENT_HEADER.pack(self.tag, len(self.value)) + self.value


@dataclass(frozen=True)
class FirmwareImage:
    """A parsed image: header, layout, manufacturer image and signature (if any)."""

    header: OtaHeader
    layout: Layout
    manufacturer_image: bytes
    signature: bytes | None
    raw: bytes = field(repr=False)
    sub_elements: tuple[SubElement, ...] = ()

    @property
    def signed(self) -> bool:
        return self.signature is not None

    @property
    def sha256(self) -> bytes:
        """SHA-256 of the whole file."""
        return hashlib.sha256(self.raw).digest()

    @property
    def manufacturer_image_sha256(self) -> bytes:
        """SHA-256 of the manufacturer image: what DUIS 11.3 FirmwareHash refers to."""
        return hashlib.sha256(self.manufacturer_image).digest()

    def describe(self) -> dict[str, Any]:
        """A JSON-ready summary (hex strings for codes and hashes)."""
        h = self.header
        facts: dict[str, Any] = {
            "layout": self.layout.value,
            "size": len(self.raw),
            "header": {
                "header_version": f"0x{h.header_version:04X}",
                "header_length": h.header_length,
                "field_control": f"0x{h.field_control:04X}",
                "manufacturer_code": f"0x{h.manufacturer_code:04X}",
                "image_type": f"0x{h.image_type:04X}",
                "file_version": f"0x{h.file_version:08X}",
                "stack_version": f"0x{h.stack_version:04X}",
                "header_string": h.header_text,
                "total_image_size": h.total_image_size,
                "security_credential_version": h.security_credential_version,
                "upgrade_file_destination": (
                    h.upgrade_file_destination[::-1].hex().upper()
                    if h.upgrade_file_destination is not None
                    else None
                ),
                "minimum_hardware_version": (
                    f"0x{h.minimum_hardware_version:04X}"
                    if h.minimum_hardware_version is not None
                    else None
                ),
                "maximum_hardware_version": (
                    f"0x{h.maximum_hardware_version:04X}"
                    if h.maximum_hardware_version is not None
                    else None
                ),
            },
            "manufacturer_image_size": len(self.manufacturer_image),
            "manufacturer_image_sha256": self.manufacturer_image_sha256.hex().upper(),
            "file_sha256": self.sha256.hex().upper(),
            "signed": self.signed,
        }
        if self.layout is Layout.ZIGBEE:
            facts["sub_elements"] = [
                {"tag": f"0x{s.tag:04X}", "name": s.name, "length": len(s.value)}
                for s in self.sub_elements
            ]
        return facts


def _looks_like_sub_elements(body: bytes) -> bool:
    """The body starts with a standard tag or a manufacturer one, with a plausible length."""
    if len(body) < SUBELEMENT_HEADER.size:
        return False
    tag, length = SUBELEMENT_HEADER.unpack_from(body)
    if tag not in _STANDARD_TAGS and tag < 0xF000:
        return False
    return length <= len(body) - SUBELEMENT_HEADER.size or tag in _STANDARD_TAGS


MAX_SUB_ELEMENTS = 256
"""Our setting: the most sub-elements an image may hold (a real one holds a handful: the upgrade
image, a signature, a certificate and some manufacturer elements). A file past it is refused
before more work is spent on it, so reading any file takes time and memory linear in its size."""


def _parse_sub_elements(body: bytes, offset: int) -> tuple[SubElement, ...]:
    elements: list[SubElement] = []
    pos = 0
    while pos < len(body):
        if len(elements) == MAX_SUB_ELEMENTS:
            raise ImageError(
                f"more than {MAX_SUB_ELEMENTS} sub-elements (the limit; the next one is at "
                f"offset {offset + pos})"
            )
        if len(body) - pos < SUBELEMENT_HEADER.size:
            raise ImageError(
                f"truncated sub-element header at offset {offset + pos}: "
                f"{len(body) - pos} bytes left, 6 needed"
            )
        tag, length = SUBELEMENT_HEADER.unpack_from(body, pos)
        start = pos + SUBELEMENT_HEADER.size
        if start + length > len(body):
            raise ImageError(
                f"truncated sub-element 0x{tag:04X} at offset {offset + pos}: length field says "
                f"{length} bytes, {len(body) - start} remain"
            )
        elements.append(SubElement(tag, bytes(body[start : start + length])))
        pos = start + length
    return tuple(elements)


def parse_image(data: bytes, layout: Layout | str | None = None) -> FirmwareImage:
    """Parse an image file; ``layout`` None detects it from the bytes after the header.

    Detection: a body that begins with a standard sub-element tag (0x0000-0x0006) or a manufacturer
    one (0xF000-0xFFFF) is read as ZigBee sub-elements, anything else as the GBCS layout. Pass the
    layout explicitly for a GBCS manufacturer image that happens to start like a sub-element.
    """
    data = bytes(data)
    header = parse_header(data)
    body = data[header.header_length :]
    chosen = Layout(layout) if layout is not None else None
    if chosen is None:
        chosen = Layout.ZIGBEE if _looks_like_sub_elements(body) else Layout.GBCS
    if chosen is Layout.ZIGBEE:
        elements = _parse_sub_elements(body, header.header_length)
        images = [e for e in elements if e.tag == TAG_UPGRADE_IMAGE]
        if len(images) != 1:
            raise ImageError(
                f"a ZigBee OTA file needs exactly one upgrade image sub-element (tag 0x0000), "
                f"found {len(images)}"
            )
        signatures = [e for e in elements if e.tag in SIGNATURE_TAGS]
        if len(signatures) > 1:
            raise ImageError(f"more than one signature sub-element ({len(signatures)})")
        return FirmwareImage(
            header=header,
            layout=Layout.ZIGBEE,
            manufacturer_image=images[0].value,
            signature=signatures[0].value if signatures else None,
            raw=data,
            sub_elements=elements,
        )
    signature: bytes | None = None
    manufacturer_image = body
    if (
        len(body) >= GBCS_TRAILER_LENGTH
        and body[-GBCS_TRAILER_LENGTH:-GBCS_SIGNATURE_LENGTH] == GBCS_SIGNATURE_MARKER
    ):
        signature = body[-GBCS_SIGNATURE_LENGTH:]
        manufacturer_image = body[:-GBCS_TRAILER_LENGTH]
    if not manufacturer_image:
        raise ImageError("the image has no manufacturer image bytes after its header")
    return FirmwareImage(
        header=header,
        layout=Layout.GBCS,
        manufacturer_image=manufacturer_image,
        signature=signature,
        raw=data,
    )


def stand_in_signature(manufacturer_image: bytes, length: int) -> bytes:
    """Deterministic stand-in signature bytes (not a real ECDSA signature) of ``length`` bytes."""
    out = b""
    counter = 0
    while len(out) < length:
        seed = b"smets1-hil test signature" + bytes([counter])
        out += hashlib.sha256(seed + manufacturer_image).digest()
        counter += 1
    return out[:length]


def manufacturer_payload(size: int, seed: str = "smets1-hil") -> bytes:
    """Deterministic manufacturer image bytes of ``size`` (a repeating SHA-256 stream)."""
    if size < 1:
        raise ImageError(f"manufacturer image size must be at least 1 byte, got {size}")
    chunks = []
    block = hashlib.sha256(seed.encode()).digest()
    total = 0
    while total < size:
        chunks.append(block)
        total += len(block)
        block = hashlib.sha256(block).digest()
    return b"".join(chunks)[:size]


def build_image(
    manufacturer_image: bytes,
    *,
    manufacturer_code: int,
    image_type: int,
    file_version: int,
    layout: Layout | str = Layout.GBCS,
    hardware_versions: tuple[int, int] | None = None,
    signed: bool = False,
    header_string: bytes = b"smets1-hil test image",
    stack_version: int = 0x0002,
    security_credential_version: int | None = None,
    upgrade_file_destination: bytes | None = None,
) -> bytes:
    """Build an image file around ``manufacturer_image``; ``signed`` adds a test signature."""
    chosen = Layout(layout)
    if not manufacturer_image:
        raise ImageError("manufacturer image must not be empty")
    if chosen is Layout.GBCS:
        body = manufacturer_image
        if signed:
            body += GBCS_SIGNATURE_MARKER + stand_in_signature(
                manufacturer_image, GBCS_SIGNATURE_LENGTH
            )
    else:
        parts = [SubElement(TAG_UPGRADE_IMAGE, manufacturer_image)]
        if signed:
            # Crypto suite 1: signer IEEE address (8 bytes) then the 42-byte signature.
            parts.append(
                SubElement(
                    TAG_ECDSA_SIGNATURE_SUITE1,
                    bytes(8) + stand_in_signature(manufacturer_image, 42),
                )
            )
        body = b"".join(p.to_bytes() for p in parts)
    hw_min, hw_max = hardware_versions if hardware_versions is not None else (None, None)
    if hw_min is not None and hw_max is not None and hw_min > hw_max:
        raise ImageError(f"minimum hardware version 0x{hw_min:04X} is above maximum 0x{hw_max:04X}")
    draft = OtaHeader(
        manufacturer_code=manufacturer_code,
        image_type=image_type,
        file_version=file_version,
        total_image_size=0,
        stack_version=stack_version,
        header_string=header_string,
        security_credential_version=security_credential_version,
        upgrade_file_destination=upgrade_file_destination,
        minimum_hardware_version=hw_min,
        maximum_hardware_version=hw_max,
    )
    total = draft.header_length + len(body)
    header = OtaHeader(**{**draft.__dict__, "total_image_size": total})
    return header.to_bytes() + body

"""ZigBee OTA upgrade files as a device sees them: header checks and the manufacturer image.

Two layouts are understood:

* **ZigBee sub-element** files: after the OTA header come tagged sub-elements
  (``tag:u16, length:u32, data``); the manufacturer image is the data of the Upgrade Image
  sub-element (tag 0x0000).
* **GBCS** files (the layout of DCC's own test images): after the OTA header comes the raw
  manufacturer image, optionally followed by a signature trailer ``00 40`` + 64 bytes.

A file whose bytes after the header parse exactly as a run of sub-elements that includes tag
0x0000 is taken as a sub-element file; anything else is GBCS.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

OTA_MAGIC = 0x0BEEF11E
HEADER_VERSION = 0x0100
BASE_HEADER_LENGTH = 56
UPGRADE_IMAGE_TAG = 0x0000
SIGNATURE_TRAILER_PREFIX = b"\x00\x40"
SIGNATURE_LENGTH = 64

FIELD_SECURITY_CREDENTIAL = 0x0001
FIELD_DEVICE_SPECIFIC = 0x0002
FIELD_HARDWARE_VERSIONS = 0x0004


class ImageFormatError(ValueError):
    """The bytes are not a usable OTA file (with the reason)."""


class HeaderTruncated(ImageFormatError):
    """The bytes end inside the OTA header that their header length field announces."""


@dataclass(frozen=True)
class OtaHeader:
    manufacturer_code: int
    image_type: int
    file_version: int
    zigbee_stack_version: int
    header_string: str
    total_size: int
    header_length: int
    field_control: int
    min_hardware_version: int | None = None
    max_hardware_version: int | None = None
    upgrade_file_destination: bytes | None = None


_BASE = struct.Struct("<IHHHHHIH32sI")


def parse_header(data: bytes) -> OtaHeader:
    """Parse the OTA header at the start of ``data`` (which may be only a prefix of the file)."""
    if len(data) < BASE_HEADER_LENGTH:
        raise ImageFormatError(f"shorter than an OTA header ({len(data)} < {BASE_HEADER_LENGTH})")
    (
        magic,
        _header_version,
        header_length,
        field_control,
        manufacturer,
        image_type,
        file_version,
        stack_version,
        header_string,
        total_size,
    ) = _BASE.unpack_from(data, 0)
    if magic != OTA_MAGIC:
        raise ImageFormatError(f"bad magic 0x{magic:08X} (expected 0x{OTA_MAGIC:08X})")
    if header_length < BASE_HEADER_LENGTH:
        raise ImageFormatError(f"header length {header_length} below {BASE_HEADER_LENGTH}")
    if len(data) < header_length:
        raise HeaderTruncated("header truncated")
    offset = BASE_HEADER_LENGTH
    destination = None
    hw_min = hw_max = None
    if field_control & FIELD_SECURITY_CREDENTIAL:
        offset += 1
    if field_control & FIELD_DEVICE_SPECIFIC:
        destination = bytes(data[offset : offset + 8])
        offset += 8
    if field_control & FIELD_HARDWARE_VERSIONS:
        hw_min, hw_max = struct.unpack_from("<HH", data, offset)
        offset += 4
    if offset > header_length:
        raise ImageFormatError("optional header fields overrun the header length")
    if total_size < header_length:
        raise ImageFormatError(f"total size {total_size} is smaller than the header")
    return OtaHeader(
        manufacturer_code=manufacturer,
        image_type=image_type,
        file_version=file_version,
        zigbee_stack_version=stack_version,
        header_string=header_string.rstrip(b"\x00").decode("latin-1"),
        total_size=total_size,
        header_length=header_length,
        field_control=field_control,
        min_hardware_version=hw_min,
        max_hardware_version=hw_max,
        upgrade_file_destination=destination,
    )


def _sub_elements(body: bytes) -> dict[int, bytes] | None:
    elements: dict[int, bytes] = {}
    offset = 0
    while offset < len(body):
        if len(body) - offset < 6:
            return None
        tag, length = struct.unpack_from("<HI", body, offset)
        offset += 6
        if length > len(body) - offset:
            return None
        elements.setdefault(tag, body[offset : offset + length])
        offset += length
    return elements if UPGRADE_IMAGE_TAG in elements else None


def manufacturer_image(data: bytes) -> bytes:
    """The manufacturer image of a complete OTA file (see the module docstring)."""
    header = parse_header(data)
    if len(data) != header.total_size:
        raise ImageFormatError(f"file is {len(data)} bytes, header says {header.total_size}")
    body = bytes(data[header.header_length :])
    elements = _sub_elements(body)
    if elements is not None:
        return elements[UPGRADE_IMAGE_TAG]
    trailer = len(SIGNATURE_TRAILER_PREFIX) + SIGNATURE_LENGTH
    if len(body) >= trailer and body[-trailer:-SIGNATURE_LENGTH] == SIGNATURE_TRAILER_PREFIX:
        return body[:-trailer]
    return body


@dataclass(frozen=True)
class ImageDigest:
    file_version: int
    size: int
    sha256: bytes
    manufacturer_image_sha256: bytes


def digest(data: bytes) -> ImageDigest:
    header = parse_header(data)
    return ImageDigest(
        file_version=header.file_version,
        size=len(data),
        sha256=hashlib.sha256(data).digest(),
        manufacturer_image_sha256=hashlib.sha256(manufacturer_image(data)).digest(),
    )


def build_image(
    *,
    manufacturer_code: int,
    image_type: int,
    file_version: int,
    payload: bytes,
    layout: str = "gbcs",
    signature: bytes | None = None,
    hardware_versions: tuple[int, int] | None = None,
    header_string: str = "smets1-hil test image",
    stack_version: int = 0x0002,
) -> bytes:
    """Build an OTA file around ``payload`` (the manufacturer image).

    ``layout`` is ``"gbcs"`` (raw payload, optional ``00 40`` + 64-byte signature) or
    ``"zigbee"`` (payload in an Upgrade Image sub-element).
    """
    field_control = 0
    optional = b""
    if hardware_versions is not None:
        field_control |= FIELD_HARDWARE_VERSIONS
        optional += struct.pack("<HH", *hardware_versions)
    header_length = BASE_HEADER_LENGTH + len(optional)
    if layout == "gbcs":
        body = payload
        if signature is not None:
            if len(signature) != SIGNATURE_LENGTH:
                raise ValueError("signature must be 64 bytes")
            body += SIGNATURE_TRAILER_PREFIX + signature
    elif layout == "zigbee":
        body = struct.pack("<HI", UPGRADE_IMAGE_TAG, len(payload)) + payload
    else:
        raise ValueError(f"unknown layout {layout!r}")
    total = header_length + len(body)
    header = _BASE.pack(
        OTA_MAGIC,
        HEADER_VERSION,
        header_length,
        field_control,
        manufacturer_code,
        image_type,
        file_version,
        stack_version,
        header_string.encode("latin-1")[:32].ljust(32, b"\x00"),
        total,
    )
    return header + optional + body

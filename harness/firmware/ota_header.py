"""The ZigBee OTA Upgrade file header (ZigBee OTA Upgrade cluster specification, section 11.4.2).

All multi-byte fields are little-endian. The fixed part is 56 bytes; optional fields follow in the
order security credential version (1 byte, field control bit 0x01), upgrade file destination
(8 bytes IEEE address, bit 0x02), minimum and maximum hardware version (2 + 2 bytes, bit 0x04).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from harness.firmware.errors import ImageError

OTA_MAGIC = 0x0BEEF11E
OTA_HEADER_VERSION = 0x0100
FIXED_HEADER_LENGTH = 56
HEADER_STRING_LENGTH = 32

FC_SECURITY_CREDENTIAL_VERSION = 0x0001
FC_DEVICE_SPECIFIC = 0x0002
FC_HARDWARE_VERSIONS = 0x0004
KNOWN_FIELD_CONTROL_BITS = (
    FC_SECURITY_CREDENTIAL_VERSION | FC_DEVICE_SPECIFIC | FC_HARDWARE_VERSIONS
)

_FIXED = struct.Struct("<IHHHHHIH32sI")


@dataclass(frozen=True)
class OtaHeader:
    """A parsed OTA header. ``header_string`` is the raw 32 bytes (NUL padded)."""

    manufacturer_code: int
    image_type: int
    file_version: int
    total_image_size: int
    stack_version: int = 0x0002
    header_string: bytes = b""
    header_version: int = OTA_HEADER_VERSION
    security_credential_version: int | None = None
    upgrade_file_destination: bytes | None = None  # 8 bytes, little-endian IEEE as on the wire
    minimum_hardware_version: int | None = None
    maximum_hardware_version: int | None = None

    @property
    def field_control(self) -> int:
        value = 0
        if self.security_credential_version is not None:
            value |= FC_SECURITY_CREDENTIAL_VERSION
        if self.upgrade_file_destination is not None:
            value |= FC_DEVICE_SPECIFIC
        if self.minimum_hardware_version is not None or self.maximum_hardware_version is not None:
            value |= FC_HARDWARE_VERSIONS
        return value

    @property
    def header_length(self) -> int:
        return expected_header_length(self.field_control)

    @property
    def header_text(self) -> str:
        """The header string up to its first NUL, decoded leniently."""
        return self.header_string.split(b"\x00", 1)[0].decode("ascii", errors="replace")

    def to_bytes(self) -> bytes:
        for name, value, bits in (
            ("manufacturer code", self.manufacturer_code, 16),
            ("image type", self.image_type, 16),
            ("file version", self.file_version, 32),
            ("stack version", self.stack_version, 16),
            ("total image size", self.total_image_size, 32),
        ):
            if not 0 <= value < (1 << bits):
                raise ImageError(f"{name} {value} does not fit in {bits} bits")
        if len(self.header_string) > HEADER_STRING_LENGTH:
            raise ImageError(
                f"header string is {len(self.header_string)} bytes, at most "
                f"{HEADER_STRING_LENGTH} allowed"
            )
        hw_present = self.field_control & FC_HARDWARE_VERSIONS
        if hw_present and (
            self.minimum_hardware_version is None or self.maximum_hardware_version is None
        ):
            raise ImageError("hardware versions need both a minimum and a maximum")
        out = bytearray(
            _FIXED.pack(
                OTA_MAGIC,
                self.header_version,
                self.header_length,
                self.field_control,
                self.manufacturer_code,
                self.image_type,
                self.file_version,
                self.stack_version,
                self.header_string.ljust(HEADER_STRING_LENGTH, b"\x00"),
                self.total_image_size,
            )
        )
        if self.security_credential_version is not None:
            out += struct.pack("<B", self.security_credential_version)
        if self.upgrade_file_destination is not None:
            if len(self.upgrade_file_destination) != 8:
                raise ImageError("upgrade file destination must be 8 bytes")
            out += self.upgrade_file_destination
        if hw_present:
            assert self.minimum_hardware_version is not None
            assert self.maximum_hardware_version is not None
            out += struct.pack("<HH", self.minimum_hardware_version, self.maximum_hardware_version)
        return bytes(out)

    def accepts_hardware(self, hardware_version: int) -> bool:
        """Whether a device of this hardware version may take the image (no range: any)."""
        if self.minimum_hardware_version is None or self.maximum_hardware_version is None:
            return True
        return self.minimum_hardware_version <= hardware_version <= self.maximum_hardware_version


def expected_header_length(field_control: int) -> int:
    length = FIXED_HEADER_LENGTH
    if field_control & FC_SECURITY_CREDENTIAL_VERSION:
        length += 1
    if field_control & FC_DEVICE_SPECIFIC:
        length += 8
    if field_control & FC_HARDWARE_VERSIONS:
        length += 4
    return length


def parse_header(data: bytes) -> OtaHeader:
    """Parse and check the header at the start of ``data`` (the whole file)."""
    if len(data) < FIXED_HEADER_LENGTH:
        raise ImageError(
            f"file is {len(data)} bytes, shorter than the {FIXED_HEADER_LENGTH}-byte OTA header"
        )
    (
        magic,
        header_version,
        header_length,
        field_control,
        manufacturer_code,
        image_type,
        file_version,
        stack_version,
        header_string,
        total_image_size,
    ) = _FIXED.unpack_from(data)
    if magic != OTA_MAGIC:
        raise ImageError(f"bad OTA magic 0x{magic:08X} (expected 0x{OTA_MAGIC:08X})")
    if header_version != OTA_HEADER_VERSION:
        raise ImageError(
            f"unsupported OTA header version 0x{header_version:04X} "
            f"(expected 0x{OTA_HEADER_VERSION:04X})"
        )
    unknown = field_control & ~KNOWN_FIELD_CONTROL_BITS
    if unknown:
        raise ImageError(
            f"unknown field control bits 0x{unknown:04X} in field control 0x{field_control:04X}"
        )
    needed = expected_header_length(field_control)
    if header_length < needed:
        raise ImageError(
            f"header length {header_length} is too small: field control 0x{field_control:04X} "
            f"needs {needed} bytes"
        )
    if header_length > needed:
        raise ImageError(
            f"header length {header_length} is larger than the {needed} bytes field control "
            f"0x{field_control:04X} describes"
        )
    if total_image_size != len(data):
        raise ImageError(
            f"total image size field says {total_image_size} bytes but the file is {len(data)} bytes"
        )
    if len(data) < header_length:
        raise ImageError(f"file is {len(data)} bytes, shorter than its header ({header_length})")
    offset = FIXED_HEADER_LENGTH
    security_credential_version = None
    destination = None
    hw_min = hw_max = None
    if field_control & FC_SECURITY_CREDENTIAL_VERSION:
        security_credential_version = data[offset]
        offset += 1
    if field_control & FC_DEVICE_SPECIFIC:
        destination = bytes(data[offset : offset + 8])
        offset += 8
    if field_control & FC_HARDWARE_VERSIONS:
        hw_min, hw_max = struct.unpack_from("<HH", data, offset)
        offset += 4
        if hw_min > hw_max:
            raise ImageError(
                f"minimum hardware version 0x{hw_min:04X} is above maximum 0x{hw_max:04X}"
            )
    return OtaHeader(
        manufacturer_code=manufacturer_code,
        image_type=image_type,
        file_version=file_version,
        total_image_size=total_image_size,
        stack_version=stack_version,
        header_string=bytes(header_string).rstrip(b"\x00"),
        header_version=header_version,
        security_credential_version=security_credential_version,
        upgrade_file_destination=destination,
        minimum_hardware_version=hw_min,
        maximum_hardware_version=hw_max,
    )

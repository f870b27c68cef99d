"""Firmware image files: ZigBee OTA files with sub-elements and the GBCS layout of DCC test data."""

from harness.firmware.errors import ImageError
from harness.firmware.image import (
    FirmwareImage,
    Layout,
    SubElement,
    build_image,
    manufacturer_payload,
    parse_image,
)
from harness.firmware.ota_header import OtaHeader, parse_header

__all__ = [
    "FirmwareImage",
    "ImageError",
    "Layout",
    "OtaHeader",
    "SubElement",
    "build_image",
    "manufacturer_payload",
    "parse_header",
    "parse_image",
]

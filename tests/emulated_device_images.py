"""OTA files for the emulated device models (built-in profiles), as the tests need them."""

from __future__ import annotations

import hashlib

from rigs.emulator.ota_image import build_image, manufacturer_image
from rigs.operations import DeviceRole

IMAGE_TYPES = {DeviceRole.PPMID: 0x0084, DeviceRole.ESME: 0x0000, DeviceRole.GSME: 0x0001}
MANUFACTURER = 0x121D
NEW_VERSION = 0x01020304


def image_for(
    role: DeviceRole, size: int = 64 * 1024, *, version: int = NEW_VERSION, **overrides: object
) -> bytes:
    """A GBCS-layout image of about ``size`` bytes with a signature trailer."""
    payload = (hashlib.sha256(role.value.encode()).digest() * (size // 32 + 1))[: size - 56 - 66]
    values: dict[str, object] = {
        "manufacturer_code": MANUFACTURER,
        "image_type": IMAGE_TYPES[role],
        "file_version": version,
        "payload": payload,
        "signature": b"\xa5" * 64,
    }
    values.update(overrides)
    return build_image(**values)  # type: ignore[arg-type]


def digests(image: bytes) -> tuple[bytes, bytes]:
    return hashlib.sha256(image).digest(), hashlib.sha256(manufacturer_image(image)).digest()

"""Firmware images the scenarios send: built for a device's model, one version above what it runs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from harness.firmware.image import build_image, manufacturer_payload
from harness.plugin.rig import HilDevice

IMAGE_BYTES = 4096  # manufacturer image size: small enough to keep the suite quick


@dataclass(frozen=True)
class FirmwareUnderTest:
    data: bytes
    file_version: int
    firmware_hash: bytes  # SHA-256 of the manufacturer image (DUIS FirmwareHash)

    @property
    def duis_version(self) -> str:
        """The DUIS FirmwareVersion for this image (8 hex digits, as the device reports it)."""
        return f"{self.file_version:08X}"


def image_for(
    device: HilDevice, *, image_type: int | None = None, size: int = IMAGE_BYTES
) -> FirmwareUnderTest:
    """A signed GBCS-layout image for ``device``'s model, one version above what it runs now."""
    identity = device.identity
    running = device.firmware().file_version
    version = (running + 1) & 0xFFFFFFFF
    payload = manufacturer_payload(size, seed=f"{device.ieee}:{version:08X}")
    data = build_image(
        payload,
        manufacturer_code=identity.manufacturer_code,
        image_type=identity.image_type if image_type is None else image_type,
        file_version=version,
        signed=True,
    )
    return FirmwareUnderTest(data, version, hashlib.sha256(payload).digest())


def other_hash(image: FirmwareUnderTest) -> bytes:
    """A FirmwareHash that does not match ``image``."""
    return hashlib.sha256(b"not the image" + image.firmware_hash).digest()

"""OTA file layouts as the emulated devices read them."""

from __future__ import annotations

import hashlib
import struct

import pytest

from rigs.emulator.ota_image import (
    ImageFormatError,
    build_image,
    digest,
    manufacturer_image,
    parse_header,
)

PAYLOAD = bytes(range(256)) * 8


def test_gbcs_layout_with_signature_trailer() -> None:
    image = build_image(
        manufacturer_code=0x121D,
        image_type=0x0084,
        file_version=0x0102,
        payload=PAYLOAD,
        layout="gbcs",
        signature=b"\x55" * 64,
    )
    header = parse_header(image)
    assert (header.manufacturer_code, header.image_type, header.file_version) == (
        0x121D,
        0x84,
        0x102,
    )
    assert header.total_size == len(image) == 56 + len(PAYLOAD) + 66
    assert manufacturer_image(image) == PAYLOAD
    d = digest(image)
    assert d.sha256 == hashlib.sha256(image).digest()
    assert d.manufacturer_image_sha256 == hashlib.sha256(PAYLOAD).digest()


def test_gbcs_layout_without_signature() -> None:
    image = build_image(manufacturer_code=1, image_type=2, file_version=3, payload=PAYLOAD)
    assert manufacturer_image(image) == PAYLOAD


def test_zigbee_sub_element_layout_and_hardware_versions() -> None:
    image = build_image(
        manufacturer_code=1,
        image_type=2,
        file_version=3,
        payload=PAYLOAD,
        layout="zigbee",
        hardware_versions=(1, 4),
    )
    header = parse_header(image)
    assert (header.min_hardware_version, header.max_hardware_version) == (1, 4)
    assert header.header_length == 60
    assert manufacturer_image(image) == PAYLOAD


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b"\x00\x00\x00\x00" + b[4:], "bad magic"),
        (lambda b: b[:40], "shorter than an OTA header"),
        (lambda b: b[:-10], "header says"),
    ],
)
def test_bad_files_are_refused_with_a_reason(mutate, message) -> None:  # type: ignore[no-untyped-def]
    image = build_image(manufacturer_code=1, image_type=2, file_version=3, payload=PAYLOAD)
    with pytest.raises(ImageFormatError, match=message):
        manufacturer_image(mutate(image))


def test_header_total_size_below_header_is_refused() -> None:
    image = bytearray(build_image(manufacturer_code=1, image_type=2, file_version=3, payload=b"x"))
    struct.pack_into("<I", image, 52, 10)
    with pytest.raises(ImageFormatError, match="smaller than the header"):
        parse_header(bytes(image))

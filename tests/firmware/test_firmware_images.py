"""Firmware image layouts: parse, build, and refuse inconsistent files with the reason."""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from typing import Any

import pytest

from harness.firmware import ImageError, Layout, build_image, manufacturer_payload, parse_image
from harness.firmware.ota_header import parse_header


def template_image(template: Any) -> bytes:
    text = template("11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML").decode()
    match = re.search(r"<sr:FirmwareImage>(.*?)</sr:FirmwareImage>", text, re.DOTALL)
    assert match is not None
    return base64.b64decode(match.group(1))


def test_dcc_template_image_is_gbcs_layout_with_signature(template: Any) -> None:
    raw = template_image(template)
    image = parse_image(raw)
    assert image.layout is Layout.GBCS
    assert image.signed
    assert image.signature is not None and len(image.signature) == 64
    header = image.header
    assert header.field_control == 0x0004
    assert header.manufacturer_code == 0x121D
    assert header.image_type == 0x0000
    assert header.file_version == 0xACDCACDC
    assert header.header_length == 60
    assert header.total_image_size == len(raw)
    # manufacturer image: between the header and the 00 40 + 64-byte trailer
    assert image.manufacturer_image == raw[60:-66]
    assert raw[-66:-64] == b"\x00\x40"
    assert image.manufacturer_image_sha256 == hashlib.sha256(raw[60:-66]).digest()
    facts = image.describe()
    assert facts["header"]["manufacturer_code"] == "0x121D"
    assert facts["header"]["file_version"] == "0xACDCACDC"
    assert facts["header"]["field_control"] == "0x0004"
    assert facts["signed"] is True
    # the header we write for those fields is byte-identical to DCC's
    assert header.to_bytes() == raw[:60]


@pytest.mark.parametrize("layout", [Layout.GBCS, Layout.ZIGBEE])
@pytest.mark.parametrize("signed", [False, True])
@pytest.mark.parametrize("hardware", [None, (0x0010, 0x0020)])
def test_build_then_parse_round_trip(
    layout: Layout, signed: bool, hardware: tuple[int, int] | None
) -> None:
    payload = manufacturer_payload(3000, seed="round-trip")
    raw = build_image(
        payload,
        manufacturer_code=0x1234,
        image_type=0x0102,
        file_version=0x01020304,
        layout=layout,
        hardware_versions=hardware,
        signed=signed,
    )
    image = parse_image(raw)
    assert image.layout is layout
    assert image.signed is signed
    assert image.manufacturer_image == payload
    assert image.header.manufacturer_code == 0x1234
    assert image.header.image_type == 0x0102
    assert image.header.file_version == 0x01020304
    assert image.header.total_image_size == len(raw)
    if hardware is None:
        assert image.header.field_control == 0
    else:
        assert image.header.field_control == 0x0004
        assert image.header.accepts_hardware(0x0015)
        assert not image.header.accepts_hardware(0x0021)


def test_optional_header_fields_round_trip() -> None:
    raw = build_image(
        b"abc",
        manufacturer_code=1,
        image_type=2,
        file_version=3,
        security_credential_version=1,
        upgrade_file_destination=bytes(range(8)),
        hardware_versions=(1, 2),
    )
    header = parse_header(raw)
    assert header.field_control == 0x0007
    assert header.header_length == 56 + 1 + 8 + 4
    assert header.security_credential_version == 1
    assert header.upgrade_file_destination == bytes(range(8))


def test_zigbee_sub_elements_reported() -> None:
    raw = build_image(
        b"x" * 100, manufacturer_code=1, image_type=2, file_version=3, layout="zigbee", signed=True
    )
    facts = parse_image(raw).describe()
    assert [s["tag"] for s in facts["sub_elements"]] == ["0x0000", "0x0001"]
    assert facts["sub_elements"][0]["length"] == 100


def _gbcs(**kwargs: Any) -> bytearray:
    return bytearray(
        build_image(
            b"payload" * 10, manufacturer_code=0x121D, image_type=0, file_version=1, **kwargs
        )
    )


def test_size_field_disagreeing_with_file_is_rejected() -> None:
    raw = _gbcs()
    with pytest.raises(ImageError, match="total image size field says"):
        parse_image(bytes(raw) + b"extra")


def test_header_length_too_small_is_rejected() -> None:
    raw = _gbcs(hardware_versions=(1, 2))
    struct.pack_into("<H", raw, 6, 56)  # header length field, while bit 0x04 needs 60
    with pytest.raises(ImageError, match="header length 56 is too small"):
        parse_image(bytes(raw))


def test_unknown_field_control_bits_are_rejected() -> None:
    raw = _gbcs()
    struct.pack_into("<H", raw, 8, 0x0010)
    with pytest.raises(ImageError, match="unknown field control bits 0x0010"):
        parse_image(bytes(raw))


def test_truncated_sub_element_is_rejected() -> None:
    raw = bytearray(
        build_image(b"z" * 50, manufacturer_code=1, image_type=2, file_version=3, layout="zigbee")
    )
    struct.pack_into("<I", raw, 56 + 2, 500)  # the upgrade image claims 500 bytes, 50 follow
    with pytest.raises(ImageError, match="truncated sub-element 0x0000"):
        parse_image(bytes(raw))


def test_bad_magic_and_short_file_are_rejected() -> None:
    raw = _gbcs()
    with pytest.raises(ImageError, match="shorter than the 56-byte OTA header"):
        parse_image(bytes(raw[:20]))
    raw[0] ^= 0xFF
    with pytest.raises(ImageError, match="bad OTA magic"):
        parse_image(bytes(raw))


def test_zigbee_without_upgrade_image_is_rejected() -> None:
    raw = build_image(b"q" * 8, manufacturer_code=1, image_type=2, file_version=3, layout="zigbee")
    body = struct.pack("<HI", 0xF000, 4) + b"abcd"
    header = bytearray(raw[:56])
    struct.pack_into("<I", header, 52, 56 + len(body))
    with pytest.raises(ImageError, match="exactly one upgrade image"):
        parse_image(bytes(header) + body, layout="zigbee")


def test_inverted_hardware_range_is_rejected() -> None:
    with pytest.raises(ImageError, match="above maximum"):
        _gbcs(hardware_versions=(5, 1))

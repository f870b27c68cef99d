"""An image is read in work proportional to its size and within a documented limit of
sub-elements: a small file holding millions of empty sub-elements is refused with one clear line
(by ``image inspect`` and by ``duis show`` of a DUIS document carrying it)."""

from __future__ import annotations

import base64
import re
import struct
from pathlib import Path

import pytest

from harness.cli import main
from harness.firmware import ImageError, build_image, manufacturer_payload, parse_image
from harness.firmware.image import MAX_SUB_ELEMENTS

EMPTY_ELEMENT = struct.pack("<HI", 0xF000, 0)  # a manufacturer-specific sub-element, no value


def _image_with_empty_elements(count: int) -> bytes:
    base = build_image(
        manufacturer_payload(64),
        manufacturer_code=0x1234,
        image_type=1,
        file_version=2,
        layout="zigbee",
    )
    data = bytearray(base + EMPTY_ELEMENT * count)
    struct.pack_into("<I", data, 52, len(data))  # total_image_size
    return bytes(data)


def test_limit_is_accepted_and_one_more_is_refused() -> None:
    at_limit = parse_image(_image_with_empty_elements(MAX_SUB_ELEMENTS - 1))
    assert len(at_limit.sub_elements) == MAX_SUB_ELEMENTS
    with pytest.raises(ImageError, match=f"more than {MAX_SUB_ELEMENTS} sub-elements"):
        parse_image(_image_with_empty_elements(MAX_SUB_ELEMENTS))


def test_two_million_empty_elements_inspect_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "many.ota"
    path.write_bytes(_image_with_empty_elements(2_000_000))
    assert main(["image", "inspect", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"more than {MAX_SUB_ELEMENTS} sub-elements" in err


def test_duis_show_of_such_an_image_is_bounded(
    shared_duis: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = (shared_duis / "11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML").read_text(encoding="utf-8")
    image = base64.b64encode(_image_with_empty_elements(1_000_000)).decode()
    document, count = re.subn(
        r"(<sr:FirmwareImage>)[^<]*(</sr:FirmwareImage>)", rf"\g<1>{image}\g<2>", template
    )
    assert count == 1
    path = tmp_path / "many.xml"
    path.write_text(document, encoding="utf-8")
    assert main(["duis", "show", str(path)]) == 0
    shown = capsys.readouterr().out
    assert f"not a readable image: more than {MAX_SUB_ELEMENTS} sub-elements" in shown

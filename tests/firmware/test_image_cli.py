"""``smets1-hil image`` through harness.cli.main."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.firmware import parse_image


def test_inspect_dcc_template_from_duis(
    shared_duis: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = shared_duis / "11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML"
    assert main(["image", "inspect", "--from-duis", str(path)]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["layout"] == "gbcs"
    assert facts["signed"] is True
    assert facts["header"]["field_control"] == "0x0004"
    assert facts["header"]["manufacturer_code"] == "0x121D"
    assert facts["header"]["image_type"] == "0x0000"
    assert facts["header"]["file_version"] == "0xACDCACDC"


@pytest.mark.parametrize("layout", ["gbcs", "zigbee"])
@pytest.mark.parametrize("signed", [[], ["--signed"]])
def test_build_then_inspect(
    layout: str, signed: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "img.ota"
    argv = [
        "image",
        "build",
        "-o",
        str(out),
        "--size",
        "65536",
        "--manufacturer",
        "0x1234",
        "--image-type",
        "7",
        "--file-version",
        "0x00010203",
        "--layout",
        layout,
        "--hardware",
        "0x0001-0x0003",
        *signed,
    ]
    assert main(argv) == 0
    data = out.read_bytes()
    assert len(data) == 65536
    capsys.readouterr()
    assert main(["image", "inspect", str(out)]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["layout"] == layout
    assert facts["signed"] is bool(signed)
    assert facts["header"]["manufacturer_code"] == "0x1234"
    assert facts["header"]["image_type"] == "0x0007"
    assert facts["header"]["file_version"] == "0x00010203"
    assert facts["header"]["minimum_hardware_version"] == "0x0001"
    assert (
        facts["manufacturer_image_sha256"]
        == parse_image(data).manufacturer_image_sha256.hex().upper()
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["image", "build", "-o", "{tmp}/x", "--size", "20"], "too small"),
        (["image", "build", "-o", "{tmp}/x", "--size", "900", "--hardware", "3"], "not MIN-MAX"),
        (
            ["image", "build", "-o", "{tmp}/x", "--size", "900", "--hardware", "3-1"],
            "above maximum",
        ),
        (["image", "inspect", "{tmp}/missing"], "cannot read"),
        (["image", "inspect", "{tmp}/garbage"], "bad OTA magic"),
    ],
)
def test_mistakes_are_one_line(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "garbage").write_bytes(b"\x00" * 100)
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("smets1-hil: error: ") and message in err

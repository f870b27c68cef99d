"""``smets1-hil duis`` through harness.cli.main, and once through the installed entry point."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import main
from harness.duis import ActivateFirmware, UpdateFirmware, parse_request
from harness.firmware import build_image, manufacturer_payload, parse_image

DEVICE = "00-DB-12-34-56-78-90-A4"


@pytest.fixture
def xsd(xsd_file: Path) -> list[str]:
    return ["--xsd", str(xsd_file)]


@pytest.fixture
def image_file(tmp_path: Path) -> Path:
    path = tmp_path / "image.ota"
    path.write_bytes(
        build_image(
            manufacturer_payload(900),
            manufacturer_code=0x121D,
            image_type=4,
            file_version=0x0203,
            hardware_versions=(1, 2),
            signed=True,
        )
    )
    return path


def test_validate_templates_exit_zero(
    xsd: list[str], shared_duis: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [
        str(shared_duis / n)
        for n in ("11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML", "CS08_11.2_SUCCESS_REQUEST_DUIS.XML")
    ]
    assert main(["duis", "validate", *xsd, *files]) == 0
    assert capsys.readouterr().out == ""


def test_validate_reports_one_line_per_problem(
    xsd: list[str], shared_duis: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<oops>")
    wrong = tmp_path / "wrong.xml"
    text = (shared_duis / "CS08_11.2_SUCCESS_REQUEST_DUIS.XML").read_text()
    wrong.write_text(text.replace("<sr:CommandVariant>1<", "<sr:CommandVariant>77<"))
    assert main(["duis", "validate", *xsd, str(bad), str(wrong)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{bad}: ") and "malformed XML" in lines[0]
    assert lines[1].startswith(f"{wrong}: ") and "CommandVariant" in lines[1]


def test_validate_without_xsd_is_a_user_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["duis", "validate", "--xsd", str(tmp_path / "none.xsd"), "x.xml"]) == 2
    assert "DUIS XSD not found" in capsys.readouterr().err


def test_build_11_1_then_validate_and_show(
    xsd: list[str], image_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.xml"
    code = main(
        [
            "duis",
            "build",
            "11.1",
            *xsd,
            "--image",
            str(image_file),
            "--device",
            DEVICE,
            "--counter",
            "5",
            "-o",
            str(out),
        ]
    )
    assert code == 0
    request = parse_request(out.read_bytes())
    assert isinstance(request.body, UpdateFirmware)
    assert request.body.image == image_file.read_bytes()
    assert request.body.firmware_version == "00000203"
    assert request.body.device_ids == (DEVICE,)
    assert request.request_id.counter == 5
    assert main(["duis", "validate", *xsd, str(out)]) == 0
    capsys.readouterr()
    assert main(["duis", "show", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "SR 11.1 Update Firmware" in shown
    assert "manufacturer 0x121D" in shown and "signed" in shown


def test_build_11_3_hash_from_image_and_cancel(
    xsd: list[str], image_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "a.xml"
    assert (
        main(
            [
                "duis",
                "build",
                "11.3",
                *xsd,
                "--target",
                DEVICE,
                "--image",
                str(image_file),
                "--execution-datetime",
                "2027-01-02T03:04:05Z",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    request = parse_request(out.read_bytes())
    assert isinstance(request.body, ActivateFirmware)
    assert (
        request.body.firmware_hash == parse_image(image_file.read_bytes()).manufacturer_image_sha256
    )
    assert request.body.execution_datetime is not None
    assert request.body.execution_datetime.year == 2027
    assert (
        main(
            [
                "duis",
                "build",
                "11.3",
                *xsd,
                "--target",
                DEVICE,
                "--hash",
                "AB" * 32,
                "--cancel",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    cancel = parse_request(out.read_bytes())
    assert isinstance(cancel.body, ActivateFirmware) and cancel.body.is_cancellation


def test_build_11_2_to_stdout(xsd: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["duis", "build", "11.2", *xsd, "--target", "00db1234567890a4"]) == 0
    request = parse_request(capsys.readouterr().out.encode())
    assert request.request_id.target == DEVICE


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["11.3", "--target", DEVICE, "--hash", "AB" * 31], "FirmwareHash: hash is 31 bytes"),
        (["11.2", "--target", "not-an-eui"], "RequestID: 'not-an-eui' is not an EUI-64"),
        (["11.2"], "needs --target"),
        (["11.1", "--device", DEVICE], "needs --image"),
        (["11.3", "--target", DEVICE], "exactly one of --hash and --image"),
    ],
)
def test_build_mistakes_are_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["duis", "build", "--no-validate", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("smets1-hil: error: ")
    assert message in err
    assert "Traceback" not in err


def test_show_malformed_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<a><b></a>")
    assert main(["duis", "show", str(bad)]) == 2
    assert "malformed XML" in capsys.readouterr().err


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def test_module_entry_in_subprocess(shared_duis: Path) -> None:
    template = shared_duis / "CS06_11.3_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML"
    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    result = subprocess.run(
        [sys.executable, "-m", "harness", "duis", "show", str(template)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
        cwd=repo,
    )
    assert result.returncode == 0, result.stderr
    assert "FirmwareHash: AA758690730934FF" in result.stdout


def test_installed_entry_point_in_subprocess(
    shared_duis: Path, xsd_file: Path, tmp_path: Path
) -> None:
    exe = shutil.which("smets1-hil") or (
        str(Path(sys.executable).parent / "smets1-hil")
        if (Path(sys.executable).parent / "smets1-hil").exists()
        else None
    )
    if exe is None:
        pytest.skip("the smets1-hil entry point is not installed in this environment")
    template = shared_duis / "11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML"
    result = _run([exe, "duis", "validate", "--xsd", str(xsd_file), str(template)])
    assert result.returncode == 0, result.stderr
    bad = tmp_path / "bad.xml"
    bad.write_text("<nope")
    result = _run([exe, "duis", "show", str(bad)])
    assert result.returncode == 2
    assert result.stderr.startswith("smets1-hil: error:") and "Traceback" not in result.stderr

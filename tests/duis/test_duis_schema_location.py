"""Where the DUIS XSD is looked for, and what happens when it is not there."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from harness.cli import main
from harness.duis import (
    ActivationReport,
    ActivationStatus,
    RequestId,
    SchemaUnavailable,
    ServiceReference,
    ServiceResponse,
    Smets1Reply,
    load_schema,
    locate_xsd,
)
from harness.duis.schema import XSD_ENV


def test_env_var_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "my.xsd"
    fake.write_text("<not-a-schema/>")
    monkeypatch.setenv(XSD_ENV, str(fake))
    assert locate_xsd() == fake.resolve()
    with pytest.raises(SchemaUnavailable, match="cannot load the DUIS XSD"):
        load_schema()


def test_missing_env_path_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(XSD_ENV, str(tmp_path / "absent.xsd"))
    assert locate_xsd() is None
    with pytest.raises(SchemaUnavailable, match=f"set {XSD_ENV}"):
        load_schema()


def test_validate_uses_env_var(
    monkeypatch: pytest.MonkeyPatch, xsd_file: Path, shared_duis: Path
) -> None:
    monkeypatch.setenv(XSD_ENV, str(xsd_file))
    assert main(["duis", "validate", str(shared_duis / "CS08_11.2_SUCCESS_REQUEST_DUIS.XML")]) == 0


def test_show_response(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    response = ServiceResponse(
        "I0",
        dt.datetime(2026, 11, 28, tzinfo=dt.UTC),
        Smets1Reply(
            "00-DB-12-34-56-78-90-A4",
            "90-B3-D5-1F-30-01-00-00",
            3,
            ActivationReport(ActivationStatus.NO_IMAGE_HELD, "0101", False),
        ),
        RequestId("90-B3-D5-1F-30-01-00-00", "00-DB-12-34-56-78-90-A4", 3),
        ServiceReference.ACTIVATE_FIRMWARE,
    )
    path = tmp_path / "response.xml"
    path.write_bytes(response.to_xml())
    assert main(["duis", "show", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Response to SR 11.3: I0" in out
    assert "activation: noImageHeld" in out

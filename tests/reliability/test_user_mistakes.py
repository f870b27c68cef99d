"""User mistakes on ``smets1-hil run`` are one line and exit 2, before anything starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli import main


@pytest.mark.parametrize("value", ["", "   "])
def test_empty_evidence_option_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--evidence", value]) == 2
    err = capsys.readouterr().err
    assert err == (
        "smets1-hil: error: --evidence: must not be empty "
        "(leave it out for ./evidence/<UTC time>)\n"
    )
    assert not (tmp_path / "evidence").exists()

"""``smets1-hil migration validate-mprn``."""

from __future__ import annotations

import json

import pytest

from harness.cli import main


def test_accepts_and_prints_canonical(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migration", "validate-mprn", "0007654321", "--group", "AA"]) == 0
    assert capsys.readouterr().out == "7654321\n"


def test_rejects_under_baseline_with_code(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["migration", "validate-mprn", "0007654321", "--group", "AA", "--profile", "baseline"]
    assert main([*argv, "--json"]) == 1
    answer = json.loads(capsys.readouterr().out)
    assert answer["valid"] is False and answer["code"] == "leading-zero"


def test_unknown_profile_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["migration", "validate-mprn", "7654321", "--group", "AA", "--profile", "x"])
    assert info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err

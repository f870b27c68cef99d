"""``smets1-hil migration validate-mprn``: the changes in force and extra GroupIDs."""

from __future__ import annotations

import json

import pytest

from harness.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main(["migration", "validate-mprn", *args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_leading_zeros_follow_the_change(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "0007654321", "--group", "AA") == (
        0,
        {"valid": True, "canonical": "7654321"},
    )
    code, result = run(capsys, "0007654321", "--group", "AA", "--changes", "pin-keep")
    assert code == 1 and result["code"] == "leading-zero"
    code, result = run(capsys, "0007654321", "--group", "AA", "--changes", "mprn-leading-zeros")
    assert code == 0
    code, result = run(capsys, "0007654321", "--group", "AA", "--profile", "baseline")
    assert code == 1


def test_extra_groups(capsys: pytest.CaptureFixture[str]) -> None:
    code, result = run(capsys, "0007654321", "--group", "ZA")
    assert code == 1 and result["code"] == "unknown-group"
    code, result = run(capsys, "0007654321", "--group", "ZA", "--known-groups", "ZA")
    assert code == 1 and result["code"] == "leading-zero"
    assert run(capsys, "0007654321", "--group", "ZA", "--ioc-groups", "ZA")[0] == 0


def test_usage_mistakes_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    for extra in (["--changes", "mprn"], ["--ioc-groups", "Z"]):
        with pytest.raises(SystemExit) as exit_info:
            main(["migration", "validate-mprn", "0007654321", "--group", "AA", *extra])
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert err.strip().splitlines()[-1].startswith("smets1-hil migration validate-mprn: error")

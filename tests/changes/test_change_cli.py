"""Command-line mistakes about changes and service requests are one line and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli import build_parser, main
from harness.cli.cmd_run import build_pytest_args


def test_unknown_change_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "--changes", "pin-keep,zeros", "--evidence", str(tmp_path / "e")])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("smets1-hil: error: --changes: unknown change")
    assert not (tmp_path / "e").exists()


def test_changes_and_profile_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--changes", "pin-keep", "--profile", "baseline"])
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_changes_reach_the_plugin_option(tmp_path: Path) -> None:
    args = build_parser().parse_args(["run", "--changes", "mprn-leading-zeros"])
    pytest_args = build_pytest_args(args, tmp_path)
    assert pytest_args[pytest_args.index("--hil-changes") + 1] == "mprn-leading-zeros"


def test_unknown_service_request_in_duis_build_is_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["duis", "build", "7.1", "--target", "00-DB-12-34-56-78-90-A4", "--no-validate"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a service request this harness implements" in err[0]

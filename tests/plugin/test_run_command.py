"""``smets1-hil run`` as a user calls it: options passed through to pytest, honest header."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pytest_subprocess import REPO


def smets1_hil(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        XDG_CACHE_HOME=str(cwd / "cache"),
    )
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_pytest_options_pass_through_relative_to_the_callers_directory(tmp_path: Path) -> None:
    result = smets1_hil(
        tmp_path,
        "run",
        "-k",
        "ioc_mprn and AA",
        "--evidence",
        "bundle",
        "--",
        "--junitxml=own-junit.xml",
        "-x",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (tmp_path / "own-junit.xml").is_file()  # relative to where the user ran it
    assert "configfile: pytest.ini" in result.stdout and "/dev/null" not in result.stdout
    # scenarios are named relative to the suite, wherever the run was started
    assert "test_mprn.py::test_ioc_mprn_with_leading_zeros_validates[AA] PASSED" in result.stdout
    assert (tmp_path / "cache" / "smets1-hil" / "pytest").is_dir()  # --lf has a cache to read


def test_unknown_option_without_the_separator_is_one_line(tmp_path: Path) -> None:
    result = smets1_hil(tmp_path, "run", "--lf")
    assert result.returncode == 2
    assert "unrecognized arguments: --lf" in result.stderr and "Traceback" not in result.stderr

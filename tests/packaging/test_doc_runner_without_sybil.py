"""The checkout's conftest.py (the docs' example runner) where sybil is not installed: a virtualenv
inside the checkout makes pytest load it for the installed suite too. The suite still runs; a page
of examples fails to collect, saying why."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _pytest_without_sybil(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    hidden = tmp_path / "hide"
    (hidden / "sybil").mkdir(parents=True)
    (hidden / "sybil" / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'sybil'\", name='sybil')\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(hidden), str(REPO)]))
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_pages_fail_to_collect_saying_why(tmp_path: Path) -> None:
    result = _pytest_without_sybil(tmp_path, "--collect-only", "-q", "README.md")
    assert result.returncode != 0
    assert "README.md: its examples run with sybil, which is not installed" in result.stdout


def test_other_tests_still_collect(tmp_path: Path) -> None:
    result = _pytest_without_sybil(
        tmp_path, "--collect-only", "-q", "tests/evidence/test_measurement.py"
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "ModuleNotFoundError" not in result.stdout + result.stderr

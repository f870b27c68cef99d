"""Running pytest with the smets1-hil plugin in a child process, in a scratch directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from harness.plugin.loading import plugin_args

REPO = Path(__file__).resolve().parents[2]


def pytest_command(*args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:benchmark",
        *plugin_args(),
        *args,
    ]


def child_env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def run_pytest(cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        pytest_command(*args),
        cwd=cwd,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_pytest(cwd: Path, *args: str, **popen: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(pytest_command(*args), cwd=cwd, env=child_env(), **popen)

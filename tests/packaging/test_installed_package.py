"""The package as a user installs it (not editable): compiled fastpath, and the suite runs from a
source checkout as the current directory without picking up the uncompiled source tree."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def source_checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A source tree as a fresh clone has it: Python sources, no compiled extensions."""
    tree = tmp_path_factory.mktemp("checkout")
    for package in ("fastpath", "rigs", "harness"):
        shutil.copytree(
            REPO / package,
            tree / package,
            ignore=shutil.ignore_patterns("*.so", "*.c", "__pycache__", ".mypy_cache"),
        )
    return tree


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh venv holding a regular (wheel) install of this checkout; its run-time dependencies
    come from the test environment through a .pth line."""
    venv = tmp_path_factory.mktemp("installed") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "test-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # a regular build, as a user's install makes it: isolated, with the build requirements of
    # pyproject.toml (setuptools, Cython) fetched by pip
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            str(REPO),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    yield venv


def clean_env() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("SMETS1_HIL_PURE", "PYTHONSAFEPATH", "PYTHONPATH")
    }


def test_installed_fastpath_is_compiled_and_from_the_install(
    installed: Path, source_checkout: Path
) -> None:
    out = subprocess.run(
        [
            str(installed / "bin" / "python"),
            "-P",
            "-c",
            "import fastpath, json; print(json.dumps([fastpath.IMPLEMENTATION, fastpath.__file__]))",
        ],
        cwd=source_checkout,
        env=clean_env(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    implementation, location = json.loads(out)
    assert implementation == "compiled"
    assert Path(location).is_relative_to(installed)


def test_run_from_a_source_checkout_uses_the_install(
    installed: Path, source_checkout: Path, tmp_path: Path
) -> None:
    evidence = tmp_path / "evidence"
    result = subprocess.run(
        [
            str(installed / "bin" / "smets1-hil"),
            "run",
            "-k",
            "ppmid and IOC",
            "--evidence",
            str(evidence),
        ],
        cwd=source_checkout,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # an honest header: the suite's own settings file, and no assertion-rewrite warnings
    assert "configfile: pytest.ini" in result.stdout
    assert "PytestAssertRewriteWarning" not in result.stdout + result.stderr
    summary = json.loads((evidence / "summary.json").read_text())
    assert summary["requirements"]["U12-FW-11.1"]["verdict"] == "pass"

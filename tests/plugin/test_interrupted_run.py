"""A run killed with SIGKILL keeps its finished records and says it was interrupted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_subprocess import start_pytest

from harness.cli import main

SCENARIOS = """
import os
import pytest

@pytest.mark.requirement("U12-MPRN")
def test_first(evidence):
    evidence.measure("canonical_length", 7, units="digits", low=6, high=10)

@pytest.mark.requirement("U12-FW-11.1")
def test_second_never_finishes():
    open({started!r}, "w").close()
    with open({fifo!r}) as hold:  # blocks: nobody ever opens the FIFO for writing
        hold.read()
"""


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_sigkill_mid_run_leaves_an_interrupted_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "hold"
    os.mkfifo(fifo)
    started = tmp_path / "second-started"
    (tmp_path / "test_scenarios.py").write_text(
        textwrap.dedent(SCENARIOS.format(started=str(started), fifo=str(fifo)))
    )
    bundle = tmp_path / "bundle"
    process = start_pytest(
        tmp_path,
        "-q",
        "--hil-evidence",
        str(bundle),
        "-p",
        "no:timeout",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(started.exists, 60, "the second scenario to start")
        wait_for(lambda: any((bundle / "records").glob("*.json")), 10, "the first record")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    records = [json.loads(p.read_text()) for p in (bundle / "records").glob("*.json")]
    assert [r["scenario"] for r in records] == ["test_scenarios.py::test_first"]
    assert records[0]["verdict"] == "pass"
    assert records[0]["measurements"][0]["value"] == 7

    summary = json.loads((bundle / "summary.json").read_text())
    assert summary["interrupted"] is True
    assert summary["finished"] is None
    assert summary["requirements"]["U12-FW-11.1"]["verdict"] == "not-run"
    assert not (bundle / "manifest.sha256").exists()

    assert main(["evidence", "verify", str(bundle)]) == 1
    assert "manifest.sha256: missing" in capsys.readouterr().out
    assert main(["evidence", "show", str(bundle)]) == 0
    assert "INTERRUPTED" in capsys.readouterr().out

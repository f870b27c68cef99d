"""``bench``: each figure is printed beside its target, a missed target is exit 1, and
``--record`` puts the rounds into the results database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main


def test_ota_prints_the_default_target_and_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "results.sqlite")
    argv = ["bench", "ota", "--role", "GSME", "--size", "4K", "--rounds", "2", "--record"]
    assert main([*argv, "--db", db]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.strip().startswith(("1 ", "2 "))]
    assert len(rows) == 2 and all(">= 0.05 MB/min (default): met" in row for row in rows)
    assert main(["history", "show", "--db", db, "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["run"]["kind"] == "bench" and facts["run"]["rig"] == "bench:embedded"
    assert [t["role"] for t in facts["transfers"]] == ["GSME", "GSME"]
    assert all(t["target"] == 0.05 and t["block_p95_ms"] > 0 for t in facts["transfers"])


def test_serial_below_its_target_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """HDLC framing alone keeps a serial transfer under 100% of its line rate."""
    argv = ["bench", "serial", "--size", "4K", "--baud", "115200", "--target", "100"]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert ">= 100 % of line rate (--target):" in out and "MISSED" in out

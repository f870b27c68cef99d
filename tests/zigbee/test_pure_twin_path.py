"""The same end-to-end flow with the pure-Python fastpath twin (SMETS1_HIL_PURE=1), in a subprocess
so that both the harness side and the emulator process it starts pick the twin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).with_name("pure_twin_flow.py")


def test_end_to_end_with_the_pure_twin() -> None:
    env = dict(os.environ, SMETS1_HIL_PURE="1")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT)],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["harness_fastpath"] == "pure" and seen["emulator_fastpath"] == "pure"
    assert seen["devices"] == 3
    for role in ("PPMID", "ESME", "GSME"):
        assert seen[role] == {
            "transfer": "ok",
            "held_matches": True,
            "activated": True,
            "running_new": True,
        }
    assert seen["site_id"] == "0007654321"

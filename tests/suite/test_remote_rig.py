"""A rig reached over socket:// (an emulator on another host, here on localhost) is used exactly
like a local one: the rig file names its radio URL and devices, and the suite runs against it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from rigs.emulator import EmulatorProcess

REPO = Path(__file__).resolve().parents[2]


def test_suite_runs_against_an_emulator_reached_over_tcp(tmp_path: Path) -> None:
    with EmulatorProcess(["--tcp", "127.0.0.1:0"]) as emulator:
        assert emulator.radio.startswith("socket://")
        lines = [f'name = "remote"\n[radio]\nkind = "emulated"\npath = "{emulator.radio}"\n']
        for device in emulator.devices:
            lines.append(
                f'[[devices]]\nrole = "{device["role"]}"\nieee = "{device["ieee"]}"\n'
                f'model = "{device["profile"]}"\ngroup_id = "AA"\n'
            )
        (tmp_path / "rig.toml").write_text("\n".join(lines))
        env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        result = subprocess.run(
            [sys.executable, "-m", "harness", "run", "--rig", "rig.toml", "--evidence", "bundle",
             "-k", "mprn or read_firmware_version"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240, check=False,
        )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = json.loads((tmp_path / "bundle" / "summary.json").read_text())
    selected = {rid: e["verdict"] for rid, e in summary["requirements"].items() if e["selected"]}
    assert selected["U12-MPRN"] == "pass"
    assert selected["U12-FW-11.2"] == "pass"
    assert set(selected) >= {"U12-MPRN", "U12-FW-11.2", "BASE-FW-METER", "BASE-MPRN"}
    record = json.loads(next((tmp_path / "bundle" / "records").glob("*.json")).read_text())
    assert record["rig"]["name"] == "remote"
    assert record["rig"]["radio"]["path"].startswith("socket://127.0.0.1:")

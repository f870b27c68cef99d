"""A rig reached over socket:// or rfc2217:// (a radio exported from the host it is wired to, here
localhost) is used exactly like a local one: the rig file names the URL and the suite runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from rigs.emulator import EmulatorProcess
from rigs.link.rfc2217_export import Rfc2217Export

REPO = Path(__file__).resolve().parents[2]


@contextmanager
def emulator_over_socket() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    with EmulatorProcess(["--tcp", "127.0.0.1:0"]) as emulator:
        yield emulator.radio, emulator.devices


@contextmanager
def emulator_over_rfc2217() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    with EmulatorProcess() as emulator:
        export = Rfc2217Export(emulator.radio, "127.0.0.1", 0)
        server = threading.Thread(target=export.serve, name="rfc2217-export", daemon=True)
        server.start()
        try:
            yield export.url, emulator.devices
        finally:
            export.stop()
            server.join(timeout=10)


EXPORTS = {"socket": emulator_over_socket, "rfc2217": emulator_over_rfc2217}


@pytest.mark.parametrize("scheme", sorted(EXPORTS))
def test_suite_runs_against_a_radio_reached_by_url(tmp_path: Path, scheme: str) -> None:
    with EXPORTS[scheme]() as (url, devices):
        assert url.startswith(f"{scheme}://")
        lines = [f'name = "remote"\n[radio]\nkind = "emulated"\npath = "{url}"\n']
        for device in devices:
            lines.append(
                f'[[devices]]\nrole = "{device["role"]}"\nieee = "{device["ieee"]}"\n'
                f'model = "{device["profile"]}"\ngroup_id = "AA"\n'
            )
        (tmp_path / "rig.toml").write_text("\n".join(lines))
        env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "harness",
                "run",
                "--rig",
                "rig.toml",
                "--evidence",
                "bundle",
                "-k",
                "mprn or read_firmware_version",
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = json.loads((tmp_path / "bundle" / "summary.json").read_text())
    selected = {rid: e["verdict"] for rid, e in summary["requirements"].items() if e["selected"]}
    assert set(selected) == {"U12-MPRN", "U12-FW-11.2", "BASE-FW-METER", "BASE-MPRN"}
    assert set(selected.values()) == {"pass"}
    record = json.loads(next((tmp_path / "bundle" / "records").glob("*.json")).read_text())
    assert record["rig"]["name"] == "remote"
    assert record["rig"]["radio"]["path"] == url

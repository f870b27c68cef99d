"""A rig reached over socket:// or rfc2217:// (a radio and test ports exported from the host they
are wired to, here localhost) is used exactly like a local one: the rig file names the URLs and the
suite runs. A device the rig file gives no test port has its test-port scenarios skipped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rigs.emulator import EmulatorProcess
from rigs.link.rfc2217_export import Rfc2217Export

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Exported:
    radio: str
    devices: list[dict[str, Any]]  # as the emulator announced them
    serial: dict[str, str]  # IEEE address -> test port URL, as another host reaches it


@contextmanager
def emulator_over_socket() -> Iterator[Exported]:
    with EmulatorProcess(["--tcp", "127.0.0.1:0"]) as emulator:
        serial = {d["ieee"]: d["serial"] for d in emulator.devices}
        yield Exported(emulator.radio, emulator.devices, serial)


@contextmanager
def exported_over_rfc2217(path: str) -> Iterator[str]:
    export = Rfc2217Export(path, "127.0.0.1", 0)
    server = threading.Thread(target=export.serve, name="rfc2217-export", daemon=True)
    server.start()
    try:
        yield export.url
    finally:
        export.stop()
        server.join(timeout=10)


@contextmanager
def emulator_over_rfc2217() -> Iterator[Exported]:
    with EmulatorProcess() as emulator, ExitStack() as exports:
        radio = exports.enter_context(exported_over_rfc2217(emulator.radio))
        serial = {
            d["ieee"]: exports.enter_context(exported_over_rfc2217(d["serial"]))
            for d in emulator.devices
        }
        yield Exported(radio, emulator.devices, serial)


EXPORTS = {"socket": emulator_over_socket, "rfc2217": emulator_over_rfc2217}


@pytest.mark.parametrize("scheme", sorted(EXPORTS))
def test_suite_runs_against_a_rig_reached_by_url(tmp_path: Path, scheme: str) -> None:
    with EXPORTS[scheme]() as exported:
        assert exported.radio.startswith(f"{scheme}://")
        lines = [f'name = "remote"\n[radio]\nkind = "emulated"\npath = "{exported.radio}"\n']
        given: dict[str, str] = {}
        for device in exported.devices:
            entry = (
                f'[[devices]]\nrole = "{device["role"]}"\nieee = "{device["ieee"]}"\n'
                f'model = "{device["profile"]}"\ngroup_id = "AA"\n'
            )
            if device["role"] != "PPMID":  # the PPMID's test port is left out of the rig file
                given[device["ieee"]] = exported.serial[device["ieee"]]
                assert given[device["ieee"]].startswith(f"{scheme}://")
                entry += f'serial_port = "{given[device["ieee"]]}"\n'
            lines.append(entry)
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
                "mprn or read_firmware_version or serial_test_port",
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
    assert set(selected) == {
        "U12-MPRN",
        "U12-FW-11.2",
        "BASE-FW-METER",
        "BASE-MPRN",
        "BASE-TEST-PORT",
    }
    assert set(selected.values()) == {"pass"}
    records = [json.loads(p.read_text()) for p in (tmp_path / "bundle" / "records").glob("*.json")]
    assert {r["rig"]["name"] for r in records} == {"remote"}
    assert {r["rig"]["radio"]["path"] for r in records} == {exported.radio}
    ports = {d["ieee"]: d["serial_port"] for d in records[0]["rig"]["devices"]}
    assert ports == {d["ieee"]: given.get(d["ieee"]) for d in exported.devices}
    test_port = [r for r in records if "test_serial_test_port.py" in r["scenario"]]
    skipped = [r for r in test_port if r["verdict"] == "skipped"]
    assert {r["scenario"].rpartition("[")[2] for r in skipped} == {"ppmid]"}
    for record in skipped:
        assert "gives the PPMID" in record["failure"] and "no serial test port" in record["failure"]
    used = [t for r in test_port if r["verdict"] == "pass" for t in r["test_port_traces"]]
    assert {t["port"] for t in used} == set(given.values())
    for trace in used:
        assert (tmp_path / "bundle" / trace["file"]).is_file()

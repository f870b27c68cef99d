"""The shared half of the suite-through-a-subprocess tests: launching runs and collecting them.

``smets1_hil`` starts ``python -m harness`` with this checkout importable, :func:`collect` waits
for the runs and reads what they left behind, and the co-processor tests (``test_suite_ezsp``,
``test_suite_znp``) start emulators with :func:`start_emulator` and write the rig file a lab
would with :func:`coprocessor_rig_file`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.plugin.bringup import emulator_device_file
from harness.rigfile import RigSpec
from rigs.emulator import EmulatorProcess

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Run:
    code: int
    out: str
    err: str
    bundle: Path

    @property
    def summary(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.bundle / "summary.json").read_text())
        return data

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(p.read_text()) for p in (self.bundle / "records").glob("*.json")]


def smets1_hil(*args: str, cwd: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen(
        [sys.executable, "-m", "harness", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def collect(
    processes: dict[str, subprocess.Popen[str]], work: Path, timeout: float
) -> dict[str, Run]:
    """Wait for each run (its bundle is ``work / name``); kill any still running on the way out."""
    results: dict[str, Run] = {}
    try:
        for name, process in processes.items():
            out, err = process.communicate(timeout=timeout)
            results[name] = Run(process.returncode, out, err, work / name)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    return results


def write_device_file(spec: RigSpec, work: Path) -> Path:
    """The emulator's device file for ``spec``'s devices, written into ``work``."""
    device_file = work / "devices.toml"
    device_file.write_text(emulator_device_file(spec), encoding="utf-8")
    return device_file


def start_emulator(kind: str, device_file: Path, *args: str) -> EmulatorProcess:
    """An emulator (to enter as a context manager) with a ``kind`` co-processor on its radio port
    (``args``: more of ``smets1-hil emulate``'s options, such as ``--impair-radio``)."""
    return EmulatorProcess(["--coprocessor", kind, "--device-file", str(device_file), *args])


def coprocessor_rig_file(
    spec: RigSpec, emulator: EmulatorProcess, kind: str, sections: Iterable[str] = ()
) -> str:
    """The rig file a lab writes for this emulator: its radio port as a ``kind`` stick, and its
    control channel (for the link counters in the evidence).

    ``sections`` go between the name and the radio (e.g. the rig's own targets).
    """
    serial = {d["ieee"]: d["serial"] for d in emulator.devices}
    lines = [f'name = "{kind}-emulated"', "", *sections, "[radio]", f'kind = "{kind}"']
    lines += [f'path = "{emulator.radio}"', f'control = "{emulator.control}"', ""]
    for device in spec.devices:
        lines += [
            "[[devices]]",
            f'role = "{device.role}"',
            f'ieee = "{device.ieee}"',
            f'model = "{device.model}"',
            f'group_id = "{device.group_id}"',
            f'serial_port = "{serial[device.ieee]}"',
            f'installing_supplier = "{device.installing_supplier}"',
            f'responsible_supplier = "{device.responsible_supplier}"',
            f'installation_id = "{device.installation_id}"',
        ]
        if device.site_id is not None:
            lines.append(f'site_id = "{device.site_id}"')
        lines.append("")
    return "\n".join(lines)

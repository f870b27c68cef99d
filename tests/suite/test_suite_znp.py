"""The packaged suite through unmodified zigpy-znp against the emulated Z-Stack co-processor.

Two emulators run with ``--coprocessor znp`` hosting the embedded rig's devices; a rig file names
each one's radio port with ``kind = "znp"`` and the suite runs once per profile, concurrently:
uplift-1.2 passes every requirement, baseline fails exactly the six Uplift requirements.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.evidence.requirements import REQUIREMENTS, UPLIFT_IDS
from harness.plugin.bringup import emulator_device_file
from harness.rigfile import RigSpec, default_rig
from rigs.emulator import EmulatorProcess

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 300


def znp_rig_file(spec: RigSpec, emulator: EmulatorProcess) -> str:
    """The rig file a lab writes for this emulator: its radio port as a Z-Stack stick."""
    serial = {d["ieee"]: d["serial"] for d in emulator.devices}
    lines = ['name = "znp-emulated"', "", "[radio]", 'kind = "znp"']
    lines += [f'path = "{emulator.radio}"', ""]
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


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    work = tmp_path_factory.mktemp("znp-suite")
    spec = default_rig()
    device_file = work / "devices.toml"
    device_file.write_text(emulator_device_file(spec), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    processes: dict[str, subprocess.Popen[str]] = {}
    with ExitStack() as stack:
        for profile in ("uplift-1.2", "baseline"):
            emulator = stack.enter_context(
                EmulatorProcess(["--coprocessor", "znp", "--device-file", str(device_file)])
            )
            assert emulator.info["coprocessor"] == "znp"
            rig_file = work / f"{profile}.toml"
            rig_file.write_text(znp_rig_file(spec, emulator), encoding="utf-8")
            command = ["run", "--rig", str(rig_file), "--profile", profile]
            processes[profile] = subprocess.Popen(
                [sys.executable, "-m", "harness", *command, "--evidence", str(work / profile)],
                cwd=work,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        results: dict[str, Run] = {}
        try:
            for profile, process in processes.items():
                out, err = process.communicate(timeout=RUN_TIMEOUT_S)
                results[profile] = Run(process.returncode, out, err, work / profile)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.kill()
                    process.wait()
        yield results


def test_suite_through_zigpy_znp_passes_and_its_baseline_fails_exactly_the_six(
    runs: dict[str, Run],
) -> None:
    uplift, baseline = runs["uplift-1.2"], runs["baseline"]
    assert uplift.code == 0, uplift.out[-3000:] + uplift.err[-2000:]
    verdicts = {rid: e["verdict"] for rid, e in uplift.summary["requirements"].items()}
    assert set(verdicts) == set(REQUIREMENTS) and set(verdicts.values()) == {"pass"}
    record = json.loads(next((uplift.bundle / "records").glob("*.json")).read_text())
    assert record["rig"]["radio"]["kind"] == "znp"
    assert record["rig"]["radio"]["codec"] == "zigpy-znp 1.1.1, MT framed by fastpath.mt (compiled)"
    assert record["rig"]["radio"]["firmware"] == "Texas Instruments CC2652 Z-Stack 20230507"
    assert baseline.code == 1, baseline.out[-3000:]
    failed = {rid for rid, e in baseline.summary["requirements"].items() if e["verdict"] == "fail"}
    assert failed == set(UPLIFT_IDS)

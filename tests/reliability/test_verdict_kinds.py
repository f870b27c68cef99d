"""The right kind of verdict: ``fail`` speaks of the device, ``error`` of the rig or the run,
``skipped`` of a scenario this rig cannot carry out; a scenario is never ``not-run`` without a
reason once it was handed to a worker."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
from run_faults import REPO, start_run

from harness.plugin.loading import plugin_args
from harness.plugin.verdicts import rig_fault
from rigs.link import LinkClosed
from rigs.operations import RigError

pytestmark = pytest.mark.timeout(300)


def _item(lost: Exception | None) -> pytest.Item:
    ops = SimpleNamespace(link_lost=lambda: lost)
    rig = SimpleNamespace(ops=ops)
    return SimpleNamespace(funcargs={"rig": rig, "gsme": SimpleNamespace(rig=rig)})  # type: ignore[return-value]


def test_lost_radio_link_makes_any_failure_a_rig_fault() -> None:
    lost = _item(ConnectionError("the pty closed"))
    assert rig_fault(lost, AssertionError("transfer failed")) == (
        "rig fault: the radio link is lost (the pty closed)"
    )
    assert rig_fault(lost, RigError("read site id: the radio link is lost")) is not None


@pytest.mark.parametrize(
    "exception",
    [
        LinkClosed("port gone"),
        OSError(errno.ENOSPC, "No space left on device"),
        OSError(errno.EFBIG, "File too large"),
    ],
)
def test_link_and_machine_faults_are_rig_faults(exception: BaseException) -> None:
    assert rig_fault(_item(None), exception) is not None


@pytest.mark.parametrize(
    "exception", [AssertionError("wrong MPRN"), RigError("device refused"), None]
)
def test_device_failures_stay_failures(exception: BaseException | None) -> None:
    assert rig_fault(_item(None), exception) is None


RIG_WITHOUT_SUPPLIER = """
name = "no-supplier"

[radio]
kind = "emulated"

[[devices]]
role = "PPMID"
ieee = "0000000000000101"
model = "PPMID"
installing_supplier = "SUPPLIER-A"
responsible_supplier = "SUPPLIER-B"

[[devices]]
role = "ESME"
ieee = "0000000000000102"
model = "ESME"
site_id = "1200023456789"
installing_supplier = "SUPPLIER-A"
responsible_supplier = "SUPPLIER-B"

[[devices]]
role = "GSME"
ieee = "0000000000000103"
model = "GSME"
site_id = "0007654321"
responsible_supplier = "SUPPLIER-B"
installation_id = "INST-0001"
"""


def test_pin_report_without_installing_supplier_is_skipped_not_failed(tmp_path: Path) -> None:
    rig = tmp_path / "rig.toml"
    rig.write_text(RIG_WITHOUT_SUPPLIER)
    run = start_run(tmp_path, "--rig", str(rig), keyword="wrongly_changed_pin")
    code = run.finish()
    records = run.records()
    assert records, run.err[-2000:]
    for record in records:
        assert record["verdict"] == "skipped", record
        assert "installing_supplier" in record["failure"]
    assert run.summary()["requirements"]["U12-PIN-REPORT"]["verdict"] == "not-run"
    assert code == 1  # a requirement that did not run is not a pass


CRASHING = """
import os
import pytest

@pytest.mark.requirement("U12-MPRN")
def test_worker_dies():
    os._exit(3)

@pytest.mark.requirement("BASE-MPRN")
def test_fine():
    pass
"""


def test_scenario_whose_worker_died_is_error_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "test_crash.py").write_text(textwrap.dedent(CRASHING))
    bundle = tmp_path / "bundle"
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:benchmark",
            *plugin_args(),
            "-n",
            "2",
            "--max-worker-restart",
            "1",
            "--hil-evidence",
            str(bundle),
            "test_crash.py",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    records = {
        r["scenario"]: r
        for r in (json.loads(p.read_text()) for p in (bundle / "records").glob("*.json"))
    }
    died = records.get("test_crash.py::test_worker_dies")
    assert died is not None, result.stdout[-2000:]
    assert died["verdict"] == "error"
    assert "crashed" in died["failure"] and died["requirements"] == ["U12-MPRN"]
    assert records["test_crash.py::test_fine"]["verdict"] == "pass"
    summary = json.loads((bundle / "summary.json").read_text())
    assert summary["scenarios"]["not-run"] == 0

"""Two xdist workers, two leased rigs, one bundle."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from pytest_subprocess import run_pytest

from harness.evidence.manifest import verify_bundle
from harness.plugin.leasing import NoRigFree, lease_rig
from harness.rigfile import load_rigfile

POOL = """
lock_dir = "{lock_dir}"

[[rigs]]
name = "rig-a"
radio = {{ kind = "emulated", path = "socket://127.0.0.1:1" }}
devices = [{{ role = "ESME", ieee = "0000000000000001", model = "ESME" }}]

[[rigs]]
name = "rig-b"
radio = {{ kind = "emulated", path = "socket://127.0.0.1:2" }}
devices = [{{ role = "ESME", ieee = "0000000000000002", model = "ESME" }}]
"""

SCENARIOS = """
import os
import pytest

@pytest.mark.requirement("BASE-MPRN")
@pytest.mark.parametrize("n", range(6))
def test_uses_a_rig(rig_spec, evidence, n):
    evidence.detail("rig", rig_spec.name)
    evidence.detail("worker", os.environ["PYTEST_XDIST_WORKER"])
"""


def test_pool_leases_are_exclusive(tmp_path: Path) -> None:
    path = tmp_path / "rig.toml"
    path.write_text(POOL.format(lock_dir=tmp_path / "locks"))
    rigfile = load_rigfile(path)
    first = lease_rig(rigfile)
    second = lease_rig(rigfile)
    try:
        assert {first.rig.name, second.rig.name} == {"rig-a", "rig-b"}
        with pytest.raises(NoRigFree, match="no rig free"):
            lease_rig(rigfile, wait=0.2)
    finally:
        first.release()
        second.release()
    again = lease_rig(rigfile, wait=0.2)
    again.release()


def test_two_workers_two_rigs_one_bundle(tmp_path: Path) -> None:
    (tmp_path / "rig.toml").write_text(POOL.format(lock_dir=tmp_path / "locks"))
    (tmp_path / "test_scenarios.py").write_text(textwrap.dedent(SCENARIOS))
    bundle = tmp_path / "bundle"
    result = run_pytest(
        tmp_path, "-q", "-n", "2", "--hil-rig", "rig.toml", "--hil-evidence", str(bundle)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    records = [json.loads(p.read_text()) for p in (bundle / "records").glob("*.json")]
    assert len(records) == 6
    rig_of_worker: dict[str, set[str]] = {}
    for record in records:
        rig_of_worker.setdefault(record["details"]["worker"], set()).add(record["details"]["rig"])
        assert record["worker"] == record["details"]["worker"]
    assert set(rig_of_worker) == {"gw0", "gw1"}, "xdist should have used both workers"
    assert all(len(rigs) == 1 for rigs in rig_of_worker.values()), "a worker keeps its rig"
    assert set().union(*rig_of_worker.values()) == {"rig-a", "rig-b"}
    summary = json.loads((bundle / "summary.json").read_text())
    assert summary["interrupted"] is False and summary["workers"] == 2
    assert summary["requirements"]["BASE-MPRN"]["verdict"] == "pass"
    assert len(summary["requirements"]["BASE-MPRN"]["scenarios"]) == 6
    assert verify_bundle(bundle) == []


def test_more_workers_than_rigs_is_refused(tmp_path: Path) -> None:
    (tmp_path / "rig.toml").write_text(POOL.format(lock_dir=tmp_path / "locks"))
    (tmp_path / "test_a.py").write_text("def test_a():\n    pass\n")
    result = run_pytest(tmp_path, "-q", "-n", "3", "--hil-rig", "rig.toml")
    assert result.returncode == 4
    assert "rig.toml lists 2 rig(s); -n 3 needs one rig per worker" in result.stderr

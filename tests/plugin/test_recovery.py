"""Between scenarios, a device that stops answering is power-cycled and the recovery recorded:
a real pytest run on the embedded rig, whose first scenario makes the ESME hang."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from pytest_subprocess import run_pytest

SCENARIOS = """
import pytest

@pytest.mark.requirement("BASE-POWER")
def test_hangs_the_esme(esme):
    esme.rig.run(esme.rig.ops.emulator_hang_device(esme.ieee))

@pytest.mark.requirement("BASE-FW-METER")
def test_reads_the_esme_next(esme, evidence):
    evidence.measure("answers", bool(esme.firmware().build_id), equals=True)
"""


def _records(bundle: Path) -> dict[str, dict[str, object]]:
    return {
        str(r["scenario"]).rpartition("::")[2]: r
        for r in (json.loads(p.read_text()) for p in (bundle / "records").glob("*.json"))
    }


def test_a_hung_device_is_power_cycled_before_the_next_scenario(tmp_path: Path) -> None:
    (tmp_path / "test_hang.py").write_text(textwrap.dedent(SCENARIOS))
    bundle = tmp_path / "bundle"
    result = run_pytest(tmp_path, "-q", "--hil-evidence", str(bundle))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    records = _records(bundle)
    assert "recoveries" not in records["test_hangs_the_esme"]
    (entry,) = records["test_reads_the_esme_next"]["recoveries"]  # type: ignore[misc]
    assert entry["role"] == "ESME" and entry["action"] == "power-cycle"
    assert entry["recovered"] is True and entry["firmware"]
    summary = json.loads((bundle / "summary.json").read_text())
    (noted,) = summary["recoveries"]
    assert noted["before_scenario"].endswith("test_reads_the_esme_next")
    assert noted["device"] == entry["device"]


def test_without_recovery_the_hung_device_fails_the_next_scenario(tmp_path: Path) -> None:
    (tmp_path / "test_hang.py").write_text(textwrap.dedent(SCENARIOS))
    bundle = tmp_path / "bundle"
    result = run_pytest(tmp_path, "-q", "--hil-evidence", str(bundle), "--hil-recovery", "off")
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    records = _records(bundle)
    assert records["test_reads_the_esme_next"]["verdict"] in ("fail", "error")
    assert "recoveries" not in records["test_reads_the_esme_next"]
    assert json.loads((bundle / "summary.json").read_text())["recoveries"] == []

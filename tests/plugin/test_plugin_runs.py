"""The plugin inside real pytest runs (subprocesses in a scratch directory)."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

from pytest_subprocess import run_pytest

SCENARIOS = '''
import pytest

@pytest.mark.requirement("U12-MPRN")
def test_measured(evidence):
    """IOC MPRN with leading zeros validates."""
    evidence.secret("4827")
    evidence.duis_exchange("11.2", "<Request><Pin>4827</Pin></Request>", "<Response>ok</Response>")
    evidence.measure("match", "yes", equals="yes")
    evidence.measure("rate", 4.2e6, units="bytes/min", low=3e6)

@pytest.mark.requirement("U12-FW-11.1")
def test_fails_a_limit(evidence):
    evidence.measure("latency", 9.0, units="s", high=2.0)

@pytest.mark.requirement("BASE-PIN")
def test_plain():
    assert 1 + 1 == 2

@pytest.mark.requirement("U12-PIN-KEEP")
@pytest.mark.skip(reason="no engineering menu on this model")
def test_skipped():
    pass

def test_unmarked():
    pass
'''


def test_without_options_the_plugin_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text(
        "def test_ok(profile):\n    assert profile == 'uplift-1.2'\n"
    )
    result = run_pytest(tmp_path, "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "__pycache__") == ["test_x.py"]


def test_profile_option_reaches_the_fixture(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text("def test_ok(profile):\n    assert profile == 'baseline'\n")
    assert run_pytest(tmp_path, "-q", "--hil-profile", "baseline").returncode == 0
    result = run_pytest(tmp_path, "-q", "--hil-profile", "uplift-1.3")
    assert result.returncode == 4 and "invalid choice: 'uplift-1.3'" in result.stderr


def test_unknown_requirement_id_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text(
        "import pytest\n@pytest.mark.requirement('U12-FW-99')\ndef test_a():\n    pass\n"
    )
    result = run_pytest(tmp_path, "-q")
    assert result.returncode == 4
    assert "test_x.py::test_a: unknown requirement id 'U12-FW-99'" in result.stderr


def test_bad_rig_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "rig.toml").write_text('[radio]\nkind = "emulated"\n[[devices]]\nrole = "WAN"\n')
    (tmp_path / "test_x.py").write_text("def test_a():\n    pass\n")
    result = run_pytest(tmp_path, "-q", "--hil-rig", "rig.toml")
    assert result.returncode == 4
    assert "rig.toml: devices[0].role: must be one of PPMID, ESME, GSME" in result.stderr
    assert "Traceback" not in result.stderr


def test_evidence_bundle_of_a_run(tmp_path: Path) -> None:
    (tmp_path / "test_scenarios.py").write_text(textwrap.dedent(SCENARIOS))
    bundle = tmp_path / "bundle"
    result = run_pytest(tmp_path, "-q", "--hil-evidence", str(bundle))
    assert result.returncode == 1, result.stdout + result.stderr
    summary = json.loads((bundle / "summary.json").read_text())
    assert summary["interrupted"] is False and summary["finished"]
    verdicts = {rid: entry["verdict"] for rid, entry in summary["requirements"].items()}
    assert verdicts["U12-MPRN"] == "pass"
    assert verdicts["U12-FW-11.1"] == "fail"
    assert verdicts["BASE-PIN"] == "pass"
    assert verdicts["U12-PIN-KEEP"] == "not-run"
    assert (
        verdicts["U12-PIN-REPORT"] == "not-run"
        and not summary["requirements"]["U12-PIN-REPORT"]["selected"]
    )
    records = {
        r["scenario"].rpartition("::")[2]: r
        for r in (json.loads(p.read_text()) for p in (bundle / "records").glob("*.json"))
    }
    assert set(records) == {
        "test_measured",
        "test_fails_a_limit",
        "test_plain",
        "test_skipped",
        "test_unmarked",
    }
    measured = records["test_measured"]
    assert measured["title"] == "IOC MPRN with leading zeros validates."
    assert measured["requirements"] == ["U12-MPRN"] and measured["verdict"] == "pass"
    assert [m["name"] for m in measured["measurements"]] == ["match", "rate"]
    assert measured["measurements"][1]["validator"] == {"kind": "in_range", "min": 3e6, "max": None}
    assert "[secret]" in measured["duis"][0]["request"]
    failed = records["test_fails_a_limit"]
    assert failed["verdict"] == "fail"
    assert failed["measurements"][0]["outcome"] == "fail"
    assert "latency = 9.0 s outside" in failed["failure"]
    assert "test_scenarios.py:" in failed["failure"]  # where it was measured, not the plugin
    assert records["test_skipped"]["verdict"] == "skipped"
    for name in ("junit.xml", "report.html", "manifest.sha256", "plan.json"):
        assert (bundle / name).is_file()
    # as a token (a hex digest may contain the digits by chance)
    everything = "".join(p.read_text() for p in bundle.rglob("*") if p.is_file())
    assert re.search(r"(?<![0-9A-Za-z])4827(?![0-9A-Za-z])", everything) is None
    assert f"smets1-hil evidence bundle: {bundle}" in result.stdout


def test_evidence_directory_must_be_fresh(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text("def test_a():\n    pass\n")
    (tmp_path / "bundle").mkdir()
    (tmp_path / "bundle" / "old.txt").write_text("x")
    result = run_pytest(tmp_path, "-q", "--hil-evidence", "bundle")
    assert result.returncode == 4
    assert "not empty (each run needs a fresh evidence directory)" in result.stderr


def test_options_are_prefixed_and_live_beside_pytest_profiling(tmp_path: Path) -> None:
    """pytest-profiling (a test dependency) also loads here; its ``--profile`` no longer collides."""
    result = run_pytest(tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    for option in ("--hil-rig", "--hil-profile", "--hil-evidence", "--profile-svg"):
        assert option in result.stdout


LAB_REQUIREMENTS = """
[[requirements]]
id = "LAB-001"
title = "The PPMID shows the tariff within 10 s of a change"
clause = "Lab procedure LP-7, 4.2"
"""


def test_a_lab_declares_its_own_requirements(tmp_path: Path) -> None:
    (tmp_path / "lab.toml").write_text(LAB_REQUIREMENTS)
    (tmp_path / "test_lab.py").write_text(
        "import pytest\n@pytest.mark.requirement('LAB-001')\ndef test_tariff():\n    pass\n"
    )
    refused = run_pytest(tmp_path, "-q")
    assert refused.returncode == 4 and "unknown requirement id 'LAB-001'" in refused.stderr
    assert "--requirements FILE" in refused.stderr
    result = run_pytest(tmp_path, "-q", "--hil-requirements", "lab.toml", "--hil-evidence", "b1")
    assert result.returncode == 0, result.stdout + result.stderr
    entry = json.loads((tmp_path / "b1" / "summary.json").read_text())["requirements"]["LAB-001"]
    assert entry["verdict"] == "pass" and entry["clause"] == "Lab procedure LP-7, 4.2"
    assert "The PPMID shows the tariff" in (tmp_path / "b1" / "report.html").read_text()
    # or named by the rig file, relative to it
    (tmp_path / "rig.toml").write_text(
        'requirements = "lab.toml"\n[radio]\nkind = "emulated"\n'
        '[[devices]]\nrole = "PPMID"\nieee = "0000000000000101"\nmodel = "PPMID"\n'
    )
    result = run_pytest(tmp_path, "-q", "--hil-rig", "rig.toml", "--hil-evidence", "b2")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_bad_lab_requirements_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "lab.toml").write_text(
        '[[requirements]]\nid = "LAB 1"\ntitle = "t"\nclause = "c"\n'
    )
    (tmp_path / "test_x.py").write_text("def test_a():\n    pass\n")
    result = run_pytest(tmp_path, "-q", "--hil-requirements", "lab.toml")
    assert result.returncode == 4
    assert "lab.toml: requirements[0].id: 'LAB 1' is not an id" in result.stderr
    (tmp_path / "lab.toml").write_text(
        '[[requirements]]\nid = "U12-MPRN"\ntitle = "t"\nclause = "c"\n'
    )
    result = run_pytest(tmp_path, "-q", "--hil-requirements", "lab.toml")
    assert "'U12-MPRN' is already a requirement of the suite" in result.stderr


def test_unknown_suite_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text("def test_a():\n    pass\n")
    result = run_pytest(tmp_path, "-q", "--hil-suite", "nightly")
    assert result.returncode == 4
    assert "--suite nightly: no such suite (known: uplift-1.2)" in result.stderr

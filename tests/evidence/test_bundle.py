import json
import re
from pathlib import Path
from typing import Any

import pytest

from harness.evidence.bundle import BundleError, EvidenceBundle
from harness.evidence.manifest import verify_bundle
from harness.evidence.redaction import SecretFilter
from harness.evidence.requirements import REQUIREMENTS, UPLIFT_IDS

PLAN: list[dict[str, Any]] = [
    {"scenario": "suite/test_fw.py::test_ppmid", "requirements": ["U12-FW-11.1"]},
    {"scenario": "suite/test_fw.py::test_esme", "requirements": ["BASE-FW-METER"]},
    {"scenario": "suite/test_mprn.py::test_ioc", "requirements": ["U12-MPRN"]},
]


def record(
    scenario: str, requirements: list[str], verdict: str, **extra: object
) -> dict[str, object]:
    return {
        "scenario": scenario,
        "requirements": requirements,
        "verdict": verdict,
        "duration_s": 0.5,
        **extra,
    }


def new_bundle(tmp_path: Path) -> EvidenceBundle:
    bundle = EvidenceBundle.create(tmp_path / "bundle")
    bundle.write_summary(
        profile="uplift-1.2", started="2026-01-01T00:00:00Z", finished=None, interrupted=True
    )
    bundle.write_plan(PLAN)
    return bundle


def test_create_refuses_a_directory_that_holds_files(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "summary.json").write_text("{}")
    with pytest.raises(BundleError, match="not empty"):
        EvidenceBundle.create(tmp_path / "old")


def test_summary_while_running_says_interrupted_and_counts_outstanding(tmp_path: Path) -> None:
    bundle = new_bundle(tmp_path)
    bundle.write_record(record(PLAN[0]["scenario"], ["U12-FW-11.1"], "pass"), SecretFilter())
    summary = bundle.write_summary(
        profile="uplift-1.2", started="t0", finished=None, interrupted=True
    )
    assert summary["interrupted"] is True and summary["finished"] is None
    assert summary["requirements"]["U12-FW-11.1"]["verdict"] == "pass"
    assert summary["requirements"]["U12-MPRN"]["verdict"] == "not-run"
    assert summary["requirements"]["U12-PIN-KEEP"] == {
        "verdict": "not-run",
        "selected": False,
        "passed": 0,
        "flaky": 0,
        "title": summary["requirements"]["U12-PIN-KEEP"]["title"],
        "clause": REQUIREMENTS["U12-PIN-KEEP"].clause,
        "facts": list(REQUIREMENTS["U12-PIN-KEEP"].facts),
        "scenarios": [],
    }
    assert summary["scenarios"]["pass"] == 1 and summary["scenarios"]["not-run"] == 2
    assert set(UPLIFT_IDS) <= set(summary["requirements"])


def test_a_failed_scenario_fails_its_requirement(tmp_path: Path) -> None:
    bundle = new_bundle(tmp_path)
    secrets = SecretFilter()
    bundle.write_record(
        record(PLAN[0]["scenario"], ["U12-FW-11.1"], "fail", failure="rejected"), secrets
    )
    bundle.write_record(record(PLAN[1]["scenario"], ["BASE-FW-METER"], "pass"), secrets)
    bundle.write_record(record(PLAN[2]["scenario"], ["U12-MPRN"], "skipped"), secrets)
    summary = bundle.finalize(profile="baseline", started="t0", interrupted=False)
    verdicts = {rid: entry["verdict"] for rid, entry in summary["requirements"].items()}
    assert verdicts["U12-FW-11.1"] == "fail"
    assert verdicts["BASE-FW-METER"] == "pass"
    assert verdicts["U12-MPRN"] == "not-run"  # only skipped: no evidence either way
    assert summary["interrupted"] is False and summary["finished"]


def test_finalize_writes_every_artefact_and_a_manifest_that_verifies(tmp_path: Path) -> None:
    bundle = new_bundle(tmp_path)
    secrets = SecretFilter()
    for entry in PLAN:
        bundle.write_record(
            record(
                entry["scenario"],
                entry["requirements"],
                "pass",
                measurements=[
                    {
                        "name": "rate",
                        "value": 4.5e6,
                        "units": "bytes/min",
                        "validator": {"kind": "in_range", "min": 3e6, "max": None},
                        "outcome": "pass",
                    }
                ],
            ),
            secrets,
        )
    bundle.finalize(profile="uplift-1.2", started="t0", interrupted=False)
    root = bundle.root
    for name in ("summary.json", "plan.json", "junit.xml", "report.html", "manifest.sha256"):
        assert (root / name).is_file(), name
    assert len(list((root / "records").glob("*.json"))) == 3
    assert verify_bundle(root) == []
    listed = {
        line.split("  ", 1)[1] for line in (root / "manifest.sha256").read_text().splitlines()
    }
    assert listed == {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - {
        "manifest.sha256"
    }
    junit = (root / "junit.xml").read_text()
    assert 'tests="3"' in junit and 'failures="0"' in junit
    summary = json.loads((root / "summary.json").read_text())
    assert [f["value"] for f in summary["throughput"]] == [4.5e6] * 3


def test_report_html_escapes_text_and_has_no_external_assets(tmp_path: Path) -> None:
    bundle = new_bundle(tmp_path)
    hostile = "suite/test_x.py::test_<script>alert(1)</script>"
    bundle.write_record(
        record(hostile, ["U12-FW-11.1"], "fail", failure="<img src=x onerror=alert(1)>"),
        SecretFilter(),
    )
    bundle.finalize(profile="uplift-1.2", started="t0", interrupted=False)
    html = (bundle.root / "report.html").read_text()
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html)
    assert "Traceability matrix" in html


def test_records_scrub_registered_secrets(tmp_path: Path) -> None:
    bundle = new_bundle(tmp_path)
    secrets = SecretFilter()
    secrets.add("6543")
    trace = bundle.traces_dir / "t.log"
    trace.write_bytes(b"verify 6543\n")
    path = bundle.write_record(
        record(
            PLAN[0]["scenario"],
            ["U12-PIN-KEEP"],
            "fail",
            failure="assert '6543' == '1234'",
            traces=["traces/t.log"],
        ),
        secrets,
    )
    assert "6543" not in path.read_text()
    assert b"6543" not in trace.read_bytes()


def test_record_files_are_whole_json_and_temp_files_do_not_remain(tmp_path: Path) -> None:
    bundle = new_bundle(tmp_path)
    path = bundle.write_record(record(PLAN[0]["scenario"], ["U12-FW-11.1"], "pass"), SecretFilter())
    data = json.loads(path.read_text())
    assert data["file"] == f"records/{path.name}"
    assert not list(bundle.records_dir.glob(".*.tmp"))

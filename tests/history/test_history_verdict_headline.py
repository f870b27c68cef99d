"""How a flaky requirement and one the rig cannot show read in the headline, the database and the
dashboard: a flaky one passed (named as such), a skipped one is told apart from not run."""

from __future__ import annotations

from typing import Any

from harness.evidence.summary import build_requirements, overall_verdict, selected_requirements_pass
from harness.results.dashboard import verdict_matrix
from harness.results.ingest import stored_verdict

PLAN = [
    {"scenario": "a.py::test_meter", "requirements": ["BASE-FW-METER"]},
    {"scenario": "b.py::test_ppmid", "requirements": ["BASE-FW-PPMID"]},
    {"scenario": "p.py::test_hang", "requirements": ["BASE-POWER"]},
]


def summary(meter: str, ppmid: str, power: str) -> dict[str, Any]:
    records = [
        {"scenario": "a.py::test_meter", "verdict": meter},
        {"scenario": "b.py::test_ppmid", "verdict": ppmid},
        {"scenario": "p.py::test_hang", "verdict": power},
    ]
    return {"requirements": build_requirements(PLAN, records, always_listed=())}


def test_a_flaky_requirement_passes_the_headline_and_is_named() -> None:
    result = summary("pass", "flaky", "pass")
    assert selected_requirements_pass(result)
    assert overall_verdict(result) == ("pass", "3 of 3 requirements passed (1 only on a retry)")


def test_a_clean_run_has_no_retry_note() -> None:
    assert overall_verdict(summary("pass", "pass", "pass")) == (
        "pass",
        "3 of 3 requirements passed",
    )


def test_a_failure_beside_a_flaky_requirement_still_fails() -> None:
    verdict, headline = overall_verdict(summary("fail", "flaky", "pass"))
    assert (verdict, headline) == ("fail", "1 of 3 requirements failed")


def test_the_database_keeps_skipped_apart_from_not_run() -> None:
    requirements = summary("pass", "pass", "skipped")["requirements"]
    assert requirements["BASE-POWER"]["verdict"] == "not-run"
    assert stored_verdict(requirements["BASE-POWER"]) == "skipped"
    unrun = build_requirements(PLAN, [], always_listed=())
    assert stored_verdict(unrun["BASE-POWER"]) == "not-run"
    assert stored_verdict(requirements["BASE-FW-METER"]) == "pass"


def test_the_dashboard_draws_a_skipped_cell_as_such() -> None:
    svg = verdict_matrix(
        ["1 nightly", "2 bench rig"], ["BASE-POWER"], {(0, 0): "pass", (1, 0): "skipped"}
    )
    assert 'class="cell skipped"' in svg and ">S</text>" in svg
    assert "2 bench rig: BASE-POWER: skipped" in svg

"""A requirement that needs a port kind some rigs lack (BASE-POWER needs ``power``): skipped on
such a rig, it neither passes nor fails the run; anything else it does still counts."""

from __future__ import annotations

from typing import Any

from harness.evidence.summary import build_requirements, overall_verdict, selected_requirements_pass

PLAN = [
    {"scenario": "a.py::test_meter", "requirements": ["BASE-FW-METER"]},
    {"scenario": "p.py::test_ota_cut", "requirements": ["BASE-POWER"]},
    {"scenario": "p.py::test_hang", "requirements": ["BASE-POWER"]},
]


def summary(power: str, meter: str = "pass") -> dict[str, Any]:
    records = [
        {"scenario": "a.py::test_meter", "verdict": meter},
        {"scenario": "p.py::test_ota_cut", "verdict": power},
        {"scenario": "p.py::test_hang", "verdict": power},
    ]
    return {"requirements": build_requirements(PLAN, records, always_listed=())}


def test_skipped_for_want_of_power_does_not_fail_the_run() -> None:
    result = summary("skipped")
    power = result["requirements"]["BASE-POWER"]
    assert power["verdict"] == "not-run" and power["needs"] == "power"
    assert selected_requirements_pass(result)
    assert overall_verdict(result) == (
        "pass",
        "1 of 1 requirements passed; 1 skipped (the rig has no power ports)",
    )


def test_a_failure_or_a_missing_run_still_counts() -> None:
    assert not selected_requirements_pass(summary("fail"))
    assert not selected_requirements_pass(summary("skipped", meter="fail"))
    unrun = {"requirements": build_requirements(PLAN, [], always_listed=())}
    assert not selected_requirements_pass(unrun)  # not-run without a skip: not a pass


def test_only_skipped_requirements_are_no_pass() -> None:
    records = [{"scenario": "p.py::test_hang", "verdict": "skipped"}]
    result = {"requirements": build_requirements(PLAN[2:], records, always_listed=())}
    assert not selected_requirements_pass(result)
    assert overall_verdict(result)[0] == "incomplete"


def test_a_requirement_without_needs_skipped_is_not_run() -> None:
    records = [{"scenario": "a.py::test_meter", "verdict": "skipped"}]
    result = {"requirements": build_requirements(PLAN[:1], records, always_listed=())}
    assert "needs" not in result["requirements"]["BASE-FW-METER"]
    assert not selected_requirements_pass(result)


def test_the_report_lists_the_power_cycles() -> None:
    from harness.evidence.report_html import render_report

    entry = {
        "before_scenario": "p.py::test_next",
        "device": "0000000000000102",
        "role": "ESME",
        "problem": "could not be reached",
        "action": "power-cycle",
        "off_seconds": 2.0,
        "recovered": True,
        "seconds": 2.5,
        "firmware": "01000000",
    }
    html = render_report({**summary("pass"), "recoveries": [entry]}, [])
    assert "<code>p.py::test_next</code>" in html and "ESME 0000000000000102" in html
    assert "01000000" in html
    assert "No device had to be power-cycled" in render_report(summary("pass"), [])

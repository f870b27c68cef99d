"""junit.xml as a CI system reads it (junitparser): timestamp, hostname, requirement and
measurement properties, one verdict per scenario."""

from __future__ import annotations

from pathlib import Path

from junitparser import Failure, JUnitXml, Properties, Property, Skipped

from harness.evidence.bundle import EvidenceBundle
from harness.evidence.redaction import SecretFilter


def test_junit_carries_timestamp_hostname_requirements_and_measurements(tmp_path: Path) -> None:
    bundle = EvidenceBundle.create(tmp_path / "b")
    bundle.write_plan(
        [
            {"scenario": "suite/test_fw.py::test_rate", "requirements": ["U12-FW-11.1"]},
            {"scenario": "suite/test_fw.py::test_never_ran", "requirements": ["U12-MPRN"]},
        ]
    )
    measurement = {
        "name": "transfer_rate",
        "value": 0.21,
        "units": "MB/min",
        "validator": {"kind": "in_range", "min": 0.25, "max": None},
        "outcome": "fail",
        "description": "",
    }
    bundle.write_record(
        {
            "scenario": "suite/test_fw.py::test_rate",
            "requirements": ["U12-FW-11.1", "BASE-FW-METER"],
            "verdict": "fail",
            "duration_s": 1.5,
            "failure": "measurement transfer_rate = 0.21 MB/min outside 0.25 <= x <= +inf",
            "measurements": [measurement],
        },
        SecretFilter(),
    )
    bundle.finalize(
        profile="uplift-1.2",
        started="2026-11-30T06:00:00.123Z",
        interrupted=False,
        extra={"run": {"host": "bench-host-3"}},
    )
    xml = JUnitXml.fromfile(str(tmp_path / "b" / "junit.xml"))
    suites = list(xml)
    assert len(suites) == 1
    suite = suites[0]
    assert suite.timestamp == "2026-11-30T06:00:00.123"
    assert suite.hostname == "bench-host-3"
    assert (suite.tests, suite.failures, suite.skipped) == (2, 1, 1)
    cases = {case.name: case for case in suite}
    rate = cases["test_rate"]
    assert rate.classname == "suite.test_fw" and rate.time == 1.5
    assert isinstance(rate.result[0], Failure)
    assert "transfer_rate = 0.21" in rate.result[0].message
    properties = [
        (prop.name, prop.value)
        for group in rate.iterchildren(Properties)
        for prop in group.iterchildren(Property)
    ]
    assert ("requirement", "U12-FW-11.1") in properties
    assert ("requirement", "BASE-FW-METER") in properties
    assert ("measurement:transfer_rate", "0.21 MB/min; fail; >= 0.25") in properties
    assert isinstance(cases["test_never_ran"].result[0], Skipped)

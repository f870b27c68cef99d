"""JUnit XML of a run, built from the records so that every worker's scenarios are in one file.

The test suite carries ``timestamp`` (when the run started) and ``hostname``; each test case has a
``requirement`` property per requirement id and a ``measurement:NAME`` property per measurement
(``value units; outcome; limits``), so a CI system that reads only JUnit still sees what was
measured against which limit.
"""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from typing import Any


def measurement_text(measurement: Mapping[str, Any]) -> str:
    from harness.evidence.report_html import limits_text

    units = f" {measurement.get('units')}" if measurement.get("units") else ""
    limits = limits_text(measurement.get("validator"))
    text = f"{measurement.get('value')!r}{units}; {measurement.get('outcome')}"
    return f"{text}; {limits}" if limits else text


def _timestamp(started: str | None) -> str | None:
    """JUnit's timestamp: ISO 8601 without a zone designator (the schema's xs:dateTime form that
    Jenkins and junitparser read); the run's times are UTC."""
    if not started:
        return None
    return started.removesuffix("Z").split("+")[0]


def render_junit(
    plan: Iterable[Mapping[str, Any]],
    records: Iterable[Mapping[str, Any]],
    suite_name: str,
    *,
    started: str | None = None,
    hostname: str | None = None,
) -> bytes:
    by_scenario = {r["scenario"]: r for r in records}
    names = sorted({p["scenario"] for p in plan} | set(by_scenario))
    suite = ET.Element("testsuite", name=suite_name)
    timestamp = _timestamp(started)
    if timestamp:
        suite.set("timestamp", timestamp)
    suite.set("hostname", hostname or socket.gethostname())
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_time = 0.0
    for name in names:
        record = by_scenario.get(name)
        module, _, test = name.rpartition("::")
        classname = module.removesuffix(".py").replace("/", ".") if module else ""
        duration = float(record.get("duration_s", 0.0)) if record else 0.0
        total_time += duration
        case = ET.SubElement(
            suite, "testcase", classname=classname, name=test or name, time=f"{duration:.3f}"
        )
        counts["tests"] += 1
        requirements = record.get("requirements", []) if record else []
        measurements = record.get("measurements", []) if record else []
        if requirements or measurements:
            props = ET.SubElement(case, "properties")
            for rid in requirements:
                ET.SubElement(props, "property", name="requirement", value=rid)
            for measurement in measurements:
                ET.SubElement(
                    props,
                    "property",
                    name=f"measurement:{measurement.get('name')}",
                    value=measurement_text(measurement),
                )
        verdict = record["verdict"] if record else "not-run"
        message = str(record.get("failure") or "") if record else ""
        detail = str(record.get("traceback") or message) if record else ""
        if verdict == "fail":
            counts["failures"] += 1
            ET.SubElement(case, "failure", message=message or "failed").text = detail
        elif verdict == "error":
            counts["errors"] += 1
            ET.SubElement(case, "error", message=message or "error").text = detail
        elif verdict == "skipped":
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", message=message or "skipped")
        elif verdict == "not-run":
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", message="not run (the run was interrupted)")
        elif verdict == "flaky" and record:
            # passed on a later attempt: Maven Surefire's rerun elements name each failed one
            found = case.find("properties")
            props = found if found is not None else ET.SubElement(case, "properties")
            ET.SubElement(props, "property", name="verdict", value="flaky")
            ET.SubElement(props, "property", name="attempts", value=str(record.get("attempts")))
            for attempt in record.get("failed_attempts", []):
                tag = "flakyError" if attempt.get("verdict") == "error" else "flakyFailure"
                failed = ET.SubElement(
                    case, tag, message=str(attempt.get("failure") or "failed"), type="attempt"
                )
                ET.SubElement(failed, "stackTrace").text = str(
                    attempt.get("traceback") or attempt.get("failure") or ""
                )
    for key, value in counts.items():
        suite.set(key, str(value))
    suite.set("time", f"{total_time:.3f}")
    suites = ET.Element("testsuites")
    suites.append(suite)
    ET.indent(suites)
    text: bytes = ET.tostring(suites, encoding="utf-8", xml_declaration=True)
    return text + b"\n"

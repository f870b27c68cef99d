"""A scenario that fails on its first attempt only is ``flaky`` in every output: its record,
summary.json, JUnit, report.html, the requirement table and the results database; one that
fails every attempt stays a failure with each attempt kept."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from history_support import run_pytest, smets1_hil

SCENARIOS = '''
import pathlib

import pytest


def first_time(name):
    """True on the first call for ``name`` in this directory (any process)."""
    counter = pathlib.Path(__file__).with_name(f"attempts-{name}")
    seen = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(seen + 1))
    return seen == 0


@pytest.mark.requirement("BASE-PIN")
def test_fails_first_time_only(evidence, tmp_path):
    """Fails on its first attempt only (retried by --hil-retries)."""
    (tmp_path / "mine").mkdir()  # a fresh function-scoped fixture on every attempt
    evidence.measure("first_attempt", first_time("option"), equals=False)


@pytest.mark.requirement("BASE-PIN")
def test_clean():
    pass


@pytest.mark.requirement("U12-MPRN")
@pytest.mark.retries(2)
def test_marked():
    """Retried by its marker."""
    assert not first_time("marker"), "the first attempt fails"


@pytest.mark.requirement("BASE-MPRN")
def test_always_fails():
    assert False, "fails every time"
'''


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    work = tmp_path_factory.mktemp("flaky")
    (work / "test_flaky_suite.py").write_text(SCENARIOS)
    evidence = work / "evidence"
    result = run_pytest(
        work,
        "-n",
        "2",
        "-p",
        "xdist",
        "--hil-evidence",
        str(evidence),
        "--hil-retries",
        "1",
        "-rA",
    )
    assert result.code == 1, result.out + result.err  # test_always_fails
    return evidence, result.out


def records(evidence: Path) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in (evidence / "records").glob("*.json"):
        record = json.loads(path.read_text())
        found[str(record["scenario"]).rpartition("::")[2]] = record
    return found


def test_record_and_terminal(bundle: tuple[Path, str]) -> None:
    evidence, out = bundle
    by_name = records(evidence)
    flaky = by_name["test_fails_first_time_only"]
    assert flaky["verdict"] == "flaky" and flaky["attempts"] == 2
    (attempt,) = flaky["failed_attempts"]
    assert attempt["attempt"] == 1 and attempt["verdict"] == "fail"
    assert "first_attempt" in attempt["failure"]
    # the record's measurements are the passing attempt's own
    assert [m["outcome"] for m in flaky["measurements"]] == ["pass"]
    marked = by_name["test_marked"]
    assert marked["verdict"] == "flaky" and marked["attempts"] == 2
    failing = by_name["test_always_fails"]
    assert failing["verdict"] == "fail" and failing["attempts"] == 2
    assert len(failing["failed_attempts"]) == 1
    assert by_name["test_clean"]["verdict"] == "pass" and by_name["test_clean"]["attempts"] == 1
    assert "rerun" in out


def test_summary_requirements_and_table(bundle: tuple[Path, str]) -> None:
    evidence, _ = bundle
    summary = json.loads((evidence / "summary.json").read_text())
    assert summary["scenarios"]["flaky"] == 2
    pin = summary["requirements"]["BASE-PIN"]
    assert pin["verdict"] == "flaky"  # one clean pass and one flaky: not shown as a clean pass
    assert (pin["passed"], pin["flaky"]) == (1, 1)
    assert summary["requirements"]["U12-MPRN"]["verdict"] == "flaky"
    assert summary["requirements"]["BASE-MPRN"]["verdict"] == "fail"
    shown = smets1_hil("evidence", "show", str(evidence), cwd=evidence.parent)
    row = next(line for line in shown.out.splitlines() if line.startswith("BASE-PIN"))
    assert "FLAKY" in row and "1/2" in row
    assert row.split()[3] == "1"  # the flaky column


def test_junit_and_report(bundle: tuple[Path, str]) -> None:
    evidence, _ = bundle
    suite = ET.parse(evidence / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    flaky = cases["test_fails_first_time_only"]
    assert flaky.find("failure") is None  # it passed ...
    reruns = flaky.findall("flakyFailure")  # ... after one failed attempt
    assert len(reruns) == 1 and "first_attempt" in (reruns[0].get("message") or "")
    assert cases["test_always_fails"].find("failure") is not None
    assert suite.get("failures") == "1"
    html = (evidence / "report.html").read_text()
    assert "flaky" in html and "first_attempt" in html


def test_results_database(bundle: tuple[Path, str], tmp_path: Path) -> None:
    evidence, _ = bundle
    db = str(tmp_path / "results.sqlite")
    assert smets1_hil("history", "import", str(evidence), "--db", db, cwd=tmp_path).code == 0
    shown = smets1_hil("history", "show", "--db", db, cwd=tmp_path)
    assert "BASE-PIN         FLAKY" in shown.out
    assert "FLAKY   test_flaky_suite.py::test_fails_first_time_only (attempts 2)" in shown.out
    assert "attempt 1: fail: " in shown.out
    facts = json.loads(smets1_hil("history", "show", "--db", db, "--json", cwd=tmp_path).out)
    flaky = [s for s in facts["scenarios"] if s["verdict"] == "flaky"]
    assert len(flaky) == 2 and all(s["attempts"] == 2 for s in flaky)
    assert facts["requirements"]["BASE-PIN"]["flaky"] == 1


MODULE = """
import pathlib

import pytest

LOG = pathlib.Path(__file__).with_name("fixtures.log")


@pytest.fixture(scope="module")
def bench_X():
    with LOG.open("a") as log:
        log.write("setup X\\n")
    yield
    with LOG.open("a") as log:
        log.write("teardown X\\n")


@pytest.mark.requirement("BASE-PIN")
def test_X_one(bench_X):
    pass


@pytest.mark.requirement("BASE-PIN")
def test_X_two(bench_X):
    pass
"""


def test_retries_tear_a_module_down_before_the_next_one_starts(tmp_path: Path) -> None:
    """With retries on, a scenario that passes at once still hands over to the next module as
    pytest would: its module's fixtures are torn down first, and the next module's first
    scenario passes on its first attempt (no "not torn down properly" setup error, no rerun)."""
    (tmp_path / "test_first_module.py").write_text(MODULE.replace("X", "a"))
    (tmp_path / "test_second_module.py").write_text(MODULE.replace("X", "b"))
    evidence = tmp_path / "evidence"
    result = run_pytest(tmp_path, "--hil-evidence", str(evidence), "--hil-retries", "1", "-rA")
    assert result.code == 0, result.out + result.err
    assert "rerun" not in result.out.lower() and "4 passed" in result.out
    found = records(evidence)
    assert sorted(found) == ["test_a_one", "test_a_two", "test_b_one", "test_b_two"]
    assert {r["verdict"] for r in found.values()} == {"pass"}
    assert all(r["attempts"] == 1 for r in found.values())
    log = (tmp_path / "fixtures.log").read_text().split("\n")
    assert log[:4] == ["setup a", "teardown a", "setup b", "teardown b"]

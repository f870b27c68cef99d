"""The packaged suite through ``smets1-hil run``: the negative control, two rigs, the bundle.

Both profiles run once per module (concurrently, as subprocesses against the embedded emulated rig);
the tests then read what the runs left behind.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from coprocessor_suite import Run, collect, smets1_hil

from harness.evidence.manifest import verify_bundle
from harness.evidence.requirements import REQUIREMENTS, UPLIFT_IDS
from harness.suites.uplift_1_2 import test_pin_keep, test_pin_report, test_serial_test_port
from rigs.serial.protocol import REDACTED_BODY
from rigs.trace import read_trace

RUN_TIMEOUT_S = 480  # two full runs at once; a loaded machine needs the room


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    work = tmp_path_factory.mktemp("suite-runs")
    commands = {
        "uplift": ["run", "--profile", "uplift-1.2", "-n", "2", "--evidence", str(work / "uplift")],
        "baseline": ["run", "--profile", "baseline", "--evidence", str(work / "baseline")],
        "mprn-only": [
            "run",
            "--changes",
            "mprn-leading-zeros",
            "-q",
            "--evidence",
            str(work / "mprn-only"),
        ],
    }
    processes = {name: smets1_hil(*args, cwd=work) for name, args in commands.items()}
    yield collect(processes, work, RUN_TIMEOUT_S)


def verdicts(run: Run) -> dict[str, str]:
    return {rid: entry["verdict"] for rid, entry in run.summary["requirements"].items()}


def test_uplift_profile_passes_every_requirement(runs: dict[str, Run]) -> None:
    run = runs["uplift"]
    assert run.code == 0, run.out[-3000:] + run.err[-3000:]
    assert set(verdicts(run).values()) == {"pass"}
    assert set(verdicts(run)) == set(REQUIREMENTS)
    summary = run.summary
    assert summary["interrupted"] is False and summary["finished"]
    assert summary["scenarios"]["fail"] == 0 and summary["scenarios"]["error"] == 0


def test_baseline_fails_on_exactly_the_uplift_requirements(runs: dict[str, Run]) -> None:
    run = runs["baseline"]
    assert run.code == 1, run.out[-3000:] + run.err[-3000:]
    failed = {rid for rid, verdict in verdicts(run).items() if verdict == "fail"}
    assert failed == set(UPLIFT_IDS)
    passed = {rid for rid, verdict in verdicts(run).items() if verdict == "pass"}
    assert passed == set(REQUIREMENTS) - set(UPLIFT_IDS)
    for line in run.out.splitlines():
        if re.match(r"^(U12-|BASE-)", line):
            assert ("FAIL" in line) == line.startswith("U12-"), line


def test_one_change_alone_passes_exactly_its_own_uplift_requirement(runs: dict[str, Run]) -> None:
    """``--changes mprn-leading-zeros``: among the Uplift 1.2 requirements only U12-MPRN passes;
    every BASE requirement passes; the evidence says which changes were in force."""
    run = runs["mprn-only"]
    assert run.code == 1, run.out[-3000:] + run.err[-3000:]
    passed = {rid for rid, verdict in verdicts(run).items() if verdict == "pass"}
    assert passed & set(UPLIFT_IDS) == {"U12-MPRN"}
    assert passed == {"U12-MPRN"} | (set(REQUIREMENTS) - set(UPLIFT_IDS))
    assert run.summary["changes"] == ["mprn-leading-zeros"]
    assert run.summary["profile"] == "mprn-leading-zeros"
    assert runs["uplift"].summary["changes"] == [
        "ppmid-firmware",
        "mprn-leading-zeros",
        "pin-keep",
    ]
    assert runs["baseline"].summary["changes"] == []


def test_each_uplift_requirement_has_scenarios_both_ways(runs: dict[str, Run]) -> None:
    """Every Uplift 1.2 requirement is exercised by more than one scenario under both profiles,
    and under baseline some of its scenarios still pass (the negative checks) while others fail."""
    for rid in UPLIFT_IDS:
        uplift = runs["uplift"].summary["requirements"][rid]["scenarios"]
        baseline = runs["baseline"].summary["requirements"][rid]["scenarios"]
        assert len(uplift) >= 2, rid
        assert {s["scenario"] for s in uplift} == {s["scenario"] for s in baseline}, rid
        assert any(s["verdict"] == "fail" for s in baseline), rid


def test_two_workers_lease_two_embedded_rigs_into_one_bundle(runs: dict[str, Run]) -> None:
    run = runs["uplift"]
    records = run.records()
    assert len(records) == run.summary["scenarios"]["total"]
    workers = {r["worker"] for r in records}
    assert workers == {"gw0", "gw1"}
    rig_of_worker = {(r["worker"], r["rig"]["name"]) for r in records if r.get("rig")}
    assert rig_of_worker == {("gw0", "embedded-gw0"), ("gw1", "embedded-gw1")}
    radios = {r["rig"]["radio"]["path"] for r in records if r.get("rig")}
    assert len(radios) == 2, "each worker started its own emulator"
    traces = sorted(
        p.relative_to(run.bundle).as_posix() for p in run.bundle.rglob("traces/*.jsonl")
    )
    assert traces == ["traces/radio-embedded-gw0.jsonl", "traces/radio-embedded-gw1.jsonl"]
    test_port_traces = {
        p.relative_to(run.bundle).as_posix() for p in run.bundle.rglob("traces/*/*.jsonl")
    }
    used = {t["file"] for r in records for t in r.get("test_port_traces", [])}
    assert used and used == test_port_traces, "every test-port trace is a scenario's"
    for record in records:  # whichever worker ran it, its traces are under its own rig's name
        for trace in record.get("test_port_traces", []):
            assert trace["file"].split("/")[1] == f"embedded-{record['worker']}", trace["file"]


@pytest.mark.parametrize("name", ["uplift", "baseline"])
def test_bundles_verify_and_hold_what_a_reviewer_needs(runs: dict[str, Run], name: str) -> None:
    run = runs[name]
    assert verify_bundle(run.bundle) == []
    for artefact in ("junit.xml", "report.html", "manifest.sha256", "plan.json"):
        assert (run.bundle / artefact).is_file()
    for record in run.records():
        assert record["requirements"], record["scenario"]
        assert record["verdict"] in ("pass", "fail", "skipped")
        assert record["rig"]["devices"], record["scenario"]
        for measurement in record["measurements"]:
            assert set(measurement) >= {"name", "value", "units", "validator", "outcome"}
    firmware = [
        r
        for r in run.records()
        if r["scenario"].endswith("test_update_firmware_delivers_image_to_ppmid[IOC]")
    ]
    assert len(firmware) == 1
    assert firmware[0]["duis"][0]["request"].lstrip().startswith("<")
    assert firmware[0]["radio_trace"]["file"].startswith("traces/radio-")
    html = (run.bundle / "report.html").read_text()
    assert "Traceability matrix" in html and "Throughput" in html


SAME_STEPS = [  # (PPMID scenario, meter scenario) pairs that run the same steps
    (
        "test_update_firmware_delivers_image_to_ppmid[IOC]",
        "test_update_firmware_delivers_image_to_meter[esme]",
    ),
    ("test_read_firmware_version_of_ppmid[IOC]", "test_read_firmware_version_of_meter[gsme]"),
    (
        "test_activate_firmware_on_ppmid_with_matching_hash[IOC]",
        "test_activate_firmware_on_meter[esme]",
    ),
    (
        "test_activate_firmware_on_ppmid_refused_on_hash_mismatch",
        "test_meter_activation_refused_on_hash_mismatch[gsme]",
    ),
]


def test_ppmid_and_meter_scenarios_measure_the_same_way(runs: dict[str, Run]) -> None:
    by_name = {r["scenario"].split("::")[-1]: r for r in runs["uplift"].records()}

    def shape(name: str) -> list[tuple[str, str, str, str]]:
        return [
            (m["name"], type(m["value"]).__name__, m["units"], (m["validator"] or {}).get("kind"))
            for m in by_name[name]["measurements"]
        ]

    for ppmid, meter in SAME_STEPS:
        assert shape(ppmid) == shape(meter), (ppmid, meter)
        assert by_name[ppmid]["requirements"] != by_name[meter]["requirements"]


def strings_of(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings_of(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_of(item)


# A test-port frame's description names its sequence number, a random 16-bit start counted up:
# a number of the protocol, not a PIN, even when it has a PIN's digits.
SEQUENCE_NUMBER = re.compile(r"\bseq=[0-9]+")


def texts_of(path: Path) -> Iterator[str]:
    """The text a reader of ``path`` sees: the strings of JSON documents (numbers such as a trace
    record index are not PINs even when they share the digits), the whole text otherwise."""
    text = path.read_text(errors="replace")
    if path.suffix == ".json":
        yield from strings_of(json.loads(text))
    elif path.suffix == ".jsonl":
        for line in text.splitlines():
            for string in strings_of(json.loads(line)):
                yield SEQUENCE_NUMBER.sub("seq=N", string)
    else:
        yield text


def test_no_pin_appears_anywhere_in_the_bundles(runs: dict[str, Run]) -> None:
    """The PINs the scenarios set appear in no file, as text or as bytes in a trace."""
    pins = {
        test_pin_keep.ENGINEER_PIN,
        test_pin_keep.DEVICE_DEFAULT_PIN,
        test_pin_report.ENGINEER_PIN,
        test_serial_test_port.ENGINEER_PIN,
        test_serial_test_port.WRONG_PIN,
    }
    patterns = [re.compile(rf"(?<![0-9A-Za-z]){p}(?![0-9A-Za-z])") for p in pins]
    hex_forms = [p.encode().hex() for p in pins]
    for run in runs.values():
        files = [p for p in run.bundle.rglob("*") if p.is_file()]
        assert len(files) > 10
        for path in files:
            for text in texts_of(path):
                for pattern in patterns:
                    assert not pattern.search(text), f"{path}: {pattern.pattern}"
                lowered = text.lower()
                for hex_form in hex_forms:
                    assert hex_form not in lowered, f"{path}: PIN bytes"


@pytest.mark.parametrize("name", ["uplift", "baseline"])
def test_test_port_scenarios_leave_their_traces(runs: dict[str, Run], name: str) -> None:
    """The embedded rig offers the emulator's test ports; each test-port scenario's record names
    the ports it used and their traces, which hold its frames with every PIN masked."""
    run = runs[name]
    records = [r for r in run.records() if "test_serial_test_port.py" in r["scenario"]]
    assert len(records) == 11 and {r["verdict"] for r in records} == {"pass"}
    for record in records:
        assert record["requirements"] == ["BASE-TEST-PORT"]
        ports = {d["ieee"]: d["serial_port"] for d in record["rig"]["devices"]}
        assert all(ports.values()), "every embedded device has its emulator's test port"
        (used,) = record["test_port_traces"]
        assert used["port"] == ports[used["device"]]
        assert [d["serial_port"] for d in record["devices"]] == [used["port"]]
        lines = read_trace(run.bundle / used["file"])
        assert lines[0]["redacted"] is True
        during = [
            line
            for line in lines[1:]
            if record["started"] <= str(line["wall"])[:23] + "Z" <= record["finished"]
        ]
        assert any(line["dir"] == "tx" for line in during), record["scenario"]
        assert any(line["dir"] == "rx" for line in during), record["scenario"]
    lockout = [r for r in records if "test_pin_lockout_state" in r["scenario"]]
    assert len(lockout) == 2
    for record in lockout:
        lines = read_trace(run.bundle / record["test_port_traces"][0]["file"])
        verify = [line for line in lines if str(line.get("frame", "")).startswith("VERIFY_PIN seq")]
        requests = [line for line in verify if line["dir"] == "tx"]
        assert requests, "the wrong PIN was tried on the test port"
        for line in requests:
            assert str(line["frame"]).endswith("pin=<redacted>")
            assert bytes.fromhex(str(line["hex"]))[4:] == REDACTED_BODY


def test_run_reports_progress_and_a_requirement_table(runs: dict[str, Run]) -> None:
    out = runs["baseline"].out
    assert "PASSED" in out and "FAILED" in out  # one line per scenario as it finishes
    table = out[out.index("requirement ") :]
    for rid in REQUIREMENTS:
        assert rid in table


def test_user_mistakes_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    cases = [
        (["run", "--evidence", str(tmp_path / "full")], "is not an empty directory"),
        (["run", "--rig", str(tmp_path / "missing.toml")], "no such rig file"),
        (
            ["run", "-k", "no_scenario_is_called_this", "--evidence", str(tmp_path / "k")],
            "no scenarios selected",
        ),
    ]
    for args, message in cases:
        process = smets1_hil(*args, cwd=tmp_path)
        out, err = process.communicate(timeout=RUN_TIMEOUT_S)
        assert process.returncode == 2, (args, out, err)
        assert err.strip().splitlines()[-1].startswith("smets1-hil: error: "), err
        assert message in err.strip().splitlines()[-1]
        assert "Traceback" not in err


def test_baseline_report_opens_red_with_its_headline(runs: dict[str, Run], tmp_path: Path) -> None:
    from browser import chromium_available, probe

    failed = len(UPLIFT_IDS)
    headline = f"{failed} of {len(REQUIREMENTS)} requirements failed"
    report = runs["baseline"].bundle / "report.html"
    assert headline in report.read_text()
    assert (
        f"{len(REQUIREMENTS)} of {len(REQUIREMENTS)} requirements passed"
        in (runs["uplift"].bundle / "report.html").read_text()
    )
    if not chromium_available():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    found = probe(report, tmp_path)
    assert found["verdict"] == "fail" and headline in found["banner_text"]
    assert found["banner_colour"] == "rgb(183, 28, 28)"
    assert found["scroll_width"] <= found["page_width"], found

"""Hooks that write the evidence bundle; registered only when a run has ``--hil-evidence``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator
from typing import Any

import pytest

from harness.plugin.markers import requirement_ids
from harness.plugin.state import RUN_STATE, RunState
from harness.plugin.verdicts import ATTEMPTS, REPORTS, RIG_FAULT, rig_fault, scenario_verdict
from harness.run_signals import held

RADIO_LINK = pytest.StashKey[dict[str, Any] | None]()  # link counters at the body's end

SUITE_NAME = "smets1-hil"
FAILURE_TEXT_LIMIT = 8000
EVIDENCE_STASH = pytest.StashKey[Any]()  # the scenario's ScenarioEvidence, set by the fixture
TRACE_FROM = pytest.StashKey[int]()
XDIST_CRASH = "???"  # the ``when`` of the report pytest-xdist makes for a worker that died  # radio trace records written before the scenario started


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    when = dt.datetime.fromtimestamp(epoch, dt.UTC)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def scenario_title(doc: str) -> str:
    """A scenario's title: the first paragraph of its docstring on one line (a sentence that
    wraps in the source is not cut where the source wrapped it)."""
    paragraph = doc.strip().split("\n\n", 1)[0]
    return " ".join(paragraph.split())


def bundle_extra(state: RunState) -> dict[str, Any]:
    if state.rigfile is not None:
        rigs = [r.name for r in state.rigfile.rigs]
    elif state.workers:
        rigs = [f"embedded-gw{index}" for index in range(state.workers)]
    else:
        rigs = ["embedded"]
    from harness.evidence.sources import duis_section, sources_section

    return {
        "changes": state.changes.names,
        "duis": duis_section(),
        "sources": sources_section(),
        "rigs": rigs,
        "workers": state.workers,
        "suite": state.suite,
        "run": state.run_info,
        "notes": list(state.notes),
    }


class RecordWriter:
    """Writes a scenario's record as soon as its teardown report is made (in the process that ran it)."""

    def __init__(self, state: RunState) -> None:
        self.state = state

    def _trace_position(self, item: pytest.Item) -> int:
        trace = self.state.radio_trace
        if trace is None:
            return 0
        try:
            trace.flush()
        except OSError as exc:  # the trace cannot grow: the record is still written
            evidence_failed(self.state, item.session, exc)
        return int(trace.records_written)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        item.stash[TRACE_FROM] = self._trace_position(item)
        if self.state.test_ports is not None:
            self.state.test_ports.used.clear()

    def _test_port_traces(self) -> list[dict[str, Any]]:
        """The test ports the scenario used, each with its trace (its records carry wall times
        within the scenario's started..finished)."""
        ports = self.state.test_ports
        bundle = self.state.bundle
        if ports is None or bundle is None:
            return []
        entries = []
        for ieee in sorted(ports.used):
            path = ports.trace_file(ieee)
            file = None
            if path is not None and path.is_relative_to(bundle.root):
                file = path.relative_to(bundle.root).as_posix()
            entries.append({"device": ieee, "port": ports.urls.get(ieee), "file": file})
        return entries

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, Any, Any]:
        report = yield
        item.stash.setdefault(REPORTS, {})[report.when] = report
        if report.when == "call" and "rig" in getattr(item, "fixturenames", ()):
            # read while the rig is surely up: a session's rig is taken down before the last
            # scenario's teardown report
            item.stash[RADIO_LINK] = _radio_link(self.state)
        if report.when == "call" and report.failed:
            fault = rig_fault(item, call.excinfo.value if call.excinfo else None)
            if fault is not None:
                item.stash[RIG_FAULT] = fault
        if report.when == "teardown" and self.state.bundle is not None:
            try:
                self.state.bundle.write_record(self.record(item), self.state.secrets)
            except OSError as exc:
                evidence_failed(self.state, item.session, exc)
        return report

    def record(self, item: pytest.Item) -> dict[str, Any]:
        state = self.state
        reports = item.stash.get(REPORTS, {})
        verdict, failure, traceback = scenario_verdict(reports, item.stash.get(RIG_FAULT, None))
        failed_attempts = item.stash[ATTEMPTS].copy() if ATTEMPTS in item.stash else []
        if verdict == "pass" and failed_attempts:
            verdict = "flaky"  # passed, but only after failing: named, never hidden
        first = reports.get("setup")
        last = reports.get("teardown") or reports.get("call") or first
        doc = (getattr(getattr(item, "function", None), "__doc__", None) or "").strip()
        record: dict[str, Any] = {
            "scenario": item.nodeid,
            "title": scenario_title(doc) or item.name,
            "requirements": requirement_ids(item),
            "profile": state.profile,
            "worker": state.worker_id,
            "rig": _rig_entry(state, item.stash.get(RADIO_LINK, None))
            if "rig" in getattr(item, "fixturenames", ())
            else None,
            "started": _iso(getattr(first, "start", None)),
            "finished": _iso(getattr(last, "stop", None)),
            "duration_s": round(sum(r.duration for r in reports.values()), 3),
            "verdict": verdict,
            "attempts": len(failed_attempts) + 1,
            "failed_attempts": failed_attempts,
            "failure": state.secrets.scrub(failure[:FAILURE_TEXT_LIMIT]) if failure else None,
            "traceback": state.secrets.scrub(traceback[-FAILURE_TEXT_LIMIT:])
            if traceback
            else None,
        }
        if state.radio_trace_file and "rig" in getattr(item, "fixturenames", ()):
            record["radio_trace"] = {
                "file": state.radio_trace_file,
                "first_record": item.stash.get(TRACE_FROM, 0) + 1,
                "last_record": self._trace_position(item),
            }
        from harness.plugin.recovery import RECOVERIES

        recoveries = item.stash.get(RECOVERIES, None)
        if recoveries:
            record["recoveries"] = recoveries
        test_port_traces = self._test_port_traces()
        if test_port_traces:
            record["test_port_traces"] = test_port_traces
        evidence = item.stash.get(EVIDENCE_STASH, None)
        if evidence is not None:
            record.update(evidence.as_dict())
        return record


def _radio_link(state: RunState) -> dict[str, Any] | None:
    session = state.rig_session
    return None if session is None else session.rig.radio_link()


def _rig_entry(state: RunState, link: dict[str, Any] | None) -> dict[str, Any] | None:
    """The rig's identity, with the radio link's counters as they stood at the end of the
    scenario's body (``link``; read now if the scenario never got that far)."""
    identity = state.rig_identity
    if identity is None:
        return identity
    if link is None:
        link = _radio_link(state)
    if link is None:
        return identity
    radio = identity.get("radio")
    return {**identity, "radio": {**(radio if isinstance(radio, dict) else {}), "link": link}}


def evidence_failed(state: RunState, session: pytest.Session, exc: OSError) -> None:
    """Evidence cannot be written (a full disk, a file past its size limit, a folder gone
    read-only): stop the run after the current scenario, with one line saying why."""
    where = f" ({exc.filename})" if exc.filename else ""
    reason = f"evidence cannot be written: {exc.strerror or exc}{where}"
    if state.evidence_error is None:
        state.evidence_error = reason
    session.shouldstop = reason


class EvidenceErrorWatch:
    """Given to ``pytest.main`` by ``smets1-hil run``: keeps the reason evidence failed, if it did."""

    def __init__(self) -> None:
        self.error: str | None = None

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        state = config.stash.get(RUN_STATE, None)
        if state is not None:
            self.error = state.evidence_error


class BundleController:
    """Keeps summary.json current during the run and closes the bundle at the end (controller only)."""

    def __init__(self, state: RunState, sign_key: Any = None) -> None:
        self.state = state
        self.sign_key = sign_key  # an Ed25519 private key: the manifest is signed at the end
        assert state.bundle is not None
        self.bundle = state.bundle
        self._session: pytest.Session | None = None
        self._finished = False
        try:
            self._write_running_summary()
        except OSError as exc:
            self._failed(exc)

    def _write_running_summary(self) -> None:
        """The summary of a run still going: read back after a kill, it says interrupted."""
        self.bundle.write_summary(
            profile=self.state.profile,
            started=self.state.started,
            finished=None,
            interrupted=True,
            extra=bundle_extra(self.state),
            catalogue=self.state.requirements,
            always_listed=self.state.always_listed,
        )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        when: str = report.when or ""
        if when == XDIST_CRASH and report.failed:
            self._crashed(report)  # pytest-xdist's report for a scenario whose worker died
        if when in ("teardown", XDIST_CRASH) and self.state.evidence_error is None:
            try:
                self._write_running_summary()
            except OSError as exc:
                self._failed(exc)

    def _crashed(self, report: pytest.TestReport) -> None:
        """The worker running a scenario died: the scenario is ``error``, with the reason."""
        existing = {r["scenario"] for r in self.bundle.read_records()}
        if report.nodeid in existing:
            return
        planned = {p["scenario"]: p.get("requirements", []) for p in self.bundle.read_plan()}
        lines = report.longreprtext.strip().splitlines()
        record = {
            "scenario": report.nodeid,
            "title": report.nodeid.rpartition("::")[2],
            "requirements": planned.get(report.nodeid, []),
            "profile": self.state.profile,
            "worker": None,
            "rig": None,
            "started": None,
            "finished": _iso(report.stop) if getattr(report, "stop", None) else None,
            "duration_s": round(report.duration, 3),
            "verdict": "error",
            "failure": self.state.secrets.scrub(
                next((line for line in lines if "crashed" in line), "the worker crashed")
            ),
            "traceback": self.state.secrets.scrub(report.longreprtext[-FAILURE_TEXT_LIMIT:]),
        }
        try:
            self.bundle.write_record(record, self.state.secrets)
        except OSError as exc:
            self._failed(exc)

    def _failed(self, exc: OSError) -> None:
        if self._session is not None:
            evidence_failed(self.state, self._session, exc)
        elif self.state.evidence_error is None:
            self.state.evidence_error = f"evidence cannot be written: {exc.strerror or exc}"

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self._session = session

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._finish(interrupted=exitstatus == pytest.ExitCode.INTERRUPTED)

    @pytest.hookimpl(tryfirst=True)
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """A run stopped before its session started (a signal during start-up) is finished too."""
        if not self._finished:
            self._finish(interrupted=True)

    def _finish(self, *, interrupted: bool) -> None:
        self._finished = True
        if self.state.preflight_failure is not None:
            return  # pre-flight stopped the run before any scenario: there is no bundle
        try:
            with held():
                self.bundle.finalize(
                    profile=self.state.profile,
                    started=self.state.started,
                    interrupted=interrupted or self.state.evidence_error is not None,
                    extra=bundle_extra(self.state),
                    catalogue=self.state.requirements,
                    always_listed=self.state.always_listed,
                    suite_name=SUITE_NAME,
                    sign_key=self.sign_key,
                )
        except OSError as exc:
            self._failed(exc)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.state.preflight_failure is not None:
            return
        terminalreporter.write_line(f"smets1-hil evidence bundle: {self.bundle.root}")

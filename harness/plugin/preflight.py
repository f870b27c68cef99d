"""Pre-flight: the rig is brought up before the first scenario runs.

Bringing a rig up checks everything a scenario takes for granted: the radio library is installed,
the ports open, the co-processor answers, and every device of the rig file joins and identifies as
the role the file gives it. When any of that fails, the run stops there: one line on stderr
(``smets1-hil: error: pre-flight: ...``), exit code 4 under pytest (``smets1-hil run`` exits 2),
and no bundle of failed scenarios: the evidence directory made for the run is removed while it
still holds no record.

Under pytest-xdist each worker brings up its own rig (the one it leases; ports are not shared, so
the controller could not check them for the workers) as soon as it has collected, before it tells
the controller its collection. The controller hands out no scenario before every worker has done
so, so no scenario starts until every rig is up. A worker whose rig cannot start ends its session
with the reason in its ``workeroutput``; the controller stops the run with that one line.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from typing import Any, NoReturn

import pytest

from harness.evidence.files import safe_name
from harness.plugin.state import RUN_STATE, RunState, run_state
from harness.rigfile import RigSpec, default_rig

RIG_FIXTURE = "rig"
WORKER_OUTPUT_KEY = "smets1_hil_preflight"  # the failure a worker hands to the controller


class PreflightFailed(Exception):
    """The rig could not be brought up; the message is the one line a user sees."""


@dataclass
class RigSession:
    """A rig brought up for the session, with the lease that reserves it."""

    spec: RigSpec
    started: Any  # harness.plugin.bringup.StartedRig
    lease: Any = None  # harness.plugin.leasing.RigLease, when the rig came from a rig file

    @property
    def rig(self) -> Any:
        return self.started.rig

    def close(self) -> None:
        try:
            self.started.close()
        finally:
            if self.lease is not None:
                self.lease.release()


def _worker_index(worker_id: str) -> int:
    digits = worker_id.removeprefix("gw")
    return int(digits) if digits.isdigit() else 0


def lease_spec(state: RunState) -> tuple[RigSpec, Any]:
    """The rig this process runs against: leased from the rig file's pool (one per xdist worker),
    or the embedded default when there is no rig file."""
    from harness.plugin.leasing import NoRigFree, lease_rig

    if state.rigfile is None:
        name = "embedded" if state.worker_id == "main" else f"embedded-{state.worker_id}"
        return default_rig(name=name), None
    try:
        lease = lease_rig(state.rigfile, preferred=_worker_index(state.worker_id))
    except NoRigFree as exc:
        raise PreflightFailed(str(exc)) from None
    return lease.rig, lease


def open_rig(state: RunState, spec: RigSpec, lease: Any = None) -> RigSession:
    """Bring ``spec`` up (its radio trace and test-port traces in the bundle, if there is one)."""
    from harness.plugin.bringup import RigBringUpError, bring_up
    from rigs.operations import RigError

    trace = test_port_traces = None
    if state.bundle is not None:
        trace = state.bundle.traces_dir / f"radio-{safe_name(spec.name)}.jsonl"
        test_port_traces = state.bundle.traces_dir / safe_name(spec.name)
    try:
        started = bring_up(spec, trace=trace, test_port_traces=test_port_traces)
    except (RigError, RigBringUpError, OSError, TimeoutError) as exc:
        if lease is not None:
            lease.release()
        raise PreflightFailed(f"rig {spec.name} could not be brought up: {exc}") from None
    state.rig_identity = started.rig.identity_record()
    state.test_ports = started.rig.test_ports
    if trace is not None:
        state.radio_trace = getattr(started.rig.ops, "trace", None)
        state.radio_trace_file = f"traces/{trace.name}"
    return RigSession(spec, started, lease)


def needs_rig(items: list[pytest.Item]) -> bool:
    return any(RIG_FIXTURE in getattr(item, "fixturenames", ()) for item in items)


def _bring_up(session: pytest.Session, state: RunState) -> None:
    try:
        spec, lease = lease_spec(state)
        state.rig_session = open_rig(state, spec, lease)
    except PreflightFailed as exc:
        stop_run(session.config, f"pre-flight: {exc}")


def stop_run(config: pytest.Config, message: str) -> NoReturn:
    """End the session before any scenario: ``message`` is printed once, at the very end, by
    :func:`pytest_unconfigure`, and the exit status becomes a usage error."""
    state = run_state(config)
    state.preflight_failure = message
    _drop_empty_bundle(state)
    workeroutput: dict[str, Any] | None = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[WORKER_OUTPUT_KEY] = message
    # Session.Failed ends the session quietly (no traceback, no "Exit:" banner) and still runs
    # pytest_sessionfinish, which sets the exit status.
    raise pytest.Session.Failed(message)


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    config = session.config
    state = run_state(config)
    if state.is_worker or config.option.collectonly or state.rig_session is not None:
        return
    if needs_rig(list(session.items)):
        _bring_up(session, state)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """An xdist worker brings its rig up before it reports its collection (see the module's
    docstring); until every worker has reported, the controller starts no scenario."""
    state = run_state(session.config)
    if not state.is_worker or session.config.option.collectonly or state.rig_session is not None:
        return
    if needs_rig(list(session.items)):
        _bring_up(session, state)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """On the xdist controller: a worker ended; if its rig could not start, stop the run."""
    output = getattr(node, "workeroutput", None) or {}
    message = output.get(WORKER_OUTPUT_KEY)
    if message is not None:
        stop_run(node.config, str(message))


def _drop_empty_bundle(state: RunState) -> None:
    """Remove the evidence directory of a run that never started a scenario."""
    bundle = state.bundle
    if bundle is None or any(bundle.records_dir.glob("*.json")):
        return
    shutil.rmtree(bundle.root, ignore_errors=True)
    state.bundle = None


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Take down a rig that pre-flight brought up but no scenario's fixture closed (``-x``)."""
    state = session.config.stash.get(RUN_STATE, None)
    if state is None:
        return
    if state.preflight_failure is not None:
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
    if state.rig_session is not None:
        rig_session, state.rig_session = state.rig_session, None
        rig_session.close()


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(RUN_STATE, None)
    if state is None or state.preflight_failure is None or state.is_worker:
        return
    sys.stdout.flush()  # after pytest's own lines, in order on a terminal
    print(f"smets1-hil: error: {state.preflight_failure}", file=sys.stderr, flush=True)

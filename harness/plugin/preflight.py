"""Pre-flight: the rig is brought up before the first scenario runs.

Bringing a rig up checks everything a scenario takes for granted: the radio library is installed,
the ports open, the co-processor answers, and every device of the rig file joins and identifies as
the role the file gives it. When any of that fails, the run stops there with one line and exit
code 4 under pytest (``smets1-hil run`` exits 2), and leaves no bundle of failed scenarios: the
evidence directory made for the run is removed while it still holds no record.

Under pytest-xdist each worker brings its own rig up when its first scenario asks for it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import Any

import pytest

from harness.evidence.files import safe_name
from harness.plugin.state import RUN_STATE, RunState, run_state
from harness.rigfile import RigSpec, default_rig

RIG_FIXTURE = "rig"


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


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    config = session.config
    state = run_state(config)
    if state.is_worker or config.option.collectonly or state.rig_session is not None:
        return
    if not needs_rig(list(session.items)):
        return
    try:
        spec, lease = lease_spec(state)
        state.rig_session = open_rig(state, spec, lease)
    except PreflightFailed as exc:
        state.preflight_failure = f"pre-flight: {exc}"
        _drop_empty_bundle(state)
        pytest.exit(state.preflight_failure, returncode=pytest.ExitCode.USAGE_ERROR)


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
    if state is not None and state.rig_session is not None:
        rig_session, state.rig_session = state.rig_session, None
        rig_session.close()

"""Fixtures of the plugin: the behaviour profile, the evidence recorder, the rig and its devices,
the DCC service-request processor, the configuration tool and the PIN report. All are lazy:
nothing starts until a test asks for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.changes import ChangeSet
from harness.evidence.bundle import record_filename
from harness.evidence.recorder import ScenarioEvidence
from harness.plugin.configuration import ConfigurationToolSession
from harness.plugin.evidence_hooks import EVIDENCE_STASH
from harness.plugin.pin_reporting import PinReportService
from harness.plugin.preflight import PreflightFailed, lease_spec, open_rig
from harness.plugin.rig import HilDevice, HilRig
from harness.plugin.service_requests import ServiceRequests
from harness.plugin.state import RunState, run_state
from harness.rigfile import RigSpec
from harness.targets import DEFAULTS, Targets


@pytest.fixture(scope="session")
def hil_run(pytestconfig: pytest.Config) -> RunState:
    """What the plugin knows about this run (profile, rig file, bundle)."""
    return run_state(pytestconfig)


@pytest.fixture(scope="session")
def profile(hil_run: RunState) -> str:
    """The name of the changes in force in the DCC-side model: ``uplift-1.2`` (all),
    ``baseline`` (none), or the changes comma-separated."""
    return hil_run.profile


@pytest.fixture(scope="session")
def changes(hil_run: RunState) -> ChangeSet:
    """The Uplift 1.2 changes in force in the DCC-side model."""
    return hil_run.changes


@pytest.fixture(scope="session")
def targets(hil_run: RunState) -> Targets:
    """Throughput targets: the rig file's ``[targets]`` over this project's defaults."""
    return hil_run.rigfile.targets if hil_run.rigfile is not None else DEFAULTS


@pytest.fixture
def evidence(request: pytest.FixtureRequest, hil_run: RunState) -> ScenarioEvidence:
    """The scenario's evidence recorder; its contents go into the scenario's record."""
    bundle = hil_run.bundle
    recorder = ScenarioEvidence(
        hil_run.secrets,
        bundle.traces_dir if bundle else None,
        record_filename(request.node.nodeid),
        hil_run.schema_use(),
    )
    request.node.stash[EVIDENCE_STASH] = recorder
    return recorder


@pytest.fixture(scope="session")
def rig_spec(hil_run: RunState) -> Iterator[RigSpec]:
    """The rig this process runs against: leased from the rig file's pool (one per xdist worker)
    and held until the session ends, or the embedded default when there is no rig file."""
    if hil_run.rig_session is not None:  # brought up (and leased) by pre-flight
        yield hil_run.rig_session.spec
        return
    try:
        spec, lease = lease_spec(hil_run)
    except PreflightFailed as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield spec
    finally:
        if lease is not None:
            lease.release()


@pytest.fixture(scope="session")
def rig(rig_spec: RigSpec, hil_run: RunState) -> Iterator[HilRig]:
    """The rig, brought up once per session (per worker) and taken down at the end whatever happens.

    Pre-flight brings it up before the first scenario (in each xdist worker too); a session that
    pre-flight did not cover brings it up here.
    With no rig file this starts the embedded emulator process with one PPMID, ESME and GSME,
    whose serial test ports the rig then offers (``device.serial``).
    """
    session = hil_run.rig_session
    if session is None or session.spec is not rig_spec:
        try:
            session = open_rig(hil_run, rig_spec)
        except PreflightFailed as exc:
            pytest.fail(str(exc), pytrace=False)
        hil_run.rig_session = session
    try:
        yield session.rig
    finally:
        hil_run.rig_session = None
        session.close()


def _device(rig: HilRig, role: str) -> HilDevice:
    device = rig.device(role)
    if device is None:
        pytest.skip(f"rig {rig.spec.name} has no {role}")
    return device


@pytest.fixture
def ppmid(rig: HilRig) -> HilDevice:
    """The rig's PPMID (the scenario is skipped on a rig without one)."""
    return _device(rig, "PPMID")


@pytest.fixture
def esme(rig: HilRig) -> HilDevice:
    """The rig's ESME (electricity meter)."""
    return _device(rig, "ESME")


@pytest.fixture
def gsme(rig: HilRig) -> HilDevice:
    """The rig's GSME (gas meter)."""
    return _device(rig, "GSME")


@pytest.fixture
def dcc(rig: HilRig, profile: str, hil_run: RunState) -> ServiceRequests:
    """The DCC service-request processor of the run's profile, executing on the rig; it checks
    requests against the run's DUIS XSD (none when the run has none)."""
    return ServiceRequests(rig, profile, schema=hil_run.schema_use().schema())


@pytest.fixture
def config_tool(
    rig: HilRig, profile: str, tmp_path: Path, evidence: ScenarioEvidence
) -> ConfigurationToolSession:
    """The pre-migration configuration tool of the run's profile, acting on the rig's devices."""
    return ConfigurationToolSession(rig, profile, tmp_path, evidence)


@pytest.fixture
def pin_report(profile: str, tmp_path: Path, evidence: ScenarioEvidence) -> PinReportService:
    """The DCC's TMAD 3.25 PIN report as the run's profile issues it (none under baseline)."""
    return PinReportService(profile, tmp_path, evidence)

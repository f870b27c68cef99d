"""Run-level hooks: read the options, load the rig file, open the evidence bundle.

The evidence hooks themselves (:mod:`harness.plugin.evidence_hooks`) are registered only when
``--hil-evidence`` is given, so a run without it pays for nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.changes import ChangeSet
from harness.errors import UserError
from harness.evidence.bundle import EvidenceBundle, utc_now
from harness.evidence.run_info import collect_run_info
from harness.plugin.evidence_hooks import BundleController, RecordWriter
from harness.plugin.markers import requirement_ids
from harness.plugin.state import RUN_STATE, RunState, run_state
from harness.rigfile import DEFAULT_RADIO_KIND, RigFile, load_rigfile


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    rigfile: RigFile | None = None
    if config.getoption("hil_rig"):
        try:
            rigfile = load_rigfile(config.getoption("hil_rig"))
        except UserError as exc:
            raise pytest.UsageError(str(exc)) from None
    workers = 0
    if workerinput is None and config.getoption("dist", "no") != "no":
        workers = int(config.getoption("numprocesses", None) or 0)
    if rigfile is not None and workers > len(rigfile.rigs):
        name = rigfile.path.name if rigfile.path else "the rig file"
        raise pytest.UsageError(
            f"{name} lists {len(rigfile.rigs)} rig(s); -n {workers} needs one rig per worker"
        )
    bundle: EvidenceBundle | None = None
    started = utc_now()
    if workerinput is not None:
        evidence_dir = workerinput.get("smets1_hil_evidence")
        bundle = EvidenceBundle(Path(evidence_dir)) if evidence_dir else None
        started = str(workerinput.get("smets1_hil_started", started))
    elif config.getoption("hil_evidence"):
        try:
            bundle = EvidenceBundle.create(Path(config.getoption("hil_evidence")).resolve())
        except UserError as exc:
            raise pytest.UsageError(str(exc)) from None
    changes = _changes(config)
    xsd, searched = _locate_xsd(config, workerinput)
    suite, catalogue = _suite_and_requirements(config, rigfile)
    state = RunState(
        profile=changes.name,
        changes=changes,
        rigfile=rigfile,
        bundle=bundle,
        started=started,
        is_worker=workerinput is not None,
        worker_id=str(workerinput["workerid"]) if workerinput else "main",
        workers=workers,
        xsd=xsd,
        xsd_searched=searched,
        suite=suite.name,
        requirements=catalogue,
        always_listed=suite.always_listed,
    )
    if xsd is None:
        state.notes.append(
            f"DUIS XML was not validated against the DUIS XSD: {state.schema_use().reason_missing()}"
        )
    if not state.is_worker:
        state.run_info = collect_run_info(
            rigfile=rigfile.path if rigfile else None,
            radio_kinds=[r.radio.kind for r in rigfile.rigs] if rigfile else [DEFAULT_RADIO_KIND],
            xsd=xsd,
            secrets=state.secrets,
        )
    config.stash[RUN_STATE] = state
    sign_key = None
    if config.getoption("hil_sign_key") and not state.is_worker:
        if bundle is None:
            raise pytest.UsageError("--hil-sign-key needs --hil-evidence DIR")
        from harness.evidence.signing import load_private_key

        try:
            sign_key = load_private_key(Path(config.getoption("hil_sign_key")))
        except UserError as exc:
            raise pytest.UsageError(str(exc)) from None
    if bundle is not None:
        config.pluginmanager.register(RecordWriter(state), "smets1-hil-records")
        if state.controller:
            controller = BundleController(state, sign_key=sign_key)
            config.pluginmanager.register(controller, "smets1-hil-bundle")


def _suite_and_requirements(
    config: pytest.Config, rigfile: RigFile | None
) -> tuple[Any, dict[str, Any]]:
    """The run's suite, and its requirements with the lab's (``--hil-requirements`` or the rig
    file's ``requirements``) added."""
    from harness.evidence.requirements import load_requirements_file, merge_catalogue
    from harness.suites.registry import get_suite

    try:
        suite = get_suite(str(config.getoption("hil_suite")))
        lab_file = config.getoption("hil_requirements")
        path = Path(lab_file) if lab_file else (rigfile.requirements if rigfile else None)
        if path is None:
            return suite, dict(suite.requirements)
        lab = load_requirements_file(path)
        return suite, merge_catalogue(suite.requirements, lab, str(path))
    except UserError as exc:
        raise pytest.UsageError(str(exc)) from None


def _locate_xsd(
    config: pytest.Config, workerinput: dict[str, Any] | None
) -> tuple[Path | None, tuple[str, ...]]:
    """The DUIS XSD of the run, located once by the controller (workers take its answer)."""
    from harness.duis.schema import XSD_ENV, candidate_paths, locate_xsd

    if workerinput is not None:
        found = workerinput.get("smets1_hil_xsd")
        return (Path(found) if found else None), tuple(workerinput.get("smets1_hil_xsd_tried", ()))
    explicit = config.getoption("hil_duis_xsd")
    searched = tuple(str(p) for p in candidate_paths(explicit))
    xsd = locate_xsd(explicit)
    if explicit and xsd is None:
        raise pytest.UsageError(f"--duis-xsd {explicit}: no such file")
    if xsd is None and config.getoption("hil_require_schema"):
        raise pytest.UsageError(
            f"no DUIS XSD found (tried {', '.join(searched)}); --require-schema needs one "
            f"(give --duis-xsd FILE or set {XSD_ENV})"
        )
    return xsd, searched


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash.get(RUN_STATE, None)
    if state is None:
        return []
    if state.xsd is None:
        return [f"smets1-hil: DUIS XML not validated: {state.schema_use().reason_missing()}"]
    return [f"smets1-hil: DUIS XSD {state.xsd} (SHA-256 {state.schema_use().sha256})"]


def _changes(config: pytest.Config) -> ChangeSet:
    """The changes in force: ``--hil-changes`` if given, else the profile's."""
    wanted = config.getoption("hil_changes") or str(config.getoption("hil_profile"))
    try:
        return ChangeSet.parse(wanted)
    except ValueError as exc:
        raise pytest.UsageError(f"--hil-changes: {exc}") from None


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Tell each xdist worker where the bundle is, when the run started and which XSD it uses."""
    state = run_state(node.config)
    node.workerinput["smets1_hil_evidence"] = str(state.bundle.root) if state.bundle else None
    node.workerinput["smets1_hil_started"] = state.started
    node.workerinput["smets1_hil_xsd"] = str(state.xsd) if state.xsd else None
    node.workerinput["smets1_hil_xsd_tried"] = list(state.xsd_searched)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Write the plan (the selected scenarios) where the scenarios are collected."""
    state = run_state(session.config)
    if state.bundle is None or (state.controller and state.workers):
        return
    plan = [
        {"scenario": item.nodeid, "requirements": requirement_ids(item)} for item in session.items
    ]
    state.bundle.write_plan(plan)

"""What the plugin knows about the current run, kept on the pytest config."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from harness.changes import ChangeSet
from harness.evidence.bundle import EvidenceBundle
from harness.evidence.redaction import SecretFilter
from harness.evidence.schema_use import SchemaUse
from harness.rigfile import RigFile


@dataclass
class RunState:
    profile: str
    rigfile: RigFile | None
    bundle: EvidenceBundle | None
    started: str
    is_worker: bool
    worker_id: str
    workers: int
    changes: ChangeSet = ChangeSet.ALL  # the changes in force; ``profile`` is their name
    secrets: SecretFilter = field(default_factory=SecretFilter)
    rig_identity: dict[str, object] | None = None  # set once a rig is up in this process
    radio_trace: Any = None  # the rig's TraceWriter when the bundle holds its radio trace
    radio_trace_file: str | None = None  # that trace, relative to the bundle
    test_ports: Any = None  # the rig's TestPorts, once a rig is up in this process
    evidence_error: str | None = None  # why evidence could not be written (disk full, ...)
    xsd: Path | None = None  # the DUIS XSD the run validates against; None: none was found
    xsd_searched: tuple[str, ...] = ()  # where it was looked for
    run_info: dict[str, Any] = field(default_factory=dict)  # summary.json "run"
    notes: list[str] = field(default_factory=list)  # run-level notes for summary and report
    suite: str = "uplift-1.2"
    requirements: dict[str, Any] = field(default_factory=dict)  # id -> Requirement of the run
    always_listed: tuple[str, ...] = ()  # requirement ids every summary lists
    rig_session: Any = None  # the rig brought up by pre-flight (harness.plugin.preflight)
    preflight_failure: str | None = None  # the one line saying why pre-flight stopped the run

    @property
    def controller(self) -> bool:
        return not self.is_worker

    @property
    def evidence_dir(self) -> Path | None:
        return self.bundle.root if self.bundle else None

    def schema_use(self) -> SchemaUse:
        """How this run's DUIS XML is checked (the recorder writes it into each DUIS exchange)."""
        return SchemaUse(self.xsd, self.xsd_searched)


RUN_STATE = pytest.StashKey[RunState]()


def run_state(config: pytest.Config) -> RunState:
    try:
        return config.stash[RUN_STATE]
    except KeyError:
        raise RuntimeError("the smets1-hil plugin was not configured for this run") from None

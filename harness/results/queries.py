"""Reading runs back: lists, one run in full, throughput series and scenario durations."""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select

from harness.results import schema
from harness.results.errors import ResultsError


@dataclass(frozen=True)
class Run:
    id: int
    kind: str
    started: str
    finished: str | None
    host: str | None
    tool_version: str | None
    profile: str | None
    changes: list[str] | None
    rig: str
    rig_file_sha256: str | None
    radio_library: str | None
    radio_library_version: str | None
    exit_status: int | None
    interrupted: bool
    evidence_path: str | None
    manifest_sha256: str


@dataclass(frozen=True)
class SeriesKey:
    """What makes two transfers comparable: same rig, device, firmware and transfer kind."""

    rig: str
    device: str
    firmware: str | None
    kind: str

    def describe(self, role: str | None = None) -> str:
        who = f"{role} {self.device}" if role else self.device
        return f"{self.kind} to {who} (firmware {self.firmware or '?'}) on rig {self.rig}"


@dataclass(frozen=True)
class Point:
    """One run's throughput in one series: the median of that run's transfers in it."""

    run_id: int
    started: str
    mb_per_min: float
    percent_of_line_rate: float | None
    transfers: int
    target: float | None
    target_units: str | None
    block_p95_ms: float | None

    @property
    def value(self) -> float:
        """The figure the target and the regression rule use: % of line rate for a serial
        transfer whose line rate is known, MB/min otherwise."""
        if (
            self.target_units
            and self.target_units.startswith("%")
            and (self.percent_of_line_rate is not None)
        ):
            return self.percent_of_line_rate
        return self.mb_per_min

    @property
    def units(self) -> str:
        return self.target_units or "MB/min"


@dataclass
class Series:
    key: SeriesKey
    role: str | None
    points: list[Point] = field(default_factory=list)


def _run(row: Any) -> Run:
    return Run(
        id=row.id,
        kind=row.kind,
        started=row.started,
        finished=row.finished,
        host=row.host,
        tool_version=row.tool_version,
        profile=row.profile,
        changes=json.loads(row.changes) if row.changes else None,
        rig=row.rig,
        rig_file_sha256=row.rig_file_sha256,
        radio_library=row.radio_library,
        radio_library_version=row.radio_library_version,
        exit_status=row.exit_status,
        interrupted=bool(row.interrupted),
        evidence_path=row.evidence_path,
        manifest_sha256=row.manifest_sha256,
    )


def list_runs(engine: Engine, *, rig: str | None = None, limit: int | None = None) -> list[Run]:
    """Runs, oldest first (the last ``limit`` of them)."""
    query = select(schema.runs).order_by(schema.runs.c.started.desc(), schema.runs.c.id.desc())
    if rig:
        query = query.where(schema.runs.c.rig == rig)
    if limit:
        query = query.limit(limit)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [_run(row) for row in reversed(rows)]


def get_run(engine: Engine, ref: str | int | None) -> Run:
    """A run by id; ``None`` or ``latest`` is the most recent."""
    with engine.connect() as connection:
        if ref is None or str(ref) == "latest":
            row = connection.execute(
                select(schema.runs)
                .order_by(schema.runs.c.started.desc(), schema.runs.c.id.desc())
                .limit(1)
            ).first()
            if row is None:
                raise ResultsError("the results database holds no runs yet")
            return _run(row)
        try:
            run_id = int(ref)
        except ValueError:
            raise ResultsError(f"run {ref!r}: give a run id (a number) or 'latest'") from None
        row = connection.execute(select(schema.runs).where(schema.runs.c.id == run_id)).first()
    if row is None:
        raise ResultsError(f"run {run_id}: not in the results database")
    return _run(row)


def previous_run(engine: Engine, run: Run) -> Run | None:
    """The run before ``run`` on the same rig, of the same kind and profile."""
    query = (
        select(schema.runs)
        .where(schema.runs.c.rig == run.rig)
        .where(schema.runs.c.kind == run.kind)
        .where(
            (schema.runs.c.started < run.started)
            | ((schema.runs.c.started == run.started) & (schema.runs.c.id < run.id))
        )
        .order_by(schema.runs.c.started.desc(), schema.runs.c.id.desc())
        .limit(1)
    )
    if run.profile is not None:
        query = query.where(schema.runs.c.profile == run.profile)
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return None if row is None else _run(row)


def requirement_verdicts(engine: Engine, run_id: int) -> dict[str, dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(schema.requirements).where(schema.requirements.c.run_id == run_id)
        ).all()
    return {
        row.requirement: {
            "verdict": row.verdict,
            "selected": bool(row.selected),
            "scenarios": row.scenarios,
            "passed": row.passed,
            "flaky": row.flaky,
        }
        for row in rows
    }


def scenario_rows(engine: Engine, run_id: int) -> list[dict[str, Any]]:
    """The run's scenarios, each with its failed attempts."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(schema.scenarios)
            .where(schema.scenarios.c.run_id == run_id)
            .order_by(schema.scenarios.c.scenario)
        ).all()
        attempts = connection.execute(
            select(schema.attempts)
            .join(schema.scenarios, schema.attempts.c.scenario_id == schema.scenarios.c.id)
            .where(schema.scenarios.c.run_id == run_id)
            .order_by(schema.attempts.c.attempt)
        ).all()
    by_scenario: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for a in attempts:
        by_scenario[a.scenario_id].append(
            {"attempt": a.attempt, "verdict": a.verdict, "failure": a.failure}
        )
    return [
        {
            "scenario": row.scenario,
            "verdict": row.verdict,
            "attempts": row.attempts,
            "duration_s": row.duration_s,
            "rig": row.rig,
            "failure": row.failure,
            "failed_attempts": by_scenario.get(row.id, []),
        }
        for row in rows
    ]


def device_rows(engine: Engine, run_id: int) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(schema.devices)
            .where(schema.devices.c.run_id == run_id)
            .order_by(schema.devices.c.rig, schema.devices.c.ieee)
        ).all()
    return [dict(row._mapping) for row in rows]


def transfer_rows(engine: Engine, run_id: int) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(schema.transfers)
            .where(schema.transfers.c.run_id == run_id)
            .order_by(schema.transfers.c.id)
        ).all()
    return [dict(row._mapping) for row in rows]


def _median(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def throughput_series(
    engine: Engine,
    *,
    rig: str | None = None,
    device: str | None = None,
    firmware: str | None = None,
    kind: str | None = None,
) -> list[Series]:
    """Every series of comparable transfers, each point one run (oldest first)."""
    t, r = schema.transfers, schema.runs
    query = select(t, r.c.started).join(r, t.c.run_id == r.c.id)
    if rig:
        query = query.where(t.c.rig == rig)
    if device:
        query = query.where(t.c.device == device.upper())
    if firmware:
        query = query.where(t.c.firmware == firmware)
    if kind:
        query = query.where(t.c.kind == kind)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    grouped: dict[SeriesKey, dict[int, list[Any]]] = defaultdict(lambda: defaultdict(list))
    roles: dict[SeriesKey, str | None] = {}
    for row in rows:
        key = SeriesKey(row.rig, row.device, row.firmware, row.kind)
        grouped[key][row.run_id].append(row)
        roles[key] = row.role
    result = []
    for key in sorted(grouped, key=lambda k: (k.rig, k.kind, k.device, k.firmware or "")):
        series = Series(key, roles.get(key))
        for run_id, items in grouped[key].items():
            series.points.append(
                Point(
                    run_id=run_id,
                    started=items[0].started,
                    mb_per_min=_median([i.mb_per_min for i in items]) or 0.0,
                    percent_of_line_rate=_median([i.percent_of_line_rate for i in items]),
                    transfers=len(items),
                    target=items[-1].target,
                    target_units=items[-1].target_units,
                    block_p95_ms=_median([i.block_p95_ms for i in items]),
                )
            )
        series.points.sort(key=lambda p: (p.started, p.run_id))
        result.append(series)
    return result


def scenario_durations(
    engine: Engine, *, rig: str | None = None, last: int | None = None
) -> tuple[list[Run], dict[str, dict[int, float | None]]]:
    """The last runs of kind ``suite`` and, per scenario, its duration in each of them."""
    runs = [r for r in list_runs(engine, rig=rig) if r.kind == "suite"]
    if last:
        runs = runs[-last:]
    ids = [r.id for r in runs]
    durations: dict[str, dict[int, float | None]] = defaultdict(dict)
    if ids:
        with engine.connect() as connection:
            rows = connection.execute(
                select(
                    schema.scenarios.c.run_id,
                    schema.scenarios.c.scenario,
                    schema.scenarios.c.duration_s,
                ).where(schema.scenarios.c.run_id.in_(ids))
            ).all()
        for row in rows:
            durations[row.scenario][row.run_id] = row.duration_s
    return runs, dict(sorted(durations.items()))

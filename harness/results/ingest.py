"""Loading a run into the database: from its evidence bundle (``smets1-hil run`` and
``history import``) or from bench figures (``bench --record``).

A bundle's run is keyed by the SHA-256 of its manifest (for a bundle without one, an interrupted
run, of the manifest text it would have), so importing a bundle twice adds it once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from harness.evidence.bundle import EvidenceBundle
from harness.evidence.manifest import MANIFEST, bundle_files
from harness.evidence.summary import rig_lacks, selected_requirements_pass
from harness.results import schema
from harness.results.errors import ResultsError


@dataclass(frozen=True)
class Recorded:
    run_id: int
    created: bool  # False: the run was already in the database


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def manifest_sha256(root: Path) -> str:
    manifest = root / MANIFEST
    if manifest.is_file():
        return hashlib.sha256(manifest.read_bytes()).hexdigest()
    lines = []
    for name in bundle_files(root):
        digest = hashlib.sha256((root / name).read_bytes()).hexdigest()
        lines.append(f"{digest}  {name}\n")
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def firmware_text(version: Any) -> str | None:
    """A firmware version as its build id (8 hex digits), whatever shape the record gives it."""
    if version is None:
        return None
    if isinstance(version, Mapping):
        if version.get("build_id"):
            return str(version["build_id"])
        if version.get("file_version") is not None:
            return f"{int(version['file_version']):08X}"
        return json.dumps(version, sort_keys=True)
    return str(version)


def run_facts_of(summary: Mapping[str, Any]) -> dict[str, Any]:
    """Host, tool, rig file, radio library and changes in force, from the summary's ``run``
    object (or, for bundles of summary schema 1, its top-level keys)."""
    run = summary.get("run") if isinstance(summary.get("run"), Mapping) else {}
    assert isinstance(run, Mapping)

    def pick(*keys: str) -> Any:
        for key in keys:
            if run.get(key) is not None:
                return run[key]
            if summary.get(key) is not None:
                return summary[key]
        return None

    rig_file = run.get("rig_file") if isinstance(run.get("rig_file"), Mapping) else {}
    library = pick("radio_library")
    version = pick("radio_library_version")
    radio_libraries = run.get("radio_libraries")  # summary schema 2: {name: version}
    if library is None and isinstance(radio_libraries, Mapping) and radio_libraries:
        library = ",".join(str(name) for name in radio_libraries)
        version = ",".join(str(v or "unknown") for v in radio_libraries.values())
    libraries = run.get("libraries")
    if version is None and library and isinstance(libraries, Mapping):
        found = [
            str(libraries.get(name)) for name in str(library).split(",") if libraries.get(name)
        ]
        version = ",".join(found) or None
    changes = pick("changes")
    if isinstance(changes, Mapping):  # a change set: {"name": ..., "changes": [...]} or similar
        changes = changes.get("changes", changes.get("in_force", changes))
    if isinstance(changes, str):
        changes = [changes]
    return {
        "host": pick("host"),
        "tool_version": pick("tool_version"),
        "rig_file_sha256": (rig_file or {}).get("sha256") or pick("rig_file_sha256"),
        "radio_library": library,
        "radio_library_version": version,
        "changes": list(changes) if isinstance(changes, list | tuple) else changes,
    }


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def record_bundle(engine: Engine, root: Path, *, exit_status: int | None = None) -> Recorded:
    """Add the run of the bundle at ``root`` (idempotent)."""
    bundle = EvidenceBundle.open(root)
    summary = bundle.read_summary()
    records = bundle.read_records()
    key = manifest_sha256(root)
    if exit_status is None:
        if summary.get("interrupted"):
            exit_status = 130
        else:
            exit_status = 0 if selected_requirements_pass(summary) else 1
    run_rigs = [str(r) for r in summary.get("rigs") or []] or ["embedded"]
    facts = run_facts_of(summary)
    run_row = {
        "manifest_sha256": key,
        "kind": "suite",
        "started": str(summary.get("started") or ""),
        "finished": summary.get("finished"),
        "host": facts["host"],
        "tool_version": facts["tool_version"],
        "profile": summary.get("profile"),
        "changes": json.dumps(facts["changes"]) if facts["changes"] is not None else None,
        "rig": ",".join(run_rigs),
        "rig_file_sha256": facts["rig_file_sha256"],
        "radio_library": facts["radio_library"],
        "radio_library_version": facts["radio_library_version"],
        "exit_status": exit_status,
        "interrupted": bool(summary.get("interrupted")),
        "evidence_path": str(root.resolve()),
        "recorded_at": now(),
    }
    try:
        with engine.begin() as connection:
            existing = connection.execute(
                select(schema.runs.c.id).where(schema.runs.c.manifest_sha256 == key)
            ).scalar()
            if existing is not None:
                return Recorded(int(existing), False)
            run_id = _inserted_id(connection.execute(schema.runs.insert().values(**run_row)))
            _requirements(connection, run_id, summary)
            default_rig = run_rigs[0]
            for record in sorted(records, key=lambda r: str(r.get("started") or "")):
                _scenario(connection, run_id, record, default_rig)
            _devices(connection, run_id, records, default_rig)
    except IntegrityError:
        with engine.connect() as connection:  # recorded concurrently by another process
            found = connection.execute(
                select(schema.runs.c.id).where(schema.runs.c.manifest_sha256 == key)
            ).scalar()
        if found is None:
            raise
        return Recorded(int(found), False)
    except SQLAlchemyError as exc:
        raise ResultsError(f"results database: {_first_line(exc)}") from None
    return Recorded(run_id, True)


def _inserted_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    if key is None:
        raise ResultsError("results database: the database returned no id for a new row")
    return int(key[0])


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def stored_verdict(entry: Mapping[str, Any]) -> str:
    """A requirement's verdict as the database keeps it: the summary's, except ``skipped`` for one
    the rig could not show (it lacks the port kind the requirement needs, :func:`rig_lacks`), so
    the history tells it apart from a requirement that simply did not run."""
    return "skipped" if rig_lacks(entry) else str(entry.get("verdict", "not-run"))


def _requirements(connection: Connection, run_id: int, summary: Mapping[str, Any]) -> None:
    rows = []
    for rid, entry in (summary.get("requirements") or {}).items():
        entries = entry.get("scenarios") or []
        rows.append(
            {
                "run_id": run_id,
                "requirement": rid,
                "verdict": stored_verdict(entry),
                "selected": bool(entry.get("selected", bool(entries))),
                "scenarios": len(entries),
                "passed": sum(1 for e in entries if e.get("verdict") == "pass"),
                "flaky": sum(1 for e in entries if e.get("verdict") == "flaky"),
            }
        )
    if rows:
        connection.execute(schema.requirements.insert(), rows)


def _rig_name(record: Mapping[str, Any], default: str) -> str:
    rig = record.get("rig")
    if isinstance(rig, Mapping) and rig.get("name"):
        return str(rig["name"])
    return default


def _scenario(
    connection: Connection, run_id: int, record: Mapping[str, Any], default_rig: str
) -> None:
    rig = _rig_name(record, default_rig)
    failed = list(record.get("failed_attempts") or [])
    scenario_id = _inserted_id(
        connection.execute(
            schema.scenarios.insert().values(
                run_id=run_id,
                scenario=str(record.get("scenario")),
                title=record.get("title"),
                requirements=json.dumps(list(record.get("requirements") or [])),
                rig=rig,
                verdict=str(record.get("verdict")),
                attempts=int(record.get("attempts") or len(failed) + 1),
                duration_s=_number(record.get("duration_s")),
                started=record.get("started"),
                failure=record.get("failure"),
            )
        )
    )
    if failed:
        connection.execute(
            schema.attempts.insert(),
            [
                {
                    "scenario_id": scenario_id,
                    "attempt": int(a.get("attempt") or index + 1),
                    "verdict": str(a.get("verdict")),
                    "failure": a.get("failure"),
                    "duration_s": _number(a.get("duration_s")),
                }
                for index, a in enumerate(failed)
            ],
        )
    rows = []
    for m in record.get("measurements") or []:
        validator = m.get("validator") or {}
        value = m.get("value")
        rows.append(
            {
                "scenario_id": scenario_id,
                "name": str(m.get("name")),
                "value_number": _number(value),
                "value_text": None if _number(value) is not None else json.dumps(value),
                "units": m.get("units") or None,
                "limit_low": _number(validator.get("min")),
                "limit_high": _number(validator.get("max")),
                "expected": json.dumps(validator["expected"]) if "expected" in validator else None,
                "outcome": m.get("outcome"),
            }
        )
    if rows:
        connection.execute(schema.measurements.insert(), rows)
    transfers = [
        _transfer_row(run_id, rig, t, scenario_id=scenario_id)
        for t in record.get("transfers") or []
    ]
    if transfers:
        connection.execute(schema.transfers.insert(), transfers)


def _transfer_row(
    run_id: int, rig: str, t: Mapping[str, Any], *, scenario_id: int | None
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "scenario_id": scenario_id,
        "rig": rig,
        "kind": str(t.get("kind")),
        "device": str(t.get("device")),
        "role": t.get("role"),
        "firmware": t.get("firmware"),
        "bytes": t.get("bytes"),
        "blocks": t.get("blocks"),
        "block_size": t.get("block_size"),
        "seconds": _number(t.get("seconds")),
        "mb_per_min": float(t.get("mb_per_min") or 0.0),
        "percent_of_line_rate": _number(t.get("percent_of_line_rate")),
        "block_p50_ms": _number(t.get("block_p50_ms")),
        "block_p95_ms": _number(t.get("block_p95_ms")),
        "block_p99_ms": _number(t.get("block_p99_ms")),
        "target": _number(t.get("target")),
        "target_units": t.get("target_units"),
    }


def _devices(
    connection: Connection, run_id: int, records: Iterable[Mapping[str, Any]], default_rig: str
) -> None:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for record in sorted(records, key=lambda r: str(r.get("started") or "")):
        rig = record.get("rig")
        rig_name = _rig_name(record, default_rig)
        if isinstance(rig, Mapping):
            for device in rig.get("devices") or []:
                row = found.setdefault(
                    (rig_name, str(device.get("ieee"))),
                    {"run_id": run_id, "rig": rig_name, "ieee": str(device.get("ieee"))},
                )
                row["role"] = device.get("role")
                for key in (
                    "manufacturer",
                    "model",
                    "manufacturer_code",
                    "image_type",
                    "hardware_version",
                ):
                    if device.get(key) is not None:
                        row[key] = device[key]
        for fw in record.get("firmware") or []:
            row = found.setdefault(
                (rig_name, str(fw.get("device"))),
                {"run_id": run_id, "rig": rig_name, "ieee": str(fw.get("device"))},
            )
            row.setdefault("firmware_before", firmware_text(fw.get("before")))
            row["firmware_after"] = firmware_text(fw.get("after"))
    if found:
        columns = [c.name for c in schema.devices.columns if c.name != "id"]
        connection.execute(
            schema.devices.insert(),
            [{c: row.get(c) for c in columns} for row in found.values()],
        )


def record_bench(
    engine: Engine,
    *,
    started: str,
    finished: str,
    rig: str,
    facts: Mapping[str, Any],
    transfers: list[dict[str, Any]],
    exit_status: int,
) -> Recorded:
    """Add a ``bench`` run: its transfers, one row per round."""
    payload = json.dumps({"started": started, "rig": rig, "transfers": transfers}, sort_keys=True)
    key = hashlib.sha256(payload.encode("utf-8")).hexdigest()
    try:
        with engine.begin() as connection:
            run_id = _inserted_id(
                connection.execute(
                    schema.runs.insert().values(
                        manifest_sha256=key,
                        kind="bench",
                        started=started,
                        finished=finished,
                        host=facts.get("host"),
                        tool_version=facts.get("tool_version"),
                        profile=None,
                        changes=None,
                        rig=rig,
                        rig_file_sha256=facts.get("rig_file_sha256"),
                        radio_library=facts.get("radio_library"),
                        radio_library_version=facts.get("radio_library_version"),
                        exit_status=exit_status,
                        interrupted=False,
                        evidence_path=None,
                        recorded_at=now(),
                    )
                )
            )
            if transfers:
                connection.execute(
                    schema.transfers.insert(),
                    [_transfer_row(run_id, rig, t, scenario_id=None) for t in transfers],
                )
    except SQLAlchemyError as exc:
        raise ResultsError(f"results database: {_first_line(exc)}") from None
    return Recorded(run_id, True)

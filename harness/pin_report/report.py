"""The one-time TMAD 3.25 PIN report: one file pair per Installing Supplier, written atomically.

It covers, in the source's words, "Dormant and Active EPCL entries where the PIN was incorrectly
changed", for IOC installations only: an installation whose SMSO GroupID is outside
``report_groups`` (default IOC: AA, BA, CA; a setting) is left out, and so is a change recorded at
or after the cut-off (``changes_before``: when the fixed tool went live). The manifest says how
many installations were left out and why.

The report directory (mode 0700) holds ``<SUPPLIER>.csv`` and ``<SUPPLIER>.json`` for each
Installing Supplier with at least one reported installation, and ``manifest.json``; every file is
mode 0600. Everything is written into a temporary directory beside the target, synced, and renamed
into place, so a failure leaves no report directory (and, with ``force``, the old one intact).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.changes import Change, ChangeSet
from harness.configtool.changes import ChangeRecord, read_changes
from harness.csv_output import safe_csv
from harness.errors import UserError
from harness.evidence.files import fsync_dir, write_synced
from harness.migration import DEFAULT_RULES, IOC_GROUP_IDS
from harness.pin_report.inventory import Installation, MigrationList, read_inventory
from harness.pin_report.selection import ReportEntry, select_entries
from harness.working_days import DEFAULT_CALENDAR, WorkingDayCalendar

REPORT_KIND = "smets1-engineering-menu-pin-report"
CLAUSE = "TMAD 3.25"
COVERS = "Dormant and Active EPCL entries where the PIN was incorrectly changed"
"""Quoted from the consultation: what the one-time report covers."""
SCOPE_SOURCE = 'the consultation: the PIN fix is "for IOC only"'
OUTSIDE_SCOPE = "outside-scope"
AFTER_CUT_OFF = "changed-on-or-after-cut-off"
WORKING_DAYS = 30
DIR_MODE = 0o700
FILE_MODE = 0o600
MANIFEST = "manifest.json"
SUPPLIER_COLUMNS: tuple[str, ...] = (
    "installation_id",
    "device_eui64",
    "migration_list",
    "group_id",
    "responsible_supplier",
    "old_pin_default",
    "new_pin",
    "pin_set_at",
    "pin_change_confirmed",
)


@dataclass(frozen=True)
class LeftOut:
    """Installations that had a wrongly changed PIN but are not in the report, and why."""

    reason: str  # OUTSIDE_SCOPE or AFTER_CUT_OFF
    installations: tuple[str, ...]
    why: str
    group_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class PinReport:
    start: dt.date
    deadline: dt.date
    calendar: WorkingDayCalendar
    installations: Sequence[Installation]
    by_supplier: dict[str, list[ReportEntry]] = field(default_factory=dict)
    report_groups: frozenset[str] = IOC_GROUP_IDS
    changes_before: dt.date | None = None
    left_out: tuple[LeftOut, ...] = ()

    @property
    def left_out_count(self) -> int:
        return sum(len(item.installations) for item in self.left_out)

    @property
    def reported(self) -> int:
        return sum(len(entries) for entries in self.by_supplier.values())


def build_report(
    installations: Sequence[Installation],
    entries: Sequence[ReportEntry],
    *,
    start: dt.date,
    calendar: WorkingDayCalendar = DEFAULT_CALENDAR,
    working_days: int = WORKING_DAYS,
    report_groups: frozenset[str] = IOC_GROUP_IDS,
    changes_before: dt.date | None = None,
    left_out: Sequence[LeftOut] = (),
) -> PinReport:
    """Group the entries by Installing Supplier, leaving out those outside ``report_groups``."""
    outside = [e for e in entries if e.installation.group_id not in report_groups]
    entries = [e for e in entries if e.installation.group_id in report_groups]
    all_left_out = list(left_out)
    if outside:
        groups = tuple(sorted({e.installation.group_id for e in outside}))
        all_left_out.insert(
            0,
            LeftOut(
                OUTSIDE_SCOPE,
                tuple(e.installation.installation_id for e in outside),
                f"GroupID {', '.join(groups)} is not in the report's scope "
                f"({', '.join(sorted(report_groups))}): the PIN fix is for IOC only "
                "(setting: --ioc-groups)",
                groups,
            ),
        )
    by_supplier: dict[str, list[ReportEntry]] = {}
    for entry in entries:
        by_supplier.setdefault(entry.installation.installing_supplier, []).append(entry)
    folded: dict[str, str] = {}
    for supplier in by_supplier:
        other = folded.setdefault(supplier.casefold(), supplier)
        if other != supplier:
            raise UserError(
                f"suppliers {other!r} and {supplier!r} differ only in case; "
                "their report files would collide"
            )
    return PinReport(
        start=start,
        deadline=calendar.add_working_days(start, working_days),
        calendar=calendar,
        installations=installations,
        by_supplier=dict(sorted(by_supplier.items())),
        report_groups=frozenset(report_groups),
        changes_before=changes_before,
        left_out=tuple(all_left_out),
    )


def _cut_off(
    changes: Sequence[ChangeRecord], changes_before: dt.date | None
) -> tuple[list[ChangeRecord], set[str]]:
    """The change rows recorded before the cut-off (midnight UTC starting ``changes_before``),
    and the change ids left out."""
    if changes_before is None:
        return list(changes), set()
    limit = dt.datetime.combine(changes_before, dt.time(), tzinfo=dt.UTC)
    late = {c.change_id for c in changes if c.recorded_at >= limit}
    return [c for c in changes if c.change_id not in late], late


def load_report(
    inventory_path: Path,
    changes_path: Path,
    *,
    start: dt.date,
    calendar: WorkingDayCalendar = DEFAULT_CALENDAR,
    report_groups: frozenset[str] = IOC_GROUP_IDS,
    known_group_ids: frozenset[str] | None = None,
    changes_before: dt.date | None = None,
) -> PinReport:
    """Read and check both inputs, then select and group the entries.

    A change (all its rows) whose first row is recorded at or after ``changes_before`` 00:00 UTC
    was made by the fixed tool and is not part of the one-time report."""
    known = known_group_ids if known_group_ids is not None else DEFAULT_RULES.known_group_ids
    installations = read_inventory(inventory_path, known_group_ids=known | report_groups)
    changes = read_changes(changes_path)
    every = select_entries(installations, changes, changes_path)
    kept, late = _cut_off(changes, changes_before)
    entries = select_entries(installations, kept, changes_path)
    left_out: list[LeftOut] = []
    if late:
        selected = {e.installation.installation_id for e in entries}
        dropped = tuple(
            e.installation.installation_id
            for e in every
            if e.installation.installation_id not in selected
            and e.installation.group_id in report_groups
        )
        if dropped:
            assert changes_before is not None
            left_out.append(
                LeftOut(
                    AFTER_CUT_OFF,
                    dropped,
                    f"the PIN was changed on or after the cut-off {changes_before.isoformat()} "
                    "(--changes-before): not one of the changes the one-time report covers",
                )
            )
    return build_report(
        installations,
        entries,
        start=start,
        calendar=calendar,
        report_groups=report_groups,
        changes_before=changes_before,
        left_out=left_out,
    )


def _entry_fields(entry: ReportEntry) -> dict[str, str | bool]:
    installation = entry.installation
    return {
        "installation_id": installation.installation_id,
        "device_eui64": installation.device_eui64,
        "migration_list": installation.status.value,
        "group_id": installation.group_id,
        "responsible_supplier": installation.responsible_supplier,
        "old_pin_default": entry.old_pin_default.value,
        "new_pin": entry.new_pin.reveal(),
        "pin_set_at": entry.pin_set_at.astimezone(dt.UTC).isoformat(),
        "pin_change_confirmed": entry.confirmed,
    }


def _supplier_csv(entries: Sequence[ReportEntry]) -> bytes:
    """The supplier's CSV file; it leaves the lab, so every cell is made spreadsheet-safe."""
    rows = []
    for entry in entries:
        fields = _entry_fields(entry)
        fields["pin_change_confirmed"] = "yes" if entry.confirmed else "no"
        rows.append([str(fields[name]) for name in SUPPLIER_COLUMNS])
    return safe_csv(SUPPLIER_COLUMNS, rows)


def _consent() -> dict[str, str]:
    return {
        "status": "deemed",
        "basis": CLAUSE,
        "statement": "the Responsible Supplier's consent to giving the PIN to the Installing "
        f"Supplier is deemed ({CLAUSE})",
    }


def _scope(report: PinReport) -> dict[str, object]:
    return {
        "covers": COVERS,
        "covers_source": "quoted from the consultation",
        "group_ids": sorted(report.report_groups),
        "group_ids_source": f"{SCOPE_SOURCE}; IOC is GroupID AA, BA, CA (TMAD 3.24); "
        "widened by the setting --ioc-groups",
        "changes_before": report.changes_before.isoformat() if report.changes_before else None,
        "changes_before_meaning": "changes recorded at or after 00:00 UTC of this date are left "
        "out (our setting: the date the fixed tool went live); null: no cut-off was given",
    }


def _supplier_json(report: PinReport, supplier: str, entries: Sequence[ReportEntry]) -> bytes:
    document = {
        "report": REPORT_KIND,
        "clause": CLAUSE,
        "scope": _scope(report),
        "installing_supplier": supplier,
        "deadline": report.deadline.isoformat(),
        "responsible_supplier_consent": _consent(),
        "installations": [_entry_fields(e) for e in entries],
    }
    return (json.dumps(document, indent=2, sort_keys=False) + "\n").encode("utf-8")


def _manifest(
    report: PinReport, files: dict[str, dict[str, dict[str, object]]], generated_at: dt.datetime
) -> bytes:
    lists = {
        kind.value: sum(1 for i in report.installations if i.status is kind)
        for kind in MigrationList
    }
    responsible: dict[str, int] = {}
    for entries in report.by_supplier.values():
        for entry in entries:
            name = entry.installation.responsible_supplier
            responsible[name] = responsible.get(name, 0) + 1
    document = {
        "report": REPORT_KIND,
        "clause": CLAUSE,
        "generated_at": generated_at.astimezone(dt.UTC).isoformat(),
        "start_date": report.start.isoformat(),
        "changes_before": report.changes_before.isoformat() if report.changes_before else None,
        "scope": _scope(report),
        "left_out": {
            "installations": report.left_out_count,
            "by_reason": [
                {
                    "reason": item.reason,
                    "installations": len(item.installations),
                    "installation_ids": list(item.installations),
                    "group_ids": list(item.group_ids),
                    "why": item.why,
                }
                for item in report.left_out
            ],
        },
        "working_days": WORKING_DAYS,
        "deadline": report.deadline.isoformat(),
        "calendar": report.calendar.describe(),
        "responsible_supplier_consent": {
            **_consent(),
            "responsible_suppliers": dict(sorted(responsible.items())),
        },
        "inventory": {"installations": len(report.installations), "by_list": lists},
        "totals": {
            "installations_reported": report.reported,
            "installing_suppliers": len(report.by_supplier),
            "unconfirmed_pin_changes": sum(
                1 for es in report.by_supplier.values() for e in es if not e.confirmed
            ),
        },
        "suppliers": {
            supplier: {
                "installations": len(entries),
                "files": files[supplier],
            }
            for supplier, entries in report.by_supplier.items()
        },
        "hash_note": "the supplier files hold PINs of few digits; their hashes can be reversed by "
        "trying every PIN, so this manifest is kept as private as the files",
    }
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def _write_private(path: Path, data: bytes) -> dict[str, object]:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        write_synced(fd, data)
    finally:
        os.close(fd)
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def _check_replaceable(out: Path, force: bool) -> None:
    if not out.exists() and not out.is_symlink():
        return
    if not out.is_dir() or out.is_symlink():
        raise UserError(f"{out} exists and is not a report directory")
    if not force:
        raise UserError(f"{out} already exists (use --force to replace it)")
    contents = list(out.iterdir())
    if not contents:
        return
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        is_report = manifest.get("report") == REPORT_KIND
    except (OSError, ValueError, AttributeError):
        is_report = False
    if not is_report:
        raise UserError(f"{out} is not an earlier PIN report; refusing to replace it")


def write_report(
    report: PinReport,
    out: Path,
    *,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> Path:
    """Write the report to ``out`` atomically; returns the manifest's path."""
    out = Path(out)
    _check_replaceable(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        os.chmod(staging, DIR_MODE)
        files: dict[str, dict[str, dict[str, object]]] = {}
        for supplier, entries in report.by_supplier.items():
            contents = {
                f"{supplier}.csv": _supplier_csv(entries),
                f"{supplier}.json": _supplier_json(report, supplier, entries),
            }
            files[supplier] = {
                name: _write_private(staging / name, data) for name, data in contents.items()
            }
            if progress is not None:
                progress(f"{supplier}: {len(entries)} installation(s)")
        _write_private(staging / MANIFEST, _manifest(report, files, clock()))
        fsync_dir(staging)
        _swap_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    fsync_dir(out.parent)
    return out / MANIFEST


def _swap_into_place(staging: Path, out: Path) -> None:
    if not out.exists():
        os.rename(staging, out)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
    os.rmdir(retired)
    os.rename(out, retired)
    try:
        os.rename(staging, out)
    except BaseException:
        os.rename(retired, out)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def issue_report(
    profile: str | ChangeSet,
    inventory_path: Path,
    changes_path: Path,
    out: Path,
    *,
    start: dt.date,
    calendar: WorkingDayCalendar = DEFAULT_CALENDAR,
    report_groups: frozenset[str] = IOC_GROUP_IDS,
    changes_before: dt.date | None = None,
) -> Path | None:
    """Issue the report as the DCC with these changes in force does: its directory, or None where
    it issues none. TMAD 3.25 comes with ``pin-keep``: without it (``baseline``) there is no
    report."""
    try:
        changes = ChangeSet.resolve(profile)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"unknown behaviour profile {profile!r}: {exc}") from None
    if Change.PIN_KEEP not in changes:
        return None
    report = load_report(
        inventory_path,
        changes_path,
        start=start,
        calendar=calendar,
        report_groups=report_groups,
        changes_before=changes_before,
    )
    write_report(report, out)
    return Path(out)

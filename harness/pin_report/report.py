"""The one-time TMAD 3.25 PIN report: one file pair per Installing Supplier, written atomically.

The report directory (mode 0700) holds ``<SUPPLIER>.csv`` and ``<SUPPLIER>.json`` for each
Installing Supplier with at least one reported installation, and ``manifest.json``; every file is
mode 0600. Everything is written into a temporary directory beside the target, synced, and renamed
into place, so a failure leaves no report directory (and, with ``force``, the old one intact).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.configtool.changes import read_changes
from harness.errors import UserError
from harness.evidence.files import fsync_dir, write_synced
from harness.migration import PROFILES, UPLIFT_1_2
from harness.pin_report.inventory import Installation, MigrationList, read_inventory
from harness.pin_report.selection import ReportEntry, select_entries
from harness.working_days import DEFAULT_CALENDAR, WorkingDayCalendar

REPORT_KIND = "smets1-engineering-menu-pin-report"
CLAUSE = "TMAD 3.25"
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
class PinReport:
    start: dt.date
    deadline: dt.date
    calendar: WorkingDayCalendar
    installations: Sequence[Installation]
    by_supplier: dict[str, list[ReportEntry]] = field(default_factory=dict)

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
) -> PinReport:
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
    )


def load_report(
    inventory_path: Path,
    changes_path: Path,
    *,
    start: dt.date,
    calendar: WorkingDayCalendar = DEFAULT_CALENDAR,
) -> PinReport:
    """Read and check both inputs, then select and group the entries."""
    installations = read_inventory(inventory_path)
    changes = read_changes(changes_path)
    entries = select_entries(installations, changes, changes_path)
    return build_report(installations, entries, start=start, calendar=calendar)


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
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUPPLIER_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        row = _entry_fields(entry)
        row["pin_change_confirmed"] = "yes" if entry.confirmed else "no"
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


def _consent() -> dict[str, str]:
    return {
        "status": "deemed",
        "basis": CLAUSE,
        "statement": "the Responsible Supplier's consent to giving the PIN to the Installing "
        f"Supplier is deemed ({CLAUSE})",
    }


def _supplier_json(report: PinReport, supplier: str, entries: Sequence[ReportEntry]) -> bytes:
    document = {
        "report": REPORT_KIND,
        "clause": CLAUSE,
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


PROFILES_WITH_REPORT = frozenset({UPLIFT_1_2})
"""TMAD 3.25 is new with Uplift 1.2: under the ``baseline`` profile the DCC issues no report."""


def issue_report(
    profile: str,
    inventory_path: Path,
    changes_path: Path,
    out: Path,
    *,
    start: dt.date,
    calendar: WorkingDayCalendar = DEFAULT_CALENDAR,
) -> Path | None:
    """Issue the report as the DCC of ``profile`` does: its directory, or None where it issues none."""
    if profile not in PROFILES:
        raise ValueError(f"unknown behaviour profile {profile!r}")
    if profile not in PROFILES_WITH_REPORT:
        return None
    write_report(load_report(inventory_path, changes_path, start=start, calendar=calendar), out)
    return Path(out)

"""The configuration changes file: the only place a new PIN is written.

A CSV file of mode 0600, appended to and synced row by row. Each change is recorded twice: a
``pending`` row before the device is told the new PIN (so a crash can never lose a PIN that may be
in force), then an ``applied`` or ``failed`` row with the same ``change_id``. A change whose device
did not answer stays ``pending``. Columns are documented in ``docs/configuration-tool.md``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from harness.changes import ChangeSet
from harness.configtool.pin import Pin
from harness.configtool.records import ChangeStatus, OldPinDefault, PinAction
from harness.csv_input import read_csv
from harness.errors import FileLineError
from rigs.eui64 import canonical_eui64

COLUMNS: tuple[str, ...] = (
    "change_id",
    "installation_id",
    "device_eui64",
    "recorded_at",
    "profile",
    "old_pin_default",
    "action",
    "status",
    "new_pin",
)
FILE_MODE = 0o600


class ChangesFileError(FileLineError):
    """A changes file that cannot be read; names the file and the line."""


@dataclass(frozen=True)
class ChangeRecord:
    change_id: str
    installation_id: str
    device_eui64: str
    recorded_at: dt.datetime
    profile: str
    old_pin_default: OldPinDefault
    action: PinAction
    status: ChangeStatus
    new_pin: Pin
    line: int = 0


class ChangesFile:
    """Appends change rows to a file of mode 0600 (tightened if it was wider)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def append(self, record: ChangeRecord) -> None:
        if not record.action.replaces:
            raise ValueError(f"only PIN replacements are changes, not {record.action.value}")
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        try:
            info = os.fstat(fd)
            if stat.S_IMODE(info.st_mode) != FILE_MODE:
                os.fchmod(fd, FILE_MODE)
            if info.st_size == 0:
                writer.writerow(COLUMNS)
            writer.writerow(
                [
                    record.change_id,
                    record.installation_id,
                    record.device_eui64,
                    _utc_iso(record.recorded_at),
                    record.profile,
                    record.old_pin_default.value,
                    record.action.value,
                    record.status.value,
                    record.new_pin.reveal(),
                ]
            )
            os.write(fd, buffer.getvalue().encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)


def _utc_iso(when: dt.datetime) -> str:
    if when.tzinfo is None:
        raise ValueError("change times must be timezone-aware")
    return when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def parse_timestamp(text: str) -> dt.datetime:
    """An ISO 8601 date-time with a time zone (``Z`` or an offset)."""
    when = dt.datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ValueError("time zone missing")
    return when


def read_changes(path: Path | str) -> list[ChangeRecord]:
    """Every row of a changes file, checked; raises :class:`ChangesFileError` at the first bad line."""
    path = Path(path)
    header, rows = read_csv(path, ChangesFileError)
    if tuple(header) != COLUMNS:
        raise ChangesFileError(path, 1, f"header must be: {','.join(COLUMNS)}")
    records: list[ChangeRecord] = []
    for line, row in rows:
        if len(row) != len(COLUMNS):
            raise ChangesFileError(path, line, f"expected {len(COLUMNS)} fields, found {len(row)}")
        records.append(_parse_row(path, line, dict(zip(COLUMNS, row, strict=True))))
    return records


def _parse_row(path: Path, line: int, row: dict[str, str]) -> ChangeRecord:
    def bad(message: str) -> ChangesFileError:
        return ChangesFileError(path, line, message)

    for name in ("change_id", "installation_id"):
        if not row[name].strip():
            raise bad(f"{name} is empty")
    try:
        device = canonical_eui64(row["device_eui64"])
    except ValueError:
        raise bad("device_eui64 is not an EUI-64 (16 hex digits)") from None
    try:
        recorded_at = parse_timestamp(row["recorded_at"])
    except ValueError:
        raise bad("recorded_at is not an ISO 8601 date-time with a time zone") from None
    try:
        ChangeSet.parse(row["profile"])
    except ValueError:
        raise bad(f"unknown profile {row['profile'][:40]!r}") from None
    try:
        old_default = OldPinDefault(row["old_pin_default"])
        action = PinAction(row["action"])
        status = ChangeStatus(row["status"])
    except ValueError as exc:
        raise bad(str(exc)) from None
    if not action.replaces:
        raise bad(f"action {action.value!r} is not a PIN replacement")
    try:
        new_pin = Pin(row["new_pin"])
    except ValueError as exc:
        raise bad(f"new_pin: {exc}") from None
    return ChangeRecord(
        change_id=row["change_id"],
        installation_id=row["installation_id"],
        device_eui64=device,
        recorded_at=recorded_at,
        profile=row["profile"],
        old_pin_default=old_default,
        action=action,
        status=status,
        new_pin=new_pin,
        line=line,
    )

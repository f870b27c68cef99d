"""Which installations go into the TMAD 3.25 PIN report, and with which PIN.

An installation is reported when a change of the configuration tool that may be in force replaced a
PIN not known to be a default (``old_pin_default`` "no" or "unknown"). The PIN reported is the one
set by the installation's latest change that may be in force (status ``applied``, or ``pending``:
recorded but never confirmed, so possibly in force); ``failed`` changes left the old PIN in place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.configtool.changes import ChangeRecord, ChangesFileError
from harness.configtool.pin import Pin
from harness.configtool.records import ChangeStatus, OldPinDefault
from harness.pin_report.inventory import Installation


@dataclass(frozen=True)
class ReportEntry:
    installation: Installation
    new_pin: Pin
    pin_set_at: dt.datetime
    confirmed: bool  # False: the change was recorded but the device never confirmed it
    old_pin_default: OldPinDefault  # of the change that first replaced a non-default PIN


@dataclass
class _Change:
    first: ChangeRecord
    status: ChangeStatus
    last_line: int


def select_entries(
    installations: Sequence[Installation],
    changes: Sequence[ChangeRecord],
    changes_path: Path,
) -> list[ReportEntry]:
    """The report's entries, in inventory order; rejects changes that do not fit the inventory."""
    by_id = {i.installation_id: i for i in installations}
    per_installation: dict[str, list[_Change]] = {}
    by_change: dict[str, _Change] = {}

    for row in changes:

        def bad(message: str, row: ChangeRecord = row) -> ChangesFileError:
            return ChangesFileError(changes_path, row.line, message)

        installation = by_id.get(row.installation_id)
        if installation is None:
            raise bad(f"change for unknown installation {row.installation_id[:40]!r}")
        if row.device_eui64 != installation.device_eui64:
            raise bad(
                f"device {row.device_eui64} is not the device of installation "
                f"{row.installation_id!r} in the inventory ({installation.device_eui64})"
            )
        known = by_change.get(row.change_id)
        if known is None:
            change = _Change(first=row, status=row.status, last_line=row.line)
            by_change[row.change_id] = change
            per_installation.setdefault(row.installation_id, []).append(change)
            continue
        first = known.first
        if (
            row.installation_id != first.installation_id
            or row.action is not first.action
            or row.old_pin_default is not first.old_pin_default
            or row.profile != first.profile
            or row.new_pin != first.new_pin
        ):
            raise bad(f"change {row.change_id!r} disagrees with its line {first.line}")
        if known.status is not ChangeStatus.PENDING:
            raise bad(
                f"change {row.change_id!r} was already {known.status.value} (line {known.last_line})"
            )
        known.status = row.status
        known.last_line = row.line

    entries: list[ReportEntry] = []
    for installation in installations:
        live = [
            c
            for c in per_installation.get(installation.installation_id, [])
            if c.status is not ChangeStatus.FAILED
        ]
        wrongful = [c for c in live if c.first.old_pin_default is not OldPinDefault.YES]
        if not wrongful:
            continue
        latest = live[-1]
        entries.append(
            ReportEntry(
                installation=installation,
                new_pin=latest.first.new_pin,
                pin_set_at=latest.first.recorded_at,
                confirmed=latest.status is ChangeStatus.APPLIED,
                old_pin_default=wrongful[0].first.old_pin_default,
            )
        )
    return entries

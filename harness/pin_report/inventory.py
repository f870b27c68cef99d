"""The migration inventory: the installations of the Dormant and Active migration lists (CSV).

Columns (a header row, in any order; further columns are ignored):
``installation_id, device_eui64, installing_supplier, responsible_supplier, status, group_id``.
Documented in ``docs/pin-report.md``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from harness.csv_input import read_csv
from harness.errors import FileLineError
from harness.migration import DEFAULT_RULES
from rigs.eui64 import canonical_eui64

COLUMNS: tuple[str, ...] = (
    "installation_id",
    "device_eui64",
    "installing_supplier",
    "responsible_supplier",
    "status",
    "group_id",
)
SUPPLIER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
"""A supplier id becomes a file name, so it is restricted to letters, digits, '_' and '-'."""
RESERVED_SUPPLIER_IDS = frozenset({"manifest"})
"""Supplier ids whose report files would collide with the report's own files (compared folded)."""


class InventoryError(FileLineError):
    """An inventory that cannot be used; names the file and the line."""


class MigrationList(str, enum.Enum):
    DORMANT = "Dormant"
    ACTIVE = "Active"


@dataclass(frozen=True)
class Installation:
    installation_id: str
    device_eui64: str
    installing_supplier: str
    responsible_supplier: str
    status: MigrationList
    group_id: str
    line: int = 0


def read_inventory(
    path: Path | str, *, known_group_ids: Collection[str] = DEFAULT_RULES.known_group_ids
) -> list[Installation]:
    """Every installation, checked; raises :class:`InventoryError` at the first bad line."""
    path = Path(path)
    first_row, rows = read_csv(path, InventoryError, encoding="utf-8-sig")
    header = [name.strip() for name in first_row]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise InventoryError(path, 1, f"missing column(s): {', '.join(missing)}")
    if len(set(header)) != len(header):
        raise InventoryError(path, 1, "a column name appears twice")
    index = {name: header.index(name) for name in COLUMNS}

    installations: list[Installation] = []
    seen_ids: dict[str, int] = {}
    seen_devices: dict[str, int] = {}
    for line, row in rows:
        if all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InventoryError(path, line, f"expected {len(header)} fields, found {len(row)}")
        fields = {name: row[i].strip() for name, i in index.items()}
        installation = _parse(path, line, fields, known_group_ids)
        if installation.installation_id in seen_ids:
            raise InventoryError(
                path,
                line,
                f"duplicate installation {installation.installation_id!r} "
                f"(first on line {seen_ids[installation.installation_id]})",
            )
        if installation.device_eui64 in seen_devices:
            raise InventoryError(
                path,
                line,
                f"device {installation.device_eui64} is already listed "
                f"(line {seen_devices[installation.device_eui64]})",
            )
        seen_ids[installation.installation_id] = line
        seen_devices[installation.device_eui64] = line
        installations.append(installation)
    return installations


def _parse(
    path: Path, line: int, fields: dict[str, str], known_group_ids: Collection[str]
) -> Installation:
    def bad(message: str) -> InventoryError:
        return InventoryError(path, line, message)

    if not fields["installation_id"]:
        raise bad("installation_id is empty")
    try:
        device = canonical_eui64(fields["device_eui64"])
    except ValueError:
        raise bad("device_eui64 is not an EUI-64 (16 hex digits)") from None
    for role in ("installing_supplier", "responsible_supplier"):
        value = fields[role]
        if not value:
            raise bad(f"{role} is missing")
        if not SUPPLIER_ID.fullmatch(value):
            raise bad(f"{role} {value[:40]!r} is not a supplier id (letters, digits, '_', '-')")
        if value.casefold() in RESERVED_SUPPLIER_IDS:
            raise bad(f"{role} {value!r} is reserved (its report file would be the manifest's)")
    status_text = fields["status"]
    status = next((s for s in MigrationList if s.value.casefold() == status_text.casefold()), None)
    if status is None:
        raise bad(f"unknown status {status_text[:40]!r} (expected Dormant or Active)")
    if fields["group_id"] not in known_group_ids:
        raise bad(f"unknown GroupID {fields['group_id'][:40]!r}")
    return Installation(
        installation_id=fields["installation_id"],
        device_eui64=device,
        installing_supplier=fields["installing_supplier"],
        responsible_supplier=fields["responsible_supplier"],
        status=status,
        group_id=fields["group_id"],
        line=line,
    )

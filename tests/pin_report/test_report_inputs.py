"""Reading the migration inventory and the changes file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from report_inputs import INSTALLATIONS, write_inventory

from harness.configtool import (
    ChangeRecord,
    ChangesFile,
    ChangesFileError,
    ChangeStatus,
    OldPinDefault,
    Pin,
    PinAction,
    read_changes,
)
from harness.pin_report import InventoryError, MigrationList, read_inventory


def test_inventory_columns_in_any_order_with_extras_and_bom(tmp_path: Path) -> None:
    header = [
        "status",
        "mprn",
        "group_id",
        "installation_id",
        "responsible_supplier",
        "installing_supplier",
        "device_eui64",
    ]
    rows = [["dormant", "0007654321", "AA", "INST-1", "RESX", "SUPA", "00:12:4b:00:00:00:a0:01"]]
    path = write_inventory(tmp_path / "inv.csv", rows, header)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    (installation,) = read_inventory(path)
    assert installation.status is MigrationList.DORMANT
    assert installation.device_eui64 == "00124B000000A001"
    assert installation.installing_supplier == "SUPA" and installation.line == 2


def test_inventory_errors_name_file_and_line(tmp_path: Path) -> None:
    rows = [list(r[:6]) for r in INSTALLATIONS]
    rows[2] = rows[2][:5]
    path = write_inventory(tmp_path / "inv.csv", rows)
    with pytest.raises(InventoryError) as info:
        read_inventory(path)
    assert info.value.path == path and info.value.line == 4
    assert "expected 6 fields" in str(info.value)


def test_inventory_that_is_missing_or_empty(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="cannot read"):
        read_inventory(tmp_path / "absent.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(InventoryError, match="empty file"):
        read_inventory(tmp_path / "empty.csv")


def record(
    status: ChangeStatus, action: PinAction = PinAction.REPLACED_NON_DEFAULT
) -> ChangeRecord:
    return ChangeRecord(
        change_id="c1",
        installation_id="INST-1",
        device_eui64="00124B000000A001",
        recorded_at=dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        profile="baseline",
        old_pin_default=OldPinDefault.NO,
        action=action,
        status=status,
        new_pin=Pin("6672"),
    )


def test_changes_round_trip(tmp_path: Path) -> None:
    changes = ChangesFile(tmp_path / "changes.csv")
    changes.append(record(ChangeStatus.PENDING))
    changes.append(record(ChangeStatus.APPLIED))
    text = (tmp_path / "changes.csv").read_text()
    assert text.splitlines()[0].startswith("change_id,installation_id,device_eui64")
    assert "2026-11-02T08:30:00Z" in text  # written in UTC
    rows = read_changes(tmp_path / "changes.csv")
    assert [r.status for r in rows] == [ChangeStatus.PENDING, ChangeStatus.APPLIED]
    assert rows[1].new_pin == Pin("6672") and rows[1].line == 3
    assert rows[0].recorded_at == record(ChangeStatus.PENDING).recorded_at


def test_changes_file_takes_replacements_only(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        ChangesFile(tmp_path / "c.csv").append(record(ChangeStatus.APPLIED, PinAction.KEPT))
    assert not (tmp_path / "c.csv").exists()


def test_changes_with_wrong_header(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("installation_id,new_pin\nINST-1,6672\n")
    with pytest.raises(ChangesFileError) as info:
        read_changes(tmp_path / "c.csv")
    assert info.value.line == 1 and "6672" not in str(info.value)

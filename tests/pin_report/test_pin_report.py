"""The TMAD 3.25 PIN report: selection, per-supplier files, permissions, atomicity, bad input."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from inprocess_gsme import EmulatedGsmeRig, GsmeState
from report_inputs import FIXED_TIME, INSTALLATIONS, write_inventory

import harness.pin_report.report as report_module
from harness.cli import main
from harness.configtool import (
    AuditLog,
    ChangesFile,
    ConfigurationTarget,
    ConfigurationTool,
    read_changes,
)
from harness.migration import BASELINE, UPLIFT_1_2


async def run_tool(tmp_path: Path, profile: str) -> tuple[Path, Path, object]:
    rig = EmulatedGsmeRig()
    for _, device, *_rest, pin in INSTALLATIONS:
        rig.add(device, GsmeState(pin=pin))
    changes = tmp_path / "changes.csv"
    tool = ConfigurationTool(
        rig,
        profile=profile,
        audit=AuditLog(tmp_path / "audit.jsonl"),
        changes=ChangesFile(changes),
        clock=lambda: FIXED_TIME,
    )
    await tool.configure_all(
        ConfigurationTarget(inst, device, supplier) for inst, device, supplier, *_ in INSTALLATIONS
    )
    inventory = write_inventory(tmp_path / "inventory.csv", [row[:6] for row in INSTALLATIONS])
    return inventory, changes, rig


def cli(inventory: Path, changes: Path, out: Path, *extra: str, start: str = "2026-12-21") -> int:
    return main(
        [
            "pin-report",
            "--inventory",
            str(inventory),
            "--changes",
            str(changes),
            "--start",
            start,
            "--out",
            str(out),
            *extra,
        ]
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_baseline_report_per_supplier(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory, changes, rig = await run_tool(tmp_path, BASELINE)
    out = tmp_path / "report"
    assert cli(inventory, changes, out) == 0

    assert mode(out) == 0o700
    names = sorted(p.name for p in out.iterdir())
    # SUPC's only installation had a default PIN: no wrongful change, no file.
    assert names == ["SUPA.csv", "SUPA.json", "SUPB.csv", "SUPB.json", "manifest.json"]
    assert all(mode(out / name) == 0o600 for name in names)

    current = {device: state.pin for device, state in rig.devices.items()}  # type: ignore[attr-defined]
    with (out / "SUPA.csv").open(newline="") as handle:
        supa = list(csv.DictReader(handle))
    assert [r["installation_id"] for r in supa] == ["INST-A1", "INST-A3"]  # A2 had 1234
    for row in supa:
        assert row["new_pin"] == current[row["device_eui64"]]
        assert row["pin_change_confirmed"] == "yes" and row["old_pin_default"] == "no"
    assert {r["migration_list"] for r in supa} == {"Active", "Dormant"}
    supb = json.loads((out / "SUPB.json").read_text())
    assert supb["installing_supplier"] == "SUPB"
    assert [i["installation_id"] for i in supb["installations"]] == ["INST-B1"]
    assert supb["installations"][0]["new_pin"] == current["00124B000000B001"]
    assert supb["responsible_supplier_consent"]["status"] == "deemed"
    assert supb["deadline"] == "2027-02-04"

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["clause"] == "TMAD 3.25"
    assert manifest["start_date"] == "2026-12-21" and manifest["deadline"] == "2027-02-04"
    assert manifest["working_days"] == 30
    assert manifest["responsible_supplier_consent"]["status"] == "deemed"
    assert manifest["responsible_supplier_consent"]["basis"] == "TMAD 3.25"
    assert manifest["responsible_supplier_consent"]["responsible_suppliers"] == {
        "RESX": 2,
        "SUPA": 1,
    }
    assert manifest["totals"]["installations_reported"] == 3
    assert manifest["inventory"] == {"installations": 5, "by_list": {"Dormant": 2, "Active": 3}}
    assert manifest["suppliers"]["SUPA"]["installations"] == 2
    for supplier, entry in manifest["suppliers"].items():
        for name, facts in entry["files"].items():
            data = (out / name).read_bytes()
            assert name.startswith(supplier)
            assert facts == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}

    captured = capsys.readouterr()
    assert "2027-02-04" in captured.out and "3 installation(s)" in captured.out
    for pin in set(current.values()):
        assert pin not in captured.out + captured.err
    assert not list(tmp_path.glob(".report.*"))  # no staging left behind


async def test_each_supplier_file_holds_only_its_own_installations(tmp_path: Path) -> None:
    inventory, changes, _ = await run_tool(tmp_path, BASELINE)
    out = tmp_path / "report"
    assert cli(inventory, changes, out) == 0
    supplier_of = {inst: supplier for inst, _, supplier, *_ in INSTALLATIONS}
    for path in out.glob("*.json"):
        if path.name == "manifest.json":
            continue
        document = json.loads(path.read_text())
        ids = [i["installation_id"] for i in document["installations"]]
        assert ids and all(supplier_of[i] == path.stem for i in ids)
        with (out / f"{path.stem}.csv").open(newline="") as handle:
            assert [r["installation_id"] for r in csv.DictReader(handle)] == ids


async def test_uplift_run_reports_nothing(tmp_path: Path) -> None:
    inventory, changes, _ = await run_tool(tmp_path, UPLIFT_1_2)
    assert {r.action.value for r in read_changes(changes)} == {"replaced-default"}
    out = tmp_path / "report"
    assert cli(inventory, changes, out) == 0
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["totals"]["installations_reported"] == 0 and manifest["suppliers"] == {}


def write_changes(path: Path, rows: list[list[str]]) -> Path:
    header = "change_id,installation_id,device_eui64,recorded_at,profile,old_pin_default,action,status,new_pin"
    path.write_text(header + "\n" + "".join(",".join(r) + "\n" for r in rows))
    return path


def change_row(
    change_id: str,
    inst: str = "INST-A1",
    device: str = "00124B000000A001",
    when: str = "2026-11-02T09:30:00Z",
    old: str = "no",
    action: str = "replaced-non-default",
    status: str = "applied",
    pin: str = "6672",
) -> list[str]:
    return [change_id, inst, device, when, "baseline", old, action, status, pin]


def test_pending_changes_are_reported_unconfirmed_and_failed_ones_not(tmp_path: Path) -> None:
    inventory = write_inventory(tmp_path / "inventory.csv", [row[:6] for row in INSTALLATIONS])
    changes = write_changes(
        tmp_path / "changes.csv",
        [
            change_row("c1", status="pending", pin="6672"),
            change_row("c1", status="applied", pin="6672"),
            change_row(
                "c2", inst="INST-B1", device="00124B000000B001", status="pending", pin="3318"
            ),
            change_row(
                "c3", inst="INST-A3", device="00124B000000A003", status="pending", pin="2419"
            ),
            change_row(
                "c3", inst="INST-A3", device="00124B000000A003", status="failed", pin="2419"
            ),
            # A later default replacement on A1 sets the PIN in force; A1 stays reported.
            change_row("c4", old="yes", action="replaced-default", status="applied", pin="8051"),
        ],
    )
    out = tmp_path / "report"
    assert cli(inventory, changes, out) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["totals"] == {
        "installations_reported": 2,
        "installing_suppliers": 2,
        "unconfirmed_pin_changes": 1,
    }
    supa = json.loads((out / "SUPA.json").read_text())["installations"]
    assert [(i["installation_id"], i["new_pin"]) for i in supa] == [("INST-A1", "8051")]
    supb = json.loads((out / "SUPB.json").read_text())["installations"]
    assert supb[0]["new_pin"] == "3318" and supb[0]["pin_change_confirmed"] is False


INVENTORY_OK = [list(row[:6]) for row in INSTALLATIONS]


def with_row(index: int, column: int, value: str) -> list[list[str]]:
    rows = [list(r) for r in INVENTORY_OK]
    rows[index][column] = value
    return rows


@pytest.mark.parametrize(
    ("rows", "line", "words"),
    [
        (with_row(1, 4, "Migrated"), 3, "unknown status"),
        (with_row(2, 2, ""), 4, "installing_supplier is missing"),
        (with_row(0, 3, ""), 2, "responsible_supplier is missing"),
        (with_row(3, 2, "../etc"), 5, "not a supplier id"),
        (with_row(3, 0, "INST-A1"), 5, "duplicate installation"),
        (with_row(3, 1, "00124B000000A001"), 5, "already listed"),
        (with_row(4, 1, "00124B00000C001"), 6, "not an EUI-64"),
        (with_row(4, 5, "ZZ"), 6, "unknown GroupID"),
    ],
)
def test_bad_inventory_is_rejected_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: list[list[str]], line: int, words: str
) -> None:
    inventory = write_inventory(tmp_path / "inventory.csv", rows)
    changes = write_changes(tmp_path / "changes.csv", [])
    out = tmp_path / "report"
    assert cli(inventory, changes, out) == 2
    err = capsys.readouterr().err
    assert err.startswith("smets1-hil: error: ") and err.count("\n") == 1
    assert f"{inventory}:{line}:" in err and words in err
    assert not out.exists()


def test_inventory_missing_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header = ("installation_id", "device_eui64", "installing_supplier", "status", "group_id")
    rows = [[r[0], r[1], r[2], r[4], r[5]] for r in INVENTORY_OK]
    inventory = write_inventory(tmp_path / "inventory.csv", rows, header)
    assert cli(inventory, write_changes(tmp_path / "c.csv", []), tmp_path / "out") == 2
    assert "responsible_supplier" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("row", "words"),
    [
        (change_row("c1", when="2026-13-02T09:30:00Z"), "recorded_at"),
        (change_row("c1", when="2026-11-02T09:30:00"), "time zone"),
        (change_row("c1", inst="INST-ZZ"), "unknown installation"),
        (change_row("c1", device="00124B000000B001"), "is not the device"),
        (change_row("c1", status="done"), "ChangeStatus"),
        (change_row("c1", pin="12x4"), "new_pin"),
    ],
)
def test_bad_changes_are_rejected_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], row: list[str], words: str
) -> None:
    inventory = write_inventory(tmp_path / "inventory.csv", INVENTORY_OK)
    changes = write_changes(tmp_path / "changes.csv", [change_row("c0"), row])
    out = tmp_path / "report"
    assert cli(inventory, changes, out) == 2
    err = capsys.readouterr().err
    assert f"{changes}:3:" in err and words in err
    assert "12x4" not in err and "6672" not in err  # PIN values are never quoted
    assert not out.exists()


def test_change_status_after_a_final_one_is_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory = write_inventory(tmp_path / "inventory.csv", INVENTORY_OK)
    changes = write_changes(
        tmp_path / "changes.csv", [change_row("c1"), change_row("c1", status="failed")]
    )
    assert cli(inventory, changes, tmp_path / "out") == 2
    assert "already applied" in capsys.readouterr().err


@pytest.mark.parametrize("start", ["2026-02-30", "21/12/2026", "2026-1-5", "tomorrow"])
def test_malformed_start_date(
    tmp_path: Path, start: str, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory = write_inventory(tmp_path / "inventory.csv", INVENTORY_OK)
    with pytest.raises(SystemExit) as info:
        cli(inventory, write_changes(tmp_path / "c.csv", []), tmp_path / "out", start=start)
    assert info.value.code == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_existing_report_needs_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inventory = write_inventory(tmp_path / "inventory.csv", INVENTORY_OK)
    changes = write_changes(tmp_path / "changes.csv", [change_row("c1")])
    out = tmp_path / "report"
    assert cli(inventory, changes, out) == 0
    first = (out / "SUPA.csv").read_bytes()
    assert cli(inventory, changes, out, start="2027-03-19") == 2
    assert "--force" in capsys.readouterr().err
    assert (out / "SUPA.csv").read_bytes() == first
    assert cli(inventory, changes, out, "--force", start="2027-03-19") == 0
    assert json.loads((out / "manifest.json").read_text())["deadline"] == "2027-05-05"
    assert mode(out) == 0o700
    assert sorted(p.name for p in tmp_path.iterdir()) == ["changes.csv", "inventory.csv", "report"]


def test_force_never_replaces_a_directory_that_is_not_a_report(tmp_path: Path) -> None:
    inventory = write_inventory(tmp_path / "inventory.csv", INVENTORY_OK)
    changes = write_changes(tmp_path / "changes.csv", [change_row("c1")])
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.txt").write_text("keep me")
    assert cli(inventory, changes, out, "--force") == 2
    assert (out / "thesis.txt").read_text() == "keep me"


def test_failure_mid_way_leaves_no_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inventory = write_inventory(tmp_path / "inventory.csv", INVENTORY_OK)
    changes = write_changes(
        tmp_path / "changes.csv",
        [change_row("c1"), change_row("c2", inst="INST-B1", device="00124B000000B001")],
    )
    real = report_module._write_private
    calls = []

    def failing(path: Path, data: bytes) -> dict[str, object]:
        calls.append(path.name)
        if len(calls) == 3:  # SUPA.csv, SUPA.json written; SUPB.csv fails
            raise OSError(28, "No space left on device")
        return real(path, data)

    monkeypatch.setattr(report_module, "_write_private", failing)
    out = tmp_path / "report"
    assert cli(inventory, changes, out) == 2
    assert calls == ["SUPA.csv", "SUPA.json", "SUPB.csv"]
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["changes.csv", "inventory.csv"]


def test_failed_swap_keeps_the_old_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inventory = write_inventory(tmp_path / "inventory.csv", INVENTORY_OK)
    changes = write_changes(tmp_path / "changes.csv", [change_row("c1")])
    out = tmp_path / "report"
    assert cli(inventory, changes, out) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real_rename = os.rename

    def rename(src: object, dst: object) -> None:
        if Path(str(dst)) == out and str(src).endswith(".partial"):
            raise OSError(5, "Input/output error")
        real_rename(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "rename", rename)
    assert cli(inventory, changes, out, "--force", start="2027-03-19") == 2
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["changes.csv", "inventory.csv", "report"]


async def test_issue_report_follows_the_profile(tmp_path: Path) -> None:
    """The DCC issues the TMAD 3.25 report under uplift-1.2 only; the clause is new with it."""
    inventory, changes, _rig = await run_tool(tmp_path, BASELINE)
    start = dt.date(2026, 12, 21)
    issued = report_module.issue_report(
        UPLIFT_1_2, inventory, changes, tmp_path / "uplift", start=start
    )
    assert issued == tmp_path / "uplift"
    assert (issued / "SUPA.csv").is_file()
    assert (
        report_module.issue_report(BASELINE, inventory, changes, tmp_path / "baseline", start=start)
        is None
    )
    assert not (tmp_path / "baseline").exists()
    with pytest.raises(ValueError, match="unknown behaviour profile"):
        report_module.issue_report("uplift-9", inventory, changes, tmp_path / "x", start=start)

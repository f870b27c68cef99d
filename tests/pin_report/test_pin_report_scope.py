"""The report's scope: IOC installations only (a setting widens it), a one-time cut-off, and a
manifest that says what was left out and why. The configuration tool leaves MOC alone."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from inprocess_gsme import EmulatedGsmeRig, GsmeState
from report_inputs import INVENTORY_HEADER, write_inventory

from harness.cli import main
from harness.configtool import AuditLog, ChangesFile, ConfigurationTarget, ConfigurationTool
from harness.configtool.records import PinAction

WHEN = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 12, 5, 8, 0, tzinfo=dt.UTC)
# (installation, device, group, PIN the installing engineer set, when the old tool ran)
ROWS = (
    ("INST-IOC", "00124B000000A001", "AA", "4827", WHEN),
    ("INST-MOC", "00124B000000A002", "MA", "5160", WHEN),
    ("INST-LATE", "00124B000000A003", "BA", "7391", LATER),
    ("INST-XX", "00124B000000A004", "XA", "6203", WHEN),
)


def fixed(when: dt.datetime) -> Callable[[], dt.datetime]:
    return lambda: when


async def old_tool_changes(tmp_path: Path) -> Path:
    """The pre-fix tool (no changes in force) as if it had run on every installation."""
    changes = tmp_path / "changes.csv"
    for installation, device, _group, pin, when in ROWS:
        rig = EmulatedGsmeRig()
        rig.add(device, GsmeState(pin=pin))
        tool = ConfigurationTool(
            rig,
            profile="baseline",
            audit=AuditLog(tmp_path / "audit.jsonl"),
            changes=ChangesFile(changes),
            clock=fixed(when),
        )
        outcome = await tool.configure(ConfigurationTarget(installation, device, "SUPA"))
        assert outcome.action is PinAction.REPLACED_NON_DEFAULT
    return changes


def inventory(tmp_path: Path) -> Path:
    return write_inventory(
        tmp_path / "inventory.csv",
        [[i, d, "SUPA", "RESX", "Active", g] for i, d, g, *_ in ROWS],
        INVENTORY_HEADER,
    )


def report(tmp_path: Path, *extra: str) -> tuple[int, dict[str, object], str]:
    out = tmp_path / "report"
    code = main(
        [
            "pin-report",
            "--inventory",
            str(inventory(tmp_path)),
            "--changes",
            str(tmp_path / "changes.csv"),
            "--start",
            "2026-12-21",
            "--out",
            str(out),
            "--known-groups",
            "XA",
            *extra,
        ]
    )
    manifest = json.loads((out / "manifest.json").read_text()) if code == 0 else {}
    reported = (out / "SUPA.csv").read_text() if (out / "SUPA.csv").exists() else ""
    return code, manifest, reported


async def test_moc_installation_is_left_out_and_the_manifest_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await old_tool_changes(tmp_path)
    code, manifest, reported = report(tmp_path)
    assert code == 0
    assert "INST-IOC" in reported and "INST-LATE" in reported
    assert "INST-MOC" not in reported and "INST-XX" not in reported
    left_out = manifest["left_out"]
    assert isinstance(left_out, dict)
    assert left_out["installations"] == 2
    (outside,) = left_out["by_reason"]
    assert outside["reason"] == "outside-scope"
    assert outside["installation_ids"] == ["INST-MOC", "INST-XX"]
    assert outside["group_ids"] == ["MA", "XA"]
    assert "IOC only" in outside["why"]
    scope = manifest["scope"]
    assert isinstance(scope, dict)
    assert (
        scope["covers"] == "Dormant and Active EPCL entries where the PIN was incorrectly changed"
    )
    assert scope["group_ids"] == ["AA", "BA", "CA"]
    assert manifest["changes_before"] is None
    out = capsys.readouterr()
    assert "left out: 2 installation(s)" in out.out
    assert "no --changes-before" in out.err


async def test_ioc_groups_setting_widens_the_scope(tmp_path: Path) -> None:
    await old_tool_changes(tmp_path)
    code, manifest, reported = report(tmp_path, "--ioc-groups", "XA")
    assert code == 0
    assert "INST-XX" in reported and "INST-MOC" not in reported
    scope = manifest["scope"]
    assert isinstance(scope, dict) and scope["group_ids"] == ["AA", "BA", "CA", "XA"]


async def test_cut_off_leaves_out_later_changes_and_is_recorded(tmp_path: Path) -> None:
    await old_tool_changes(tmp_path)
    code, manifest, reported = report(tmp_path, "--changes-before", "2026-12-01")
    assert code == 0
    assert "INST-IOC" in reported and "INST-LATE" not in reported
    assert manifest["changes_before"] == "2026-12-01"
    left_out = manifest["left_out"]
    assert isinstance(left_out, dict)
    reasons = {item["reason"]: item["installation_ids"] for item in left_out["by_reason"]}
    assert reasons == {
        "outside-scope": ["INST-MOC", "INST-XX"],
        "changed-on-or-after-cut-off": ["INST-LATE"],
    }


def test_bad_group_list_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                "pin-report",
                "--inventory",
                "i",
                "--changes",
                "c",
                "--start",
                "2026-12-21",
                "--out",
                str(tmp_path / "r"),
                "--ioc-groups",
                "A1",
            ]
        )
    assert exit_info.value.code == 2
    assert "GroupID" in capsys.readouterr().err


async def test_configuration_tool_leaves_moc_alone(tmp_path: Path) -> None:
    """The fix is for IOC only: with pin-keep in force or not, a MOC installation is not touched
    (not counted as kept by the fix); the scope is a setting."""
    for profile in ("uplift-1.2", "baseline"):
        rig = EmulatedGsmeRig()
        rig.add("00124B000000A002", GsmeState(pin="1234"))
        tool = ConfigurationTool(
            rig,
            profile=profile,
            audit=AuditLog(tmp_path / "audit.jsonl"),
            changes=ChangesFile(tmp_path / f"changes-{profile}.csv"),
            clock=lambda: WHEN,
        )
        target = ConfigurationTarget("INST-MOC", "00124B000000A002", "SUPA", group_id="MA")
        outcome = await tool.configure(target)
        assert outcome.action is PinAction.OUT_OF_SCOPE
        assert rig.devices["00124B000000A002"].pin == "1234"
        assert not (tmp_path / f"changes-{profile}.csv").exists()
    widened = ConfigurationTool(
        rig,
        profile="uplift-1.2",
        audit=AuditLog(tmp_path / "audit.jsonl"),
        changes=ChangesFile(tmp_path / "changes-widened.csv"),
        clock=lambda: WHEN,
        scope_groups=frozenset({"AA", "BA", "CA", "MA"}),
    )
    assert (await widened.configure(target)).action is PinAction.REPLACED_DEFAULT
    records = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [r["action"] for r in records][:2] == ["out-of-scope", "out-of-scope"]
    assert "IOC only" in records[0]["note"]

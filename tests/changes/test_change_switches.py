"""Each Uplift 1.2 change alone flips its own requirements and no other (in-process probes of the
model's pieces; ``tests/suite`` shows the same through a real ``smets1-hil run --changes``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from inprocess_gsme import EmulatedGsmeRig, GsmeState

from harness.changes import CHANGE_REQUIREMENTS, Change, ChangeSet
from harness.configtool import AuditLog, ChangesFile, ConfigurationTarget, ConfigurationTool
from harness.configtool.records import PinAction
from harness.dcc import Cohort, target_allowed
from harness.duis import ServiceReference
from harness.evidence.requirements import UPLIFT_IDS
from harness.migration import MprnError, validate_mprn
from harness.pin_report import INVENTORY_COLUMNS, issue_report
from rigs.operations import DeviceRole

DEVICE = "00124B000000A001"
ENGINEER_PIN = "4827"
WHEN = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)


def ppmid_accepted(reference: ServiceReference) -> Callable[[ChangeSet, Path], Any]:
    def probe(changes: ChangeSet, _: Path) -> bool:
        return all(
            target_allowed(changes, reference, DeviceRole.PPMID, cohort) for cohort in Cohort
        )

    return probe


def mprn_leading_zeros_disregarded(changes: ChangeSet, _: Path) -> bool:
    try:
        return validate_mprn("0007654321", "AA", changes) == "7654321"
    except MprnError:
        return False


async def configure(changes: ChangeSet, work: Path, pin: str) -> tuple[PinAction, Path]:
    rig = EmulatedGsmeRig()
    rig.add(DEVICE, GsmeState(pin=pin))
    changes_file = work / f"changes-{changes.name}-{pin}.csv"
    tool = ConfigurationTool(
        rig,
        profile=changes,
        audit=AuditLog(work / "audit.jsonl"),
        changes=ChangesFile(changes_file),
        clock=lambda: WHEN,
    )
    outcome = await tool.configure(ConfigurationTarget("INST-1", DEVICE, "SUPA", group_id="AA"))
    return outcome.action, changes_file


async def non_default_pin_kept(changes: ChangeSet, work: Path) -> bool:
    action, _ = await configure(changes, work, ENGINEER_PIN)
    return action is PinAction.KEPT


async def wrongly_changed_pin_reported(changes: ChangeSet, work: Path) -> bool:
    """The old tool changed a non-default PIN; does the DCC with these changes report it?"""
    _, changes_file = await configure(ChangeSet.NONE, work, ENGINEER_PIN)
    inventory = work / "inventory.csv"
    inventory.write_text(
        ",".join(INVENTORY_COLUMNS) + f"\nINST-1,{DEVICE},SUPA,RESX,Active,AA\n", encoding="utf-8"
    )
    out = work / f"report-{changes.name}"
    issued = issue_report(changes, inventory, changes_file, out, start=WHEN.date())
    return issued is not None and (out / "SUPA.csv").is_file()


PROBES: dict[str, Callable[[ChangeSet, Path], Any]] = {
    "U12-FW-11.1": ppmid_accepted(ServiceReference.UPDATE_FIRMWARE),
    "U12-FW-11.2": ppmid_accepted(ServiceReference.READ_FIRMWARE_VERSION),
    "U12-FW-11.3": ppmid_accepted(ServiceReference.ACTIVATE_FIRMWARE),
    "U12-MPRN": mprn_leading_zeros_disregarded,
    "U12-PIN-KEEP": non_default_pin_kept,
    "U12-PIN-REPORT": wrongly_changed_pin_reported,
}


async def holds(requirement: str, changes: ChangeSet, work: Path) -> bool:
    result = PROBES[requirement](changes, work)
    if isinstance(result, Coroutine):
        result = await result
    return bool(result)


def test_every_uplift_requirement_belongs_to_exactly_one_change() -> None:
    owned = [r for requirements in CHANGE_REQUIREMENTS.values() for r in requirements]
    assert sorted(owned) == sorted(UPLIFT_IDS) == sorted(PROBES)


@pytest.mark.parametrize(
    "changes",
    [ChangeSet.NONE, *(ChangeSet.of([c]) for c in Change), ChangeSet.ALL],
    ids=lambda c: c.name,
)
async def test_each_change_flips_only_its_own_requirements(
    changes: ChangeSet, tmp_path: Path
) -> None:
    outcome = {r: await holds(r, changes, tmp_path) for r in UPLIFT_IDS}
    expected = {r: r in changes.requirements_in_force() for r in UPLIFT_IDS}
    assert outcome == expected


def test_names_and_parsing() -> None:
    assert ChangeSet.parse("uplift-1.2") == ChangeSet.ALL
    assert ChangeSet.parse("baseline") == ChangeSet.NONE
    both = ChangeSet.parse(" pin-keep , mprn-leading-zeros ")
    assert both.name == "mprn-leading-zeros,pin-keep" and ChangeSet.parse(both.name) == both
    assert ChangeSet.parse("ppmid-firmware,mprn-leading-zeros,pin-keep").name == "uplift-1.2"
    for bad in ("", "pin-keep,", "pin-report", "uplift"):
        with pytest.raises(ValueError, match="changes: ppmid-firmware, mprn-leading-zeros"):
            ChangeSet.parse(bad)

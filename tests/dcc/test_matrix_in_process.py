"""The processor matrix against the in-process emulated rig (every row)."""

from __future__ import annotations

from typing import Any

import pytest
from dcc_matrix import ROWS, Outcome, check_profiles_differ_only_on_ppmid, expected, row_id, run_row
from dcc_scenario import MODELS, START, device_id
from in_process_rig import InProcessRig, SettableClock

from harness.changes import ChangeSet
from harness.dcc import Cohort
from harness.duis import ServiceReference
from rigs.capabilities import Firmware, Identity, Pin, PinChange, SiteId
from rigs.operations import DeviceRole


def make_rig() -> tuple[InProcessRig, SettableClock]:
    clock = SettableClock(START)
    rig = InProcessRig(clock)
    for role, model in MODELS.items():
        rig.add_device(
            device_id(role, Cohort.IOC),
            role,
            manufacturer_code=model.manufacturer_code,
            image_type=model.image_type,
            hardware_version=model.hardware_version,
            running_version=0x00000100,
            running_build="00000100",
        )
    return rig, clock


def test_in_process_rig_is_a_rig() -> None:
    rig, _ = make_rig()
    for capability in (Identity, Firmware, Pin, PinChange, SiteId):
        assert isinstance(rig, capability), capability.__name__


@pytest.mark.parametrize("row", ROWS, ids=row_id)
async def test_matrix_row(
    row: tuple[ServiceReference, DeviceRole, ChangeSet, Cohort], duis_schema: Any
) -> None:
    reference, role, profile, cohort = row
    rig, clock = make_rig()
    ieee = device_id(role, Cohort.IOC).replace("-", "")
    outcome = await run_row(rig, ieee, reference, profile, cohort, clock=clock, schema=duis_schema)
    assert outcome == expected(reference, role, profile)


async def test_profiles_differ_exactly_on_ppmid_rows() -> None:
    outcomes: dict[tuple[Any, ...], Outcome] = {}
    for row in ROWS:
        reference, role, profile, cohort = row
        rig, clock = make_rig()
        ieee = device_id(role, Cohort.IOC).replace("-", "")
        outcomes[row] = await run_row(rig, ieee, reference, profile, cohort, clock=clock)
    assert len(outcomes) == 3 * 3 * 2 * 3
    check_profiles_differ_only_on_ppmid(outcomes)

"""The processor matrix through the embedded emulated rig: the emulator process, its radio link
on a pty, and zigpy (rigs.zigbee.embedded_rig) — every row, on one rig shared by the module.

The parametrised rows run one after another on the same three devices; each row moves its target
to a new file version of its own, so what one row leaves behind (a held image, a newer running
version) is the starting point of the next, as on a real rig. The whole-matrix comparison and the
scenario tests each bring up a rig of their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from dcc_matrix import (
    ROWS,
    Outcome,
    check_profiles_differ_only_on_ppmid,
    expected,
    image_for_identity,
    row_id,
    run_row,
)
from dcc_scenario import activate, cancel, update_firmware

from harness.dcc import (
    AlertKind,
    BehaviourProfile,
    CohortSettings,
    DeviceModel,
    Inventory,
    ProcessorSettings,
    ServiceRequestProcessor,
)
from harness.duis import ActivationStatus, normalise_eui64
from harness.firmware import parse_image
from rigs.capabilities import Firmware, Identity, Pin, PinChange, SiteId
from rigs.operations import DeviceRole

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

zigbee = pytest.importorskip("rigs.zigbee", reason="the ZigBee rig is not available")


class ModelClock:
    """The DCC model's clock: starts at the real time, moves only when told to."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def embedded() -> AsyncIterator[Any]:
    async with zigbee.embedded_rig() as rig:
        yield rig


async def test_embedded_rig_is_a_rig(embedded: Any) -> None:
    for capability in (Identity, Firmware, Pin, PinChange, SiteId):
        assert isinstance(embedded.rig, capability), capability.__name__
    for role in DeviceRole:
        assert embedded.by_role(role), f"the embedded rig has no {role.value}"


@pytest.mark.parametrize("row", ROWS, ids=row_id)
async def test_matrix_row(
    row: tuple[Any, ...],
    embedded: Any,
    duis_schema: Any,
) -> None:
    reference, role, profile, cohort = row
    target = embedded.by_role(role)[0]
    outcome = await run_row(
        embedded.rig, target, reference, profile, cohort, clock=ModelClock(), schema=duis_schema
    )
    assert outcome == expected(reference, role, profile)


async def test_profiles_differ_exactly_on_ppmid_rows() -> None:
    outcomes: dict[tuple[Any, ...], Outcome] = {}
    async with zigbee.embedded_rig() as embedded:
        for row in ROWS:
            reference, role, profile, cohort = row
            target = embedded.by_role(role)[0]
            outcomes[row] = await run_row(
                embedded.rig, target, reference, profile, cohort, clock=ModelClock()
            )
    assert len(outcomes) == 3 * 3 * 2 * 3
    check_profiles_differ_only_on_ppmid(outcomes)


async def _processor(embedded: Any, role: DeviceRole, clock: ModelClock) -> tuple[Any, str, str]:
    rig = embedded.rig
    ieee = embedded.by_role(role)[0]
    identity = await rig.identify(ieee)
    cohorts = CohortSettings()
    inventory = Inventory(cohorts)
    device = normalise_eui64(ieee)
    inventory.add(
        device,
        identity.role,
        DeviceModel(identity.manufacturer_code, identity.image_type, identity.hardware_version),
        "AA",
    )
    processor = ServiceRequestProcessor(
        rig, inventory, ProcessorSettings(profile=BehaviourProfile.UPLIFT_1_2), clock=clock
    )
    return processor, ieee, device


@pytest_asyncio.fixture(loop_scope="module")
async def fresh() -> AsyncIterator[Any]:
    async with zigbee.embedded_rig() as rig:
        yield rig


async def test_future_dated_ppmid_activation_and_cancellation(fresh: Any) -> None:
    embedded = fresh
    clock = ModelClock()
    processor, ieee, device = await _processor(embedded, DeviceRole.PPMID, clock)
    rig = embedded.rig
    identity = await rig.identify(ieee)
    before = await rig.read_firmware_version(ieee)
    image = image_for_identity(identity, (before.file_version + 0x10) & 0xFFFFFFFF)
    digest = parse_image(image).manufacturer_image_sha256

    sent = await processor.process(update_firmware(device, image))
    assert [a.kind for a in sent.alerts] == [AlertKind.TRANSFER_SUCCESS]

    # scheduled, then cancelled: nothing runs
    await processor.process(activate(device, digest, clock.now + dt.timedelta(hours=1)))
    cancelled = await processor.process(cancel(device, digest))
    assert cancelled.cancelled
    clock.now += dt.timedelta(hours=2)
    assert await processor.run_due() == []
    assert (await rig.read_firmware_version(ieee)).file_version == before.file_version

    # wrong hash at execution time: 8F67, image still held
    await processor.process(activate(device, bytes(32), clock.now + dt.timedelta(minutes=5)))
    clock.now += dt.timedelta(minutes=5)
    alerts = await processor.run_due()
    assert [a.kind for a in alerts] == [AlertKind.ACTIVATION_HASH_MISMATCH]
    assert await rig.read_held_image(ieee) is not None

    # right hash: 8F66, the device runs the new image
    result = await processor.process(activate(device, digest, clock.now + dt.timedelta(minutes=5)))
    assert result.scheduled_at is not None
    clock.now += dt.timedelta(minutes=5)
    alerts = await processor.run_due()
    assert [a.kind for a in alerts] == [AlertKind.ACTIVATION_SUCCESS]
    after = await rig.read_firmware_version(ieee)
    assert after.file_version == parse_image(image).header.file_version


async def test_no_image_held_on_the_emulated_device(fresh: Any) -> None:
    processor, ieee, device = await _processor(fresh, DeviceRole.GSME, ModelClock())
    assert await fresh.rig.read_held_image(ieee) is None
    result = await processor.process(activate(device, bytes(32)))
    assert result.activation is ActivationStatus.NO_IMAGE_HELD

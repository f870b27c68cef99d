"""The processor matrix: SR (11.1, 11.2, 11.3) x target (PPMID, ESME, GSME) x profile x cohort.

Rows run against any rig with the identity and firmware capabilities: the DCC inventory is built from what the devices say about
themselves (identify), and each row files the target under a GroupID of the row's cohort.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from dcc_scenario import activate, read_version, update_firmware

from harness.changes import ChangeSet
from harness.dcc import (
    BehaviourProfile,
    Cohort,
    CohortSettings,
    DeviceModel,
    Inventory,
    ProcessorSettings,
    ServiceRequestProcessor,
)
from harness.duis import ServiceReference, normalise_eui64, schema_problems
from harness.firmware import build_image, manufacturer_payload, parse_image
from rigs.capabilities import Firmware, Identity
from rigs.operations import DeviceIdentity, DeviceRole

MATRIX_REFERENCES = (
    ServiceReference.UPDATE_FIRMWARE,
    ServiceReference.READ_FIRMWARE_VERSION,
    ServiceReference.ACTIVATE_FIRMWARE,
)
NAMED_PROFILES = (BehaviourProfile.UPLIFT_1_2, BehaviourProfile.BASELINE)
ROWS = list(itertools.product(MATRIX_REFERENCES, DeviceRole, NAMED_PROFILES, Cohort))


def row_id(row: tuple[ServiceReference, DeviceRole, ChangeSet, Cohort]) -> str:
    reference, role, profile, cohort = row
    return f"{reference.value}-{role.value}-{profile.name}-{cohort.name}"


@dataclass(frozen=True)
class Outcome:
    """What a row produced, in rig-independent terms."""

    response_code: str
    transferred: bool = False  # 11.1: the device now holds the image
    version_reported: bool = False  # 11.2: the response carried the device's running version
    activation: str | None = None  # 11.3: the activation status in the response
    running_new: bool = False  # 11.3: the device now runs the new image


def expected(reference: ServiceReference, role: DeviceRole, profile: ChangeSet) -> Outcome:
    """The Uplift 1.2 requirements U12-FW-11.1/11.2/11.3: PPMIDs only under uplift-1.2."""
    allowed = role is not DeviceRole.PPMID or profile is BehaviourProfile.UPLIFT_1_2
    if not allowed:
        return Outcome("E11")
    if reference is ServiceReference.UPDATE_FIRMWARE:
        return Outcome("I0", transferred=True)
    if reference is ServiceReference.READ_FIRMWARE_VERSION:
        return Outcome("I0", version_reported=True)
    return Outcome("I0", activation="success", running_new=True)


def image_for_identity(identity: DeviceIdentity, file_version: int, size: int = 1024) -> bytes:
    return build_image(
        manufacturer_payload(size, seed=f"{identity.ieee}-{file_version}"),
        manufacturer_code=identity.manufacturer_code,
        image_type=identity.image_type,
        file_version=file_version,
        hardware_versions=(identity.hardware_version, identity.hardware_version),
        signed=True,
    )


class MatrixRig(Identity, Firmware, Protocol):
    """What a matrix row asks of a rig."""


async def run_row(
    rig: MatrixRig,
    target_ieee: str,
    reference: ServiceReference,
    profile: ChangeSet,
    cohort: Cohort,
    *,
    clock: Callable[[], dt.datetime],
    schema: Any = None,
) -> Outcome:
    identity = await rig.identify(target_ieee)
    cohorts = CohortSettings()
    inventory = Inventory(cohorts)
    device = normalise_eui64(identity.ieee)
    inventory.add(
        device,
        identity.role,
        DeviceModel(identity.manufacturer_code, identity.image_type, identity.hardware_version),
        cohorts.example_group(cohort),
    )
    processor = ServiceRequestProcessor(
        rig, inventory, ProcessorSettings(profile=profile), clock=clock, schema=schema
    )
    before = await rig.read_firmware_version(target_ieee)
    new_version = (before.file_version + 1) & 0xFFFFFFFF
    image = image_for_identity(identity, new_version)
    if reference is ServiceReference.UPDATE_FIRMWARE:
        result = await processor.process(update_firmware(device, image))
    elif reference is ServiceReference.READ_FIRMWARE_VERSION:
        result = await processor.process(read_version(device))
    else:
        transfer = await rig.distribute_image(target_ieee, image)
        assert transfer.ok, transfer
        digest = parse_image(image).manufacturer_image_sha256
        result = await processor.process(activate(device, digest))
    if schema is not None:
        assert schema_problems(result.response_xml, schema) == []
        for alert in result.alerts:
            assert schema_problems(alert.to_xml(), schema) == []
    held = await rig.read_held_image(target_ieee)
    after = await rig.read_firmware_version(target_ieee)
    body = result.response.body
    payload = getattr(body, "payload", None)
    reported = getattr(payload, "firmware_version", None)
    return Outcome(
        response_code=result.response_code,
        transferred=(
            reference is ServiceReference.UPDATE_FIRMWARE
            and held is not None
            and held.file_version == new_version
            and any(a.kind.value == "transfer-success" for a in result.alerts)
        ),
        version_reported=(
            reference is ServiceReference.READ_FIRMWARE_VERSION
            and reported is not None
            and reported == after.build_id
        ),
        activation=result.activation.value if result.activation is not None else None,
        running_new=(
            reference is ServiceReference.ACTIVATE_FIRMWARE and after.file_version == new_version
        ),
    )


def check_profiles_differ_only_on_ppmid(outcomes: dict[tuple[Any, ...], Outcome]) -> None:
    """The PPMID rows differ between the profiles and nothing else does."""
    for (reference, role, profile, cohort), outcome in outcomes.items():
        if profile is not BehaviourProfile.UPLIFT_1_2:
            continue
        other = outcomes.get((reference, role, BehaviourProfile.BASELINE, cohort))
        if other is None:
            continue
        if role is DeviceRole.PPMID:
            assert outcome != other, (reference, role, cohort)
        else:
            assert outcome == other, (reference, role, cohort)

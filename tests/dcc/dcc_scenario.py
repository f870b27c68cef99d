"""Building blocks of the DCC model tests: device models, an inventory over every cohort and
role, and requests aimed at them. Independent of the rig the devices live on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from harness.dcc import Cohort, CohortSettings, DeviceModel, Inventory
from harness.duis import (
    REFERENCE_DCC,
    ActivateFirmware,
    ReadFirmwareVersion,
    RequestId,
    ServiceReference,
    ServiceRequest,
    UpdateFirmware,
    UpdatePPMIDFirmware,
)
from harness.firmware import build_image, manufacturer_payload, parse_image
from rigs.operations import DeviceRole

START = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
USER = "90-B3-D5-1F-30-01-00-00"

MODELS = {
    DeviceRole.PPMID: DeviceModel(0x121D, 0x0004, 0x0002, "PPMID model"),
    DeviceRole.ESME: DeviceModel(0x121D, 0x0001, 0x0003, "ESME model"),
    DeviceRole.GSME: DeviceModel(0x1234, 0x0002, 0x0001, "GSME model"),
}
ROLE_BYTE = {DeviceRole.PPMID: 0xA4, DeviceRole.ESME: 0xA0, DeviceRole.GSME: 0xA2}
COHORT_BYTE = {Cohort.IOC: 0x01, Cohort.MOC_MDS: 0x02, Cohort.MOC_SECURE: 0x03}


def device_id(role: DeviceRole, cohort: Cohort) -> str:
    return f"00-DB-12-34-56-78-{COHORT_BYTE[cohort]:02X}-{ROLE_BYTE[role]:02X}"


def inventory() -> Inventory:
    cohorts = CohortSettings()
    inv = Inventory(cohorts)
    for cohort in Cohort:
        for role, model in MODELS.items():
            inv.add(device_id(role, cohort), role, model, cohorts.example_group(cohort))
    return inv


def image_for(role: DeviceRole, file_version: int = 0x00000200, size: int = 2048) -> bytes:
    model = MODELS[role]
    return build_image(
        manufacturer_payload(size, seed=f"{role.value}-{file_version}"),
        manufacturer_code=model.manufacturer_code,
        image_type=model.image_type,
        file_version=file_version,
        hardware_versions=(model.hardware_version, model.hardware_version + 1),
        signed=True,
    )


def manufacturer_hash(image: bytes) -> bytes:
    return parse_image(image).manufacturer_image_sha256


@dataclass
class Counter:
    value: int = 100

    def next(self) -> int:
        self.value += 1
        return self.value


COUNTER = Counter()


def update_firmware(device: str, image: bytes, version: str = "00000200") -> ServiceRequest:
    return ServiceRequest(
        RequestId(USER, REFERENCE_DCC, COUNTER.next()),
        ServiceReference.UPDATE_FIRMWARE,
        UpdateFirmware(image, version, (device,)),
    )


def update_ppmid_firmware(device: str, image: bytes) -> ServiceRequest:
    return ServiceRequest(
        RequestId(USER, REFERENCE_DCC, COUNTER.next()),
        ServiceReference.UPDATE_PPMID_FIRMWARE,
        UpdatePPMIDFirmware(image, "00000200", (device,)),
    )


def read_version(device: str) -> ServiceRequest:
    return ServiceRequest(
        RequestId(USER, device, COUNTER.next()),
        ServiceReference.READ_FIRMWARE_VERSION,
        ReadFirmwareVersion(),
    )


def activate(device: str, digest: bytes, at: dt.datetime | None = None) -> ServiceRequest:
    return ServiceRequest(
        RequestId(USER, device, COUNTER.next()),
        ServiceReference.ACTIVATE_FIRMWARE,
        ActivateFirmware(digest, at),
    )


def cancel(device: str, digest: bytes) -> ServiceRequest:
    return activate(device, digest, dt.datetime(3000, 12, 31, tzinfo=dt.UTC))

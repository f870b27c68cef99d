"""The DCC model's checks and outcomes: hashes, held images, device models, faults, scheduling."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from dcc_scenario import (
    MODELS,
    START,
    USER,
    activate,
    cancel,
    device_id,
    image_for,
    inventory,
    manufacturer_hash,
    read_version,
    update_firmware,
    update_ppmid_firmware,
)
from in_process_rig import InProcessRig, SettableClock

from harness.changes import ChangeSet
from harness.dcc import (
    AlertKind,
    BehaviourProfile,
    Cohort,
    CohortSettings,
    DeviceModel,
    Inventory,
    ProcessorSettings,
    RequestRejected,
    ServiceRequestProcessor,
    target_allowed,
)
from harness.duis import (
    ActivationAlert,
    ActivationReport,
    ActivationStatus,
    DccAlert,
    DccResponse,
    DuisError,
    FirmwareDistributionFailure,
    FirmwareVersionReport,
    S1SPAlert,
    Smets1Reply,
    parse_response,
    schema_problems,
)
from harness.firmware import build_image, manufacturer_payload
from rigs.operations import DeviceRole

PPMID = device_id(DeviceRole.PPMID, Cohort.IOC)
ESME = device_id(DeviceRole.ESME, Cohort.IOC)
GSME = device_id(DeviceRole.GSME, Cohort.IOC)


class Setup:
    def __init__(self, profile: ChangeSet = BehaviourProfile.UPLIFT_1_2, **settings: Any):
        self.clock = SettableClock(START)
        self.rig = InProcessRig(self.clock)
        self.inventory = inventory()
        for entry in self.inventory:
            self.rig.add_device(
                entry.device_id,
                entry.role,
                manufacturer_code=entry.model.manufacturer_code,
                image_type=entry.model.image_type,
                hardware_version=entry.model.hardware_version,
                running_version=0x100,
                running_build="00000100",
            )
        self.processor = ServiceRequestProcessor(
            self.rig,
            self.inventory,
            ProcessorSettings(profile=profile, **settings),
            clock=self.clock,
            schema=None,
        )

    def device(self, device: str) -> Any:
        return self.rig.devices[device.replace("-", "")]


def _payload(result: Any) -> Any:
    body = result.response.body
    assert isinstance(body, Smets1Reply)
    return body.payload


async def test_update_then_activate_ppmid_end_to_end(duis_schema: Any) -> None:
    s = Setup()
    s.processor.schema = duis_schema
    image = image_for(DeviceRole.PPMID)
    result = await s.processor.process(update_firmware(PPMID, image).to_xml())
    assert result.schema_checked
    assert result.response_code == "I0"
    assert [a.kind for a in result.alerts] == [AlertKind.TRANSFER_SUCCESS]
    alert = parse_response(result.alerts[0].to_xml())
    assert isinstance(alert.body, DccAlert) and isinstance(alert.body.alert, S1SPAlert)
    assert alert.body.alert.device_id == PPMID
    assert s.device(PPMID).held is not None
    assert s.device(PPMID).running_build == "00000100"

    result = await s.processor.process(activate(PPMID, manufacturer_hash(image)))
    assert result.activation is ActivationStatus.SUCCESS
    payload = _payload(result)
    assert payload == ActivationReport(ActivationStatus.SUCCESS, "00000200", True)
    assert schema_problems(result.response_xml, duis_schema) == []
    assert s.device(PPMID).running_build == "00000200"
    assert s.device(PPMID).held is None

    result = await s.processor.process(read_version(PPMID))
    assert _payload(result) == FirmwareVersionReport("00000200")


async def test_hash_mismatch_leaves_image_held_and_running_unchanged() -> None:
    s = Setup()
    image = image_for(DeviceRole.ESME)
    await s.processor.process(update_firmware(ESME, image))
    wrong = bytes(32)
    result = await s.processor.process(activate(ESME, wrong))
    assert result.response_code == "I0"
    assert result.activation is ActivationStatus.HASH_MISMATCH
    assert _payload(result) == ActivationReport(ActivationStatus.HASH_MISMATCH, "00000100", False)
    assert s.device(ESME).held is not None
    assert s.device(ESME).running_build == "00000100"


async def test_whole_file_hash_is_not_the_firmware_hash() -> None:
    import hashlib

    s = Setup()
    image = image_for(DeviceRole.ESME)
    await s.processor.process(update_firmware(ESME, image))
    result = await s.processor.process(activate(ESME, hashlib.sha256(image).digest()))
    assert result.activation is ActivationStatus.HASH_MISMATCH


async def test_no_image_held() -> None:
    s = Setup()
    result = await s.processor.process(activate(GSME, bytes(32)))
    assert result.activation is ActivationStatus.NO_IMAGE_HELD
    assert _payload(result).status is ActivationStatus.NO_IMAGE_HELD


async def test_activation_failure_on_device() -> None:
    s = Setup()
    image = image_for(DeviceRole.GSME)
    await s.processor.process(update_firmware(GSME, image))
    s.device(GSME).fail_activation = True
    result = await s.processor.process(activate(GSME, manufacturer_hash(image)))
    assert result.activation is ActivationStatus.ACTIVATION_FAILURE
    assert s.device(GSME).running_build == "00000100"


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("manufacturer_code", 0x0BAD, "manufacturer code 0x0BAD"),
        ("image_type", 0x0009, "image type 0x0009"),
        ("hardware", (0x0010, 0x0011), "hardware version 0x0002 is outside"),
    ],
)
async def test_wrong_device_model_is_not_applicable(field: str, value: Any, reason: str) -> None:
    s = Setup()
    model = MODELS[DeviceRole.PPMID]
    kwargs: dict[str, Any] = {
        "manufacturer_code": model.manufacturer_code,
        "image_type": model.image_type,
        "file_version": 0x200,
        "hardware_versions": (model.hardware_version, model.hardware_version),
    }
    if field == "hardware":
        kwargs["hardware_versions"] = value
    else:
        kwargs[field] = value
    image = build_image(manufacturer_payload(500), **kwargs)
    result = await s.processor.process(update_firmware(PPMID, image))
    assert result.response_code == "I0"
    body = result.response.body
    assert isinstance(body, DccResponse) and body.warnings is not None
    assert body.warnings.not_applicable == (PPMID,)
    assert result.alerts == [] and result.transfers == {}
    assert any(reason in note for note in result.notes)
    assert s.device(PPMID).held is None


async def test_unreadable_image_is_not_applicable() -> None:
    s = Setup()
    result = await s.processor.process(update_firmware(ESME, b"not an OTA image at all"))
    body = result.response.body
    assert isinstance(body, DccResponse) and body.warnings is not None
    assert body.warnings.not_applicable == (ESME,)
    assert any("image not readable" in n for n in result.notes)


async def test_transfer_failure_alert() -> None:
    s = Setup()
    s.device(ESME).refuse_transfers = True
    result = await s.processor.process(update_firmware(ESME, image_for(DeviceRole.ESME)))
    assert result.response_code == "I0"
    assert [a.kind for a in result.alerts] == [AlertKind.TRANSFER_FAILURE]
    document = parse_response(result.alerts[0].to_xml())
    assert isinstance(document.body, DccAlert)
    assert document.body.alert_code == "N16"
    inner = document.body.alert
    assert isinstance(inner, FirmwareDistributionFailure)
    assert inner.meter_ids == (ESME,)
    assert result.request is not None
    assert inner.update_request_id == result.request.request_id


async def test_mixed_device_list_sends_to_the_valid_ones() -> None:
    s = Setup(BehaviourProfile.BASELINE)
    image = image_for(DeviceRole.ESME)
    request = update_firmware(ESME, image)
    from harness.duis import ServiceRequest, UpdateFirmware

    request = ServiceRequest(
        request.request_id,
        request.service_reference,
        UpdateFirmware(image, "00000200", (ESME, PPMID, "00-00-00-00-00-00-00-01")),
    )
    result = await s.processor.process(request)
    assert result.response_code == "I0"
    body = result.response.body
    assert isinstance(body, DccResponse) and body.warnings is not None
    assert set(body.warnings.invalid) == {PPMID, "00-00-00-00-00-00-00-01"}
    assert list(result.transfers) == [ESME]


async def test_unknown_device_is_e19_and_unreachable_is_e21() -> None:
    s = Setup()
    result = await s.processor.process(read_version("00-00-00-00-00-00-00-99"))
    assert result.response_code == "E19"
    s.device(GSME).unresponsive = True
    result = await s.processor.process(read_version(GSME))
    assert result.response_code == "E21"


@pytest.mark.parametrize("profile", [BehaviourProfile.UPLIFT_1_2, BehaviourProfile.BASELINE])
@pytest.mark.parametrize("role", list(DeviceRole))
async def test_11_4_is_not_the_smets1_route(profile: ChangeSet, role: DeviceRole) -> None:
    s = Setup(profile)
    target = device_id(role, Cohort.MOC_MDS)
    result = await s.processor.process(update_ppmid_firmware(target, image_for(role)))
    assert result.response_code == "E11"
    assert s.device(device_id(role, Cohort.IOC)).held is None


async def test_rejected_target_code_is_a_setting() -> None:
    s = Setup(BehaviourProfile.BASELINE, rejected_target_code="E12")
    result = await s.processor.process(read_version(PPMID))
    assert result.response_code == "E12"


async def test_future_dated_activation_runs_when_the_clock_reaches_it(duis_schema: Any) -> None:
    s = Setup()
    image = image_for(DeviceRole.PPMID)
    await s.processor.process(update_firmware(PPMID, image))
    at = START + dt.timedelta(hours=2)
    result = await s.processor.process(activate(PPMID, manufacturer_hash(image), at))
    assert result.scheduled_at == at
    assert _payload(result) == ActivationReport(None)
    assert s.processor.pending() == {PPMID: at}
    s.clock.advance(dt.timedelta(hours=1, minutes=59))
    assert await s.processor.run_due() == []
    assert s.device(PPMID).running_build == "00000100"
    s.clock.advance(dt.timedelta(minutes=1))
    alerts = await s.processor.run_due()
    assert [a.kind for a in alerts] == [AlertKind.ACTIVATION_SUCCESS]
    assert s.device(PPMID).running_build == "00000200"
    assert s.processor.pending() == {}
    xml = alerts[0].to_xml()
    assert schema_problems(xml, duis_schema) == []
    payload = _payload_of(xml)
    assert isinstance(payload, ActivationAlert)
    assert payload.alert_code == "8F66"
    assert payload.execution_datetime == at
    assert result.request is not None
    assert payload.command_counter == result.request.request_id.counter


def _payload_of(xml: bytes) -> Any:
    body = parse_response(xml).body
    assert isinstance(body, Smets1Reply)
    return body.payload


async def test_future_dated_activation_checks_the_hash_at_execution() -> None:
    s = Setup()
    image = image_for(DeviceRole.ESME)
    at = START + dt.timedelta(minutes=30)
    # scheduled before the image arrives; a different image arrives in the meantime
    await s.processor.process(activate(ESME, manufacturer_hash(image), at))
    await s.processor.process(update_firmware(ESME, image_for(DeviceRole.ESME, file_version=0x300)))
    s.clock.advance(dt.timedelta(hours=1))
    alerts = await s.processor.run_due()
    assert [a.kind for a in alerts] == [AlertKind.ACTIVATION_HASH_MISMATCH]
    payload = _payload_of(alerts[0].to_xml())
    assert payload.alert_code == "8F67"
    assert payload.status is ActivationStatus.HASH_MISMATCH
    assert s.device(ESME).running_build == "00000100"


async def test_cancellation_form_cancels_a_pending_activation() -> None:
    s = Setup()
    image = image_for(DeviceRole.GSME)
    await s.processor.process(update_firmware(GSME, image))
    digest = manufacturer_hash(image)
    await s.processor.process(activate(GSME, digest, START + dt.timedelta(minutes=5)))
    result = await s.processor.process(cancel(GSME, digest))
    assert result.cancelled
    assert _payload(result) == ActivationReport(None, success=True)
    assert s.processor.pending() == {}
    s.clock.advance(dt.timedelta(days=1))
    assert await s.processor.run_due() == []
    assert s.device(GSME).running_build == "00000100"
    again = await s.processor.process(cancel(GSME, digest))
    assert not again.cancelled
    assert _payload(again) == ActivationReport(None, success=False)


async def test_past_execution_time_activates_now() -> None:
    s = Setup()
    image = image_for(DeviceRole.ESME)
    await s.processor.process(update_firmware(ESME, image))
    result = await s.processor.process(
        activate(ESME, manufacturer_hash(image), START - dt.timedelta(minutes=1))
    )
    assert result.activation is ActivationStatus.SUCCESS


async def test_malformed_and_schema_invalid_requests_are_rejected(duis_schema: Any) -> None:
    s = Setup()
    s.processor.schema = duis_schema
    with pytest.raises(DuisError, match="malformed XML"):
        await s.processor.process(b"<sr:Request")
    document = (
        read_version(ESME).to_xml().replace(b"<sr:CommandVariant>1<", b"<sr:CommandVariant>0<")
    )
    with pytest.raises(RequestRejected, match="CommandVariant"):
        await s.processor.process(document)


async def test_without_schema_parse_errors_are_still_rejected() -> None:
    s = Setup()
    document = read_version(ESME).to_xml().replace(b"00-DB-12-34-56-78-01-A0:", b"00-DB-12:")
    with pytest.raises(RequestRejected) as info:
        await s.processor.process(document)
    assert info.value.field == "RequestID"


async def test_oversized_image_never_reaches_the_rig() -> None:
    s = Setup()
    document = update_firmware(ESME, image_for(DeviceRole.ESME)).to_xml()
    start = document.index(b"<sr:FirmwareImage>") + len(b"<sr:FirmwareImage>")
    end = document.index(b"</sr:FirmwareImage>")
    import base64

    huge = document[:start] + base64.b64encode(bytes(10_240_001)) + document[end:]
    with pytest.raises(RequestRejected, match="FirmwareImage"):
        await s.processor.process(huge)
    assert s.device(ESME).held is None


def test_cohort_settings() -> None:
    settings = CohortSettings()
    assert settings.cohort_of("aa") is Cohort.IOC
    assert settings.cohort_of("BA") is Cohort.IOC
    assert settings.cohort_of("CA") is Cohort.IOC
    assert settings.cohort_of("MA") is Cohort.MOC_MDS
    assert settings.cohort_of("SA") is Cohort.MOC_SECURE
    with pytest.raises(ValueError, match="in no cohort"):
        settings.cohort_of("ZZ")
    with pytest.raises(ValueError, match="in both"):
        CohortSettings({Cohort.IOC: frozenset({"AA"}), Cohort.MOC_MDS: frozenset({"AA"})})
    with pytest.raises(ValueError, match="in no cohort"):
        Inventory().add(USER, DeviceRole.ESME, DeviceModel(1, 2, 3), "QQ")


def test_ppmid_cohorts_under_each_profile() -> None:
    from harness.duis import ServiceReference

    for cohort in Cohort:
        for reference in (
            ServiceReference.UPDATE_FIRMWARE,
            ServiceReference.READ_FIRMWARE_VERSION,
            ServiceReference.ACTIVATE_FIRMWARE,
        ):
            assert target_allowed(BehaviourProfile.UPLIFT_1_2, reference, DeviceRole.PPMID, cohort)
            assert not target_allowed(
                BehaviourProfile.BASELINE, reference, DeviceRole.PPMID, cohort
            )
            for role in (DeviceRole.ESME, DeviceRole.GSME):
                assert target_allowed(BehaviourProfile.BASELINE, reference, role, cohort)

"""What the DCC model checks before a service request's own processing: a service request it
implements, the sender's user role, the originator's counter and the RequestID's target. Every
refusal is a DUIS response (valid against the XSD) that changes nothing on the device."""

from __future__ import annotations

from typing import Any

import pytest
from dcc_scenario import (
    COUNTER,
    USER,
    activate,
    image_for,
    manufacturer_hash,
    read_version,
    update_firmware,
)
from test_dcc_processor import ESME, GSME, PPMID, Setup

from harness.dcc import BehaviourProfile
from harness.duis import (
    REFERENCE_DCC,
    ActivateFirmware,
    DccResponse,
    ReadFirmwareVersion,
    RequestId,
    ServiceReference,
    ServiceRequest,
    UpdateFirmware,
    parse_response,
    schema_problems,
)
from harness.duis.roles import UserRole
from harness.service_requests import (
    TargetKind,
    UnknownServiceRequest,
    definition_for,
    definitions,
)
from rigs.operations import DeviceRole

DISTRIBUTOR = "90-B3-D5-1F-30-01-00-0D"
GAS_SUPPLIER = "90-B3-D5-1F-30-01-00-06"
ROLES = {USER: "IS", DISTRIBUTOR: "ED", GAS_SUPPLIER: "GS"}


def refused(result: Any, code: str, schema: Any) -> None:
    assert result.response_code == code
    assert isinstance(result.response.body, DccResponse)
    assert result.transfers == {} and result.alerts == []
    assert schema_problems(result.response_xml, schema) == []


def test_every_registered_request_round_trips_through_its_definition() -> None:
    assert [d.reference.value for d in definitions()] == ["11.1", "11.2", "11.3", "11.4"]
    for definition in definitions():
        assert definition.reference.body_element == definition.body_element
        assert definition.reference.description == definition.name
    with pytest.raises(UnknownServiceRequest, match="not a service request this harness"):
        definition_for("4.1.1")


async def test_unknown_service_request_is_a_duis_refusal_not_a_fall_through(
    duis_schema: Any,
) -> None:
    """A request of a service request with no definition (an 11.2 renamed 7.1, a reference the
    XSD knows; the schema check is off, so its body is not checked) gets a DUIS response valid
    against the XSD, and nothing happens on the device."""
    s = Setup()
    s.processor.schema = None
    xml = read_version(GSME).to_xml().replace(b">11.2<", b">7.1<")
    before = s.device(GSME).running_build
    result = await s.processor.process(xml)
    assert result.request is None
    assert result.response_code == s.processor.settings.unsupported_request_code == "E3"
    assert result.response.reference_code == "7.1"
    assert "not a service request this harness implements" in result.notes[0]
    assert parse_response(result.response_xml).reference_code == "7.1"
    assert schema_problems(result.response_xml, duis_schema) == []
    assert s.device(GSME).running_build == before


@pytest.mark.parametrize(
    "request_target", [GSME, "90-B3-D5-1F-30-01-00-00"], ids=["device", "service-user"]
)
async def test_11_1_with_a_target_other_than_the_dcc_is_refused(
    duis_schema: Any, request_target: str
) -> None:
    s = Setup()
    image = image_for(DeviceRole.GSME)
    request = ServiceRequest(
        RequestId(USER, request_target, COUNTER.next()),
        ServiceReference.UPDATE_FIRMWARE,
        UpdateFirmware(image, "00000200", (GSME,)),
    )
    result = await s.processor.process(request)
    refused(result, "E4", duis_schema)
    assert REFERENCE_DCC in result.notes[0]
    assert s.device(GSME).held is None


async def test_11_3_with_the_dcc_as_target_is_refused(duis_schema: Any) -> None:
    s = Setup()
    request = ServiceRequest(
        RequestId(USER, REFERENCE_DCC, COUNTER.next()),
        ServiceReference.ACTIVATE_FIRMWARE,
        ActivateFirmware(bytes(32)),
    )
    refused(await s.processor.process(request), "E4", duis_schema)


async def test_the_dcc_eui64_is_a_setting() -> None:
    other_dcc = "00-11-22-33-44-55-66-77"
    s = Setup(dcc_eui64=other_dcc)
    image = image_for(DeviceRole.GSME)
    assert (await s.processor.process(update_firmware(GSME, image))).response_code == "E4"
    request = ServiceRequest(
        RequestId(USER, other_dcc, COUNTER.next()),
        ServiceReference.UPDATE_FIRMWARE,
        UpdateFirmware(image, "00000200", (GSME,)),
    )
    assert (await s.processor.process(request)).response_code == "I0"


async def test_counter_must_increase_per_originator(duis_schema: Any) -> None:
    s = Setup(user_roles=ROLES)
    first = read_version(ESME)
    assert (await s.processor.process(first)).response_code == "I0"
    refused(await s.processor.process(first), "E5", duis_schema)  # the same counter again
    lower = ServiceRequest(
        RequestId(USER, ESME, first.request_id.counter - 1),
        ServiceReference.READ_FIRMWARE_VERSION,
        ReadFirmwareVersion(),
    )
    assert (await s.processor.process(lower)).response_code == "E5"
    # Another originator keeps its own count: a lower counter of its own is fine.
    other = ServiceRequest(
        RequestId(DISTRIBUTOR, ESME, 1),
        ServiceReference.READ_FIRMWARE_VERSION,
        ReadFirmwareVersion(),
    )
    assert (await s.processor.process(other)).response_code == "I0"


async def test_unknown_originator_is_refused(duis_schema: Any) -> None:
    s = Setup()
    request = ServiceRequest(
        RequestId("00-00-00-00-00-00-00-01", ESME, COUNTER.next()),
        ServiceReference.READ_FIRMWARE_VERSION,
        ReadFirmwareVersion(),
    )
    result = await s.processor.process(request)
    refused(result, "E2", duis_schema)
    assert "not a known service user" in result.notes[0]


@pytest.mark.parametrize("reference", ["11.1", "11.3"])
async def test_ineligible_role_is_refused_and_nothing_changes(
    duis_schema: Any, reference: str
) -> None:
    """An Electricity Distributor may read a version (11.2) but not update or activate."""
    s = Setup(user_roles=ROLES)
    image = image_for(DeviceRole.ESME)
    s.rig.devices[ESME.replace("-", "")].held = None
    if reference == "11.1":
        body: Any = UpdateFirmware(image, "00000200", (ESME,))
        target = REFERENCE_DCC
    else:
        body = ActivateFirmware(manufacturer_hash(image))
        target = ESME
    request = ServiceRequest(
        RequestId(DISTRIBUTOR, target, COUNTER.next()), ServiceReference(reference), body
    )
    result = await s.processor.process(request)
    refused(result, "E2", duis_schema)
    assert "ED (Electricity Distributor)" in result.notes[0]
    assert s.device(ESME).held is None
    read = ServiceRequest(
        RequestId(DISTRIBUTOR, ESME, COUNTER.next()),
        ServiceReference.READ_FIRMWARE_VERSION,
        ReadFirmwareVersion(),
    )
    assert (await s.processor.process(read)).response_code == "I0"


def test_eligible_roles_are_those_duis_lists() -> None:
    suppliers = {UserRole.IMPORT_SUPPLIER, UserRole.GAS_SUPPLIER}
    assert definition_for("11.1").eligible_roles == suppliers
    assert definition_for("11.3").eligible_roles == suppliers
    assert {r.value for r in definition_for("11.2").eligible_roles} == {
        "IS",
        "ES",
        "GS",
        "RSA",
        "ED",
        "GT",
        "OU",
    }
    assert definition_for("11.1").target is TargetKind.DCC
    assert definition_for("11.4").target is TargetKind.DCC
    assert definition_for("11.2").target is TargetKind.DEVICE
    assert definition_for("11.3").target is TargetKind.DEVICE


async def test_ppmid_firmware_is_for_the_import_supplier_by_default(duis_schema: Any) -> None:
    """A Gas Supplier may update a GSME (11.1) but not a PPMID; an Import Supplier may do both;
    the roles are a setting."""
    s = Setup(user_roles=ROLES)
    ppmid_image = image_for(DeviceRole.PPMID)
    gas = ServiceRequest(
        RequestId(GAS_SUPPLIER, REFERENCE_DCC, COUNTER.next()),
        ServiceReference.UPDATE_FIRMWARE,
        UpdateFirmware(ppmid_image, "00000200", (PPMID,)),
    )
    result = await s.processor.process(gas)
    refused(result, "E2", duis_schema)
    assert "ppmid_firmware_roles" in result.notes[0]
    assert s.device(PPMID).held is None
    gsme = ServiceRequest(
        RequestId(GAS_SUPPLIER, REFERENCE_DCC, COUNTER.next()),
        ServiceReference.UPDATE_FIRMWARE,
        UpdateFirmware(image_for(DeviceRole.GSME), "00000200", (GSME,)),
    )
    assert (await s.processor.process(gsme)).response_code == "I0"
    assert (await s.processor.process(update_firmware(PPMID, ppmid_image))).response_code == "I0"
    widened = Setup(
        user_roles=ROLES,
        ppmid_firmware_roles=frozenset({UserRole.IMPORT_SUPPLIER, UserRole.GAS_SUPPLIER}),
    )
    again = ServiceRequest(
        RequestId(GAS_SUPPLIER, REFERENCE_DCC, COUNTER.next()),
        ServiceReference.UPDATE_FIRMWARE,
        UpdateFirmware(ppmid_image, "00000200", (PPMID,)),
    )
    assert (await widened.processor.process(again)).response_code == "I0"


async def test_baseline_refuses_ppmid_on_its_type_not_on_the_role() -> None:
    s = Setup(BehaviourProfile.BASELINE)
    result = await s.processor.process(activate(PPMID, bytes(32)))
    assert result.response_code == "E11"

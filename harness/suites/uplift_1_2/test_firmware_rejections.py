"""Firmware requests the DCC must refuse under both profiles: they change nothing on the device."""

from __future__ import annotations

import pytest

from harness.evidence import ScenarioEvidence
from harness.plugin.rig import HilDevice
from harness.plugin.service_requests import ServiceRequests
from harness.suites.uplift_1_2 import firmware_steps as steps
from harness.suites.uplift_1_2.images import image_for

DISTRIBUTOR = (
    "90-B3-D5-1F-30-01-00-0D"  # a service user the scenario makes an Electricity Distributor
)


@pytest.mark.requirement("BASE-FW-REJECT")
def test_image_for_another_model_is_not_delivered(
    dcc: ServiceRequests, esme: HilDevice, gsme: HilDevice, evidence: ScenarioEvidence
) -> None:
    """SR 11.1 with a GSME image addressed to an ESME: not applicable, nothing is sent."""
    evidence.device(esme.identity, group_id=esme.spec.group_id)
    held_before = esme.held_image()
    before = esme.firmware()
    image = image_for(esme, image_type=gsme.identity.image_type)
    exchange = dcc.update_firmware([esme], image.data, image.duis_version)
    evidence.duis_exchange("11.1", exchange.request_xml, exchange.response_xml)
    evidence.measure("transfers_started", len(exchange.result.transfers), equals=0)
    held_after = esme.held_image()
    evidence.measure("held_image_unchanged", held_after == held_before, equals=True)
    after = esme.firmware()
    evidence.firmware_versions(esme.ieee, before, after)
    evidence.measure("running_version_unchanged", after.file_version, equals=before.file_version)


@pytest.mark.requirement("BASE-FW-REJECT")
def test_update_ppmid_firmware_11_4_is_not_for_smets1(
    dcc: ServiceRequests, ppmid: HilDevice, evidence: ScenarioEvidence
) -> None:
    """SR 11.4 (the SMETS2 route) to a SMETS1 PPMID is rejected under either profile."""
    evidence.device(ppmid.identity, group_id=ppmid.spec.group_id)
    held_before = ppmid.held_image()
    image = image_for(ppmid)
    exchange = dcc.update_ppmid_firmware(ppmid, image.data, image.duis_version)
    evidence.duis_exchange("11.4", exchange.request_xml, exchange.response_xml)
    evidence.measure("rejected", exchange.response_code.startswith("E"), equals=True)
    evidence.measure("transfers_started", len(exchange.result.transfers), equals=0)
    evidence.measure("held_image_unchanged", ppmid.held_image() == held_before, equals=True)


@pytest.mark.requirement("BASE-FW-REJECT")
@pytest.mark.parametrize("meter", ["esme", "gsme"])
def test_meter_activation_refused_on_hash_mismatch(
    dcc: ServiceRequests, request: pytest.FixtureRequest, evidence: ScenarioEvidence, meter: str
) -> None:
    """SR 11.3 whose FirmwareHash does not match the held image: nothing is activated (the
    PPMID scenario's steps)."""
    device: HilDevice = request.getfixturevalue(meter)
    groups = steps.target(dcc, device, evidence)
    steps.activation_refused_on_hash_mismatch(dcc, device, evidence, groups)


@pytest.mark.requirement("BASE-FW-REJECT")
def test_update_firmware_naming_a_device_as_request_target_is_refused(
    dcc: ServiceRequests, gsme: HilDevice, evidence: ScenarioEvidence
) -> None:
    """SR 11.1 whose RequestID names the device instead of the DCC as target is refused."""
    evidence.device(gsme.identity, group_id=gsme.spec.group_id)
    held_before = gsme.held_image()
    image = image_for(gsme)
    exchange = dcc.update_firmware([gsme], image.data, image.duis_version, request_target=gsme.ieee)
    evidence.duis_exchange("11.1", exchange.request_xml, exchange.response_xml)
    evidence.detail("dcc_eui64", dcc.dcc_eui64)
    evidence.detail("refusal", exchange.result.notes)
    evidence.measure(
        "response_code",
        exchange.response_code,
        equals=dcc.processor().settings.wrong_target_code,
    )
    evidence.measure("transfers_started", len(exchange.result.transfers), equals=0)
    evidence.measure("held_image_unchanged", gsme.held_image() == held_before, equals=True)


@pytest.mark.requirement("BASE-FW-REJECT")
def test_activation_from_an_ineligible_user_role_is_refused(
    dcc: ServiceRequests, esme: HilDevice, evidence: ScenarioEvidence
) -> None:
    """SR 11.3 from an Electricity Distributor (a role DUIS does not list for 11.3) is refused
    and activates nothing; the same user may read the firmware version (11.2)."""
    distributor = dcc.add_user(DISTRIBUTOR, "ED")
    evidence.device(esme.identity, group_id=esme.spec.group_id)
    evidence.detail("originator", distributor)
    evidence.detail("originator_role", "ED (Electricity Distributor)")
    before = esme.firmware()
    image = image_for(esme)
    evidence.measure("precondition_image_held", esme.distribute(image.data).ok, equals=True)
    exchange = dcc.activate_firmware(esme, image.firmware_hash, originator=distributor)
    evidence.duis_exchange("11.3", exchange.request_xml, exchange.response_xml)
    evidence.detail("refusal", exchange.result.notes)
    evidence.measure(
        "response_code",
        exchange.response_code,
        equals=dcc.processor().settings.ineligible_role_code,
    )
    after = esme.firmware()
    evidence.firmware_versions(esme.ieee, before, after)
    evidence.measure("running_version_unchanged", after.file_version, equals=before.file_version)
    read = dcc.read_firmware_version(esme, originator=distributor)
    evidence.duis_exchange("11.2", read.request_xml, read.response_xml)
    evidence.measure("read_by_same_user", read.response_code, equals="I0")

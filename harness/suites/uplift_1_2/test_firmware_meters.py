"""SR 11.1, 11.2 and 11.3 to ESMEs and GSMEs: not changed by Uplift 1.2, so they pass under both
profiles (the baseline run shows the suite does not fail everything)."""

from __future__ import annotations

import pytest

from harness.dcc import AlertKind
from harness.duis import ActivationStatus
from harness.evidence import ScenarioEvidence
from harness.plugin.rig import HilDevice
from harness.plugin.service_requests import ServiceRequests
from harness.suites.uplift_1_2.images import image_for
from harness.suites.uplift_1_2.transfers import record_ota_transfer
from harness.targets import Targets

METERS = ["esme", "gsme"]


@pytest.mark.requirement("BASE-FW-METER")
@pytest.mark.parametrize("meter", METERS)
def test_update_firmware_delivers_image_to_meter(
    dcc: ServiceRequests,
    request: pytest.FixtureRequest,
    evidence: ScenarioEvidence,
    targets: Targets,
    meter: str,
) -> None:
    """SR 11.1 to a meter delivers the image, held until activation."""
    device: HilDevice = request.getfixturevalue(meter)
    evidence.device(device.identity, group_id=device.spec.group_id)
    before = device.firmware()
    image = image_for(device)
    exchange = dcc.update_firmware([device], image.data, image.duis_version)
    evidence.duis_exchange("11.1", exchange.request_xml, exchange.response_xml)
    evidence.measure("response_code", exchange.response_code, equals="I0")
    transfer = next(iter(exchange.result.transfers.values()), None)
    evidence.measure("image_transferred", transfer is not None and transfer.ok, equals=True)
    assert transfer is not None
    record_ota_transfer(evidence, targets, dcc, device, transfer, before)
    evidence.measure(
        "transfer_alert",
        [a.kind.value for a in exchange.result.alerts] == [AlertKind.TRANSFER_SUCCESS.value],
        equals=True,
    )
    held = device.held_image()
    evidence.measure(
        "held_image_hash_matches",
        held is not None and held.manufacturer_image_sha256 == image.firmware_hash,
        equals=True,
    )
    after = device.firmware()
    evidence.firmware_versions(device.ieee, before, after)
    evidence.measure("running_version_unchanged", after.file_version, equals=before.file_version)


@pytest.mark.requirement("BASE-FW-METER")
@pytest.mark.parametrize("meter", METERS)
def test_read_firmware_version_of_meter(
    dcc: ServiceRequests, request: pytest.FixtureRequest, evidence: ScenarioEvidence, meter: str
) -> None:
    """SR 11.2 to a meter returns the version it runs."""
    device: HilDevice = request.getfixturevalue(meter)
    evidence.device(device.identity, group_id=device.spec.group_id)
    running = device.firmware()
    exchange = dcc.read_firmware_version(device)
    evidence.duis_exchange("11.2", exchange.request_xml, exchange.response_xml)
    evidence.firmware_versions(device.ieee, running, running)
    evidence.measure("response_code", exchange.response_code, equals="I0")
    evidence.measure("reported_version", exchange.reported_version, equals=running.build_id)


@pytest.mark.requirement("BASE-FW-METER")
@pytest.mark.parametrize("meter", METERS)
def test_activate_firmware_on_meter(
    dcc: ServiceRequests, request: pytest.FixtureRequest, evidence: ScenarioEvidence, meter: str
) -> None:
    """SR 11.3 to a meter with the held image's FirmwareHash activates it."""
    device: HilDevice = request.getfixturevalue(meter)
    evidence.device(device.identity, group_id=device.spec.group_id)
    before = device.firmware()
    image = image_for(device)
    evidence.measure("precondition_image_held", device.distribute(image.data).ok, equals=True)
    exchange = dcc.activate_firmware(device, image.firmware_hash)
    evidence.duis_exchange("11.3", exchange.request_xml, exchange.response_xml)
    after = device.firmware()
    evidence.firmware_versions(device.ieee, before, after)
    evidence.measure("response_code", exchange.response_code, equals="I0")
    evidence.measure(
        "activation_status", exchange.activation_status, equals=ActivationStatus.SUCCESS.value
    )
    evidence.measure("running_version", after.file_version, equals=image.file_version)

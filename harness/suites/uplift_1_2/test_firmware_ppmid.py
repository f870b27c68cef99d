"""SR 11.1, 11.2 and 11.3 with a SMETS1 PPMID as target (Uplift 1.2), across installation cohorts."""

from __future__ import annotations

import datetime as dt

import pytest

from harness.dcc import AlertKind
from harness.duis import ActivationStatus
from harness.evidence import ScenarioEvidence
from harness.plugin.rig import HilDevice
from harness.plugin.service_requests import Exchange, ServiceRequests
from harness.suites.uplift_1_2.images import FirmwareUnderTest, image_for, other_hash
from harness.suites.uplift_1_2.transfers import record_ota_transfer
from harness.targets import Targets

COHORTS = ["IOC", "MOC (MDS)", "MOC (Secure)"]
COHORT_IDS = ["IOC", "MOC-MDS", "MOC-Secure"]


def record_exchange(evidence: ScenarioEvidence, exchange: Exchange) -> None:
    evidence.duis_exchange(exchange.service_request, exchange.request_xml, exchange.response_xml)
    evidence.detail(f"sr_{exchange.service_request}_notes", exchange.result.notes)


def cohort_groups(
    dcc: ServiceRequests, device: HilDevice, cohort: str, evidence: ScenarioEvidence
) -> dict[str, str]:
    group = dcc.cohort_group(cohort)
    evidence.device(device.identity, cohort=cohort, group_id=group)
    return {device.ieee: group}


@pytest.mark.requirement("U12-FW-11.1")
@pytest.mark.parametrize("cohort", COHORTS, ids=COHORT_IDS)
def test_update_firmware_delivers_image_to_ppmid(
    dcc: ServiceRequests,
    ppmid: HilDevice,
    evidence: ScenarioEvidence,
    targets: Targets,
    cohort: str,
) -> None:
    """SR 11.1 to a PPMID is accepted and DCC delivers the image, which the PPMID holds unrun."""
    groups = cohort_groups(dcc, ppmid, cohort, evidence)
    before = ppmid.firmware()
    image = image_for(ppmid)
    exchange = dcc.update_firmware([ppmid], image.data, image.duis_version, groups=groups)
    record_exchange(evidence, exchange)
    evidence.measure("response_code", exchange.response_code, equals="I0")
    transfer = next(iter(exchange.result.transfers.values()), None)
    evidence.measure("image_transferred", transfer is not None and transfer.ok, equals=True)
    assert transfer is not None
    evidence.measure(
        "transfer_bytes",
        transfer.bytes_sent,
        units="bytes",
        low=len(image.data),
        high=len(image.data),
    )
    record_ota_transfer(evidence, targets, dcc, ppmid, transfer, before)
    evidence.measure("transfer_seconds", transfer.seconds, units="s")
    kinds = [alert.kind.value for alert in exchange.result.alerts]
    evidence.measure("transfer_alert", AlertKind.TRANSFER_SUCCESS.value in kinds, equals=True)
    held = ppmid.held_image()
    evidence.measure(
        "held_image_version", held.file_version if held else None, equals=image.file_version
    )
    evidence.measure(
        "held_image_hash_matches",
        held is not None and held.manufacturer_image_sha256 == image.firmware_hash,
        equals=True,
    )
    after = ppmid.firmware()
    evidence.firmware_versions(ppmid.ieee, before, after)
    evidence.measure(
        "running_version_unchanged", after.file_version == before.file_version, equals=True
    )


@pytest.mark.requirement("U12-FW-11.2")
@pytest.mark.parametrize("cohort", COHORTS, ids=COHORT_IDS)
def test_read_firmware_version_of_ppmid(
    dcc: ServiceRequests, ppmid: HilDevice, evidence: ScenarioEvidence, cohort: str
) -> None:
    """SR 11.2 to a PPMID is accepted and returns the version the PPMID is running."""
    groups = cohort_groups(dcc, ppmid, cohort, evidence)
    running = ppmid.firmware()
    exchange = dcc.read_firmware_version(ppmid, groups=groups)
    record_exchange(evidence, exchange)
    evidence.firmware_versions(ppmid.ieee, running, running)
    evidence.measure("response_code", exchange.response_code, equals="I0")
    evidence.measure("reported_version", exchange.reported_version, equals=running.build_id)


def _held_new_image(ppmid: HilDevice, evidence: ScenarioEvidence) -> FirmwareUnderTest:
    """Precondition of the 11.3 scenarios: the PPMID holds a new image (sent over the rig directly,
    so the scenario's verdict depends on 11.3 alone)."""
    image = image_for(ppmid)
    transfer = ppmid.distribute(image.data)
    evidence.measure("precondition_image_held", transfer.ok, equals=True)
    return image


@pytest.mark.requirement("U12-FW-11.3")
@pytest.mark.parametrize("cohort", COHORTS, ids=COHORT_IDS)
def test_activate_firmware_on_ppmid_with_matching_hash(
    dcc: ServiceRequests, ppmid: HilDevice, evidence: ScenarioEvidence, cohort: str
) -> None:
    """SR 11.3 to a PPMID with the held image's FirmwareHash activates it now."""
    groups = cohort_groups(dcc, ppmid, cohort, evidence)
    before = ppmid.firmware()
    image = _held_new_image(ppmid, evidence)
    exchange = dcc.activate_firmware(ppmid, image.firmware_hash, groups=groups)
    record_exchange(evidence, exchange)
    after = ppmid.firmware()
    evidence.firmware_versions(ppmid.ieee, before, after)
    evidence.measure("response_code", exchange.response_code, equals="I0")
    evidence.measure(
        "activation_status", exchange.activation_status, equals=ActivationStatus.SUCCESS.value
    )
    evidence.measure("running_version", after.file_version, equals=image.file_version)


@pytest.mark.requirement("U12-FW-11.3")
def test_activate_firmware_on_ppmid_at_execution_time(
    dcc: ServiceRequests, ppmid: HilDevice, evidence: ScenarioEvidence
) -> None:
    """A future-dated SR 11.3 to a PPMID waits for its ExecutionDateTime, then activates."""
    groups = cohort_groups(dcc, ppmid, "IOC", evidence)
    before = ppmid.firmware()
    image = _held_new_image(ppmid, evidence)
    at = dcc.clock().replace(microsecond=0) + dt.timedelta(hours=1)
    exchange = dcc.activate_firmware(ppmid, image.firmware_hash, at=at, groups=groups)
    record_exchange(evidence, exchange)
    evidence.measure("response_code", exchange.response_code, equals="I0")
    evidence.measure("scheduled", exchange.result.scheduled_at == at, equals=True)
    evidence.measure("not_yet_running", ppmid.firmware().file_version, equals=before.file_version)
    early = dcc.run_due(groups=groups)
    evidence.measure("alerts_before_time", len(early), equals=0)
    dcc.clock.advance(3600 + 1)
    alerts = dcc.run_due(groups=groups)
    evidence.measure(
        "activation_alert",
        [a.kind.value for a in alerts] == [AlertKind.ACTIVATION_SUCCESS.value],
        equals=True,
    )
    for alert in alerts:
        evidence.duis_exchange("11.3-alert", exchange.request_xml, alert.to_xml().decode("utf-8"))
    after = ppmid.firmware()
    evidence.firmware_versions(ppmid.ieee, before, after)
    evidence.measure("running_version", after.file_version, equals=image.file_version)


@pytest.mark.requirement("U12-FW-11.3")
def test_activate_firmware_on_ppmid_refused_on_hash_mismatch(
    dcc: ServiceRequests, ppmid: HilDevice, evidence: ScenarioEvidence
) -> None:
    """SR 11.3 to a PPMID whose FirmwareHash does not match the held image activates nothing."""
    groups = cohort_groups(dcc, ppmid, "IOC", evidence)
    before = ppmid.firmware()
    image = _held_new_image(ppmid, evidence)
    exchange = dcc.activate_firmware(ppmid, other_hash(image), groups=groups)
    record_exchange(evidence, exchange)
    after = ppmid.firmware()
    evidence.firmware_versions(ppmid.ieee, before, after)
    evidence.measure("running_version_unchanged", after.file_version, equals=before.file_version)
    evidence.measure("response_code", exchange.response_code, equals="I0")
    evidence.measure(
        "activation_status", exchange.activation_status, equals=ActivationStatus.HASH_MISMATCH.value
    )
    held = ppmid.held_image()
    evidence.measure(
        "image_still_held",
        held is not None and held.file_version == image.file_version,
        equals=True,
    )

"""The steps of the firmware scenarios (SR 11.1, 11.2, 11.3), shared by every target device.

The PPMID scenarios (Uplift 1.2 requirements) and the meter scenarios (baseline requirements)
exercise the same service requests; each scenario marks its own requirement and calls these
steps, so a device of either kind is measured the same way, under the same names, with the raw
value recorded (a version number, an alert kind) rather than a yes/no derived from it.
"""

from __future__ import annotations

import datetime as dt

from harness.dcc import AlertKind, UserAlert
from harness.duis import ActivationStatus
from harness.evidence import ScenarioEvidence
from harness.plugin.rig import HilDevice
from harness.plugin.service_requests import Exchange, ServiceRequests
from harness.suites.uplift_1_2.images import FirmwareUnderTest, image_for, other_hash
from harness.suites.uplift_1_2.transfers import record_ota_transfer
from harness.targets import Targets
from rigs.operations import FirmwareVersion

Groups = dict[str, str]  # device EUI-64 -> the GroupID DCC addresses it under


def target(
    dcc: ServiceRequests, device: HilDevice, evidence: ScenarioEvidence, cohort: str | None = None
) -> Groups | None:
    """Record ``device`` as the scenario's target; with ``cohort``, address it under that
    installation cohort's GroupID (returned for the requests), else under its rig-file group."""
    if cohort is None:
        evidence.device(device.identity, group_id=device.spec.group_id)
        return None
    group = dcc.cohort_group(cohort)
    evidence.device(device.identity, cohort=cohort, group_id=group)
    return {device.ieee: group}


def record_exchange(evidence: ScenarioEvidence, exchange: Exchange) -> None:
    """The request and response XML, and the DCC model's notes on how it handled them."""
    evidence.duis_exchange(exchange.service_request, exchange.request_xml, exchange.response_xml)
    evidence.detail(f"sr_{exchange.service_request}_notes", exchange.result.notes)


def alert_kinds(alerts: list[UserAlert]) -> str:
    """The kinds of the alerts DCC raised, in order, as one value (empty when there were none)."""
    return ", ".join(alert.kind.value for alert in alerts)


def update_firmware_delivers_image(
    dcc: ServiceRequests,
    device: HilDevice,
    evidence: ScenarioEvidence,
    targets: Targets,
    groups: Groups | None,
) -> None:
    """SR 11.1: accepted, the image is delivered whole at the role's target rate, DCC alerts the
    transfer's success, and the device holds the image without running it."""
    __tracebackhide__ = True
    before = device.firmware()
    image = image_for(device)
    exchange = dcc.update_firmware([device], image.data, image.duis_version, groups=groups)
    record_exchange(evidence, exchange)
    evidence.measure("response_code", exchange.response_code, equals="I0")
    transfer = next(iter(exchange.result.transfers.values()), None)
    evidence.measure("image_transferred", transfer is not None and transfer.ok, equals=True)
    if transfer is not None:
        size = len(image.data)
        evidence.measure("transfer_bytes", transfer.bytes_sent, units="bytes", low=size, high=size)
        evidence.measure("transfer_seconds", transfer.seconds, units="s")
        record_ota_transfer(evidence, targets, dcc, device, transfer, before)
    evidence.measure(
        "transfer_alert",
        alert_kinds(exchange.result.alerts),
        equals=AlertKind.TRANSFER_SUCCESS.value,
    )
    image_held_not_running(device, evidence, image, before)


def image_held_not_running(
    device: HilDevice, evidence: ScenarioEvidence, image: FirmwareUnderTest, before: FirmwareVersion
) -> None:
    """The device holds ``image`` whole (version and hash) and still runs what it ran before."""
    __tracebackhide__ = True
    held = device.held_image()
    evidence.measure(
        "held_image_version", held.file_version if held else None, equals=image.file_version
    )
    evidence.measure(
        "held_image_hash_matches",
        held is not None and held.manufacturer_image_sha256 == image.firmware_hash,
        equals=True,
    )
    after = device.firmware()
    evidence.firmware_versions(device.ieee, before, after)
    evidence.measure("running_version_unchanged", after.file_version, equals=before.file_version)


def read_firmware_version(
    dcc: ServiceRequests, device: HilDevice, evidence: ScenarioEvidence, groups: Groups | None
) -> None:
    """SR 11.2: accepted, and the version reported is the one the device runs."""
    __tracebackhide__ = True
    running = device.firmware()
    exchange = dcc.read_firmware_version(device, groups=groups)
    record_exchange(evidence, exchange)
    evidence.firmware_versions(device.ieee, running, running)
    evidence.measure("response_code", exchange.response_code, equals="I0")
    evidence.measure("reported_version", exchange.reported_version, equals=running.build_id)


def hold_new_image(device: HilDevice, evidence: ScenarioEvidence) -> FirmwareUnderTest:
    """Precondition of the 11.3 scenarios: the device holds a new image, sent over the rig
    directly so that the scenario's verdict depends on 11.3 alone."""
    __tracebackhide__ = True
    image = image_for(device)
    evidence.measure("precondition_image_held", device.distribute(image.data).ok, equals=True)
    return image


def activate_with_matching_hash(
    dcc: ServiceRequests, device: HilDevice, evidence: ScenarioEvidence, groups: Groups | None
) -> None:
    """SR 11.3 with the held image's FirmwareHash: accepted, and the device runs the image now."""
    __tracebackhide__ = True
    before = device.firmware()
    image = hold_new_image(device, evidence)
    exchange = dcc.activate_firmware(device, image.firmware_hash, groups=groups)
    record_exchange(evidence, exchange)
    after = device.firmware()
    evidence.firmware_versions(device.ieee, before, after)
    evidence.measure("response_code", exchange.response_code, equals="I0")
    evidence.measure(
        "activation_status", exchange.activation_status, equals=ActivationStatus.SUCCESS.value
    )
    evidence.measure("running_version", after.file_version, equals=image.file_version)


def activate_at_execution_time(
    dcc: ServiceRequests, device: HilDevice, evidence: ScenarioEvidence, groups: Groups | None
) -> None:
    """A future-dated SR 11.3: nothing happens before its ExecutionDateTime, then the device
    runs the image and DCC alerts the activation."""
    __tracebackhide__ = True
    before = device.firmware()
    image = hold_new_image(device, evidence)
    at = dcc.clock().replace(microsecond=0) + dt.timedelta(hours=1)
    exchange = dcc.activate_firmware(device, image.firmware_hash, at=at, groups=groups)
    record_exchange(evidence, exchange)
    evidence.measure("response_code", exchange.response_code, equals="I0")
    evidence.measure("scheduled", exchange.result.scheduled_at == at, equals=True)
    evidence.measure(
        "running_version_before_time", device.firmware().file_version, equals=before.file_version
    )
    early = dcc.run_due(groups=groups)
    evidence.measure("alerts_before_time", len(early), equals=0)
    dcc.clock.advance(3600 + 1)
    alerts = dcc.run_due(groups=groups)
    evidence.measure(
        "activation_alert", alert_kinds(alerts), equals=AlertKind.ACTIVATION_SUCCESS.value
    )
    for alert in alerts:
        evidence.duis_exchange("11.3-alert", exchange.request_xml, alert.to_xml().decode("utf-8"))
    after = device.firmware()
    evidence.firmware_versions(device.ieee, before, after)
    evidence.measure("running_version", after.file_version, equals=image.file_version)


def activation_refused_on_hash_mismatch(
    dcc: ServiceRequests, device: HilDevice, evidence: ScenarioEvidence, groups: Groups | None
) -> None:
    """SR 11.3 whose FirmwareHash does not match the held image: the request is accepted, the
    activation reports the mismatch, the device runs what it ran and still holds the image."""
    __tracebackhide__ = True
    before = device.firmware()
    image = hold_new_image(device, evidence)
    exchange = dcc.activate_firmware(device, other_hash(image), groups=groups)
    record_exchange(evidence, exchange)
    after = device.firmware()
    evidence.firmware_versions(device.ieee, before, after)
    evidence.measure("response_code", exchange.response_code, equals="I0")
    evidence.measure(
        "activation_status", exchange.activation_status, equals=ActivationStatus.HASH_MISMATCH.value
    )
    evidence.measure("running_version_unchanged", after.file_version, equals=before.file_version)
    held = device.held_image()
    evidence.measure(
        "held_image_version", held.file_version if held else None, equals=image.file_version
    )

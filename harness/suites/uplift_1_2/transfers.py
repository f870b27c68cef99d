"""How the suite's firmware scenarios record an image transfer: figures, block latency, target."""

from __future__ import annotations

from harness.evidence import ScenarioEvidence
from harness.evidence.transfers import transfer_entry
from harness.plugin.rig import HilDevice
from harness.plugin.service_requests import ServiceRequests
from harness.targets import ZIGBEE_OTA, Targets
from rigs.operations import FirmwareVersion, TransferResult


def record_ota_transfer(
    evidence: ScenarioEvidence,
    targets: Targets,
    dcc: ServiceRequests,
    device: HilDevice,
    transfer: TransferResult,
    running: FirmwareVersion,
) -> None:
    """Record the ZigBee OTA transfer to ``device`` (running ``running``) and hold its throughput
    to the device role's target: below it, the scenario fails."""
    __tracebackhide__ = True
    evidence.transfer(
        transfer_entry(
            kind=ZIGBEE_OTA,
            device=device.ieee,
            role=device.role,
            firmware=running.build_id,
            bytes_sent=transfer.bytes_sent,
            blocks=transfer.blocks,
            seconds=transfer.seconds,
            block_intervals_s=dcc.block_intervals(device.ieee),
            target=targets.target(ZIGBEE_OTA, device.role),
        )
    )

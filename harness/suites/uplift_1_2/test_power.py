"""BASE-POWER: a device that reboots, loses power or hangs is recovered, and the lab sees it.

Not changed by Uplift 1.2, so these pass under both profiles. They need the device's ``power``
port (the embedded rig gives every device one on the emulator's control channel; a rig file gives
``ports.power``); on a rig without one they are skipped, naming the device, and the requirement
neither passes nor fails the run. The hung-device scenario also needs the emulator's control
channel, the only way to make a device hang on demand.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any, cast

import pytest

from harness.dcc import AlertKind
from harness.evidence import ScenarioEvidence
from harness.plugin.recovery import RECOVERIES, powered_devices, recover_devices
from harness.plugin.rig import HilDevice, NoPort
from harness.plugin.service_requests import ServiceRequests
from harness.suites.uplift_1_2.firmware_steps import image_held_not_running
from harness.suites.uplift_1_2.images import image_for
from rigs.capabilities import Power
from rigs.operations import RigError, TransferResult, backstop

CUT_AT = 1 / 3  # the share of the image received when the power is cut
OFF_SECONDS = 1.0
BACK_TIMEOUT_S = 60.0
TRANSFER_TIMEOUT_S = 300.0  # the cut transfer's own limit (a rig may lengthen it: backstop)
CUT_WAIT_S = 120.0  # the longest wait for the transfer to reach CUT_AT


def power_port(device: HilDevice) -> Any:
    """The device's power port, or the scenario is skipped naming the device."""
    try:
        return device.port("power")
    except NoPort:
        pytest.skip(
            f"rig {device.rig.spec.name} gives the {device.role} {device.ieee} no power port "
            "(ports.power)"
        )


def back_on(device: HilDevice) -> str:
    """The running firmware's build id, once the device answers again after its boot."""

    async def wait() -> str:
        deadline = asyncio.get_running_loop().time() + BACK_TIMEOUT_S
        while True:
            try:
                version = await device.rig.ops.read_firmware_version(device.ieee, timeout=2.0)
                return version.build_id
            except RigError:
                if asyncio.get_running_loop().time() > deadline:
                    raise
            await asyncio.sleep(0.5)  # still booting

    return device.rig.run(wait(), BACK_TIMEOUT_S + 30)


@pytest.mark.requirement("BASE-POWER")
def test_ota_transfer_cut_by_a_reboot_resumes_and_completes(
    esme: HilDevice, evidence: ScenarioEvidence
) -> None:
    """An ESME power-cycled a third of the way through an OTA transfer resumes it and holds the
    whole image."""
    power_port(esme)
    evidence.device(esme.identity, group_id=esme.spec.group_id)
    before = esme.firmware()
    image = image_for(esme, size=16 * 1024)
    rig = esme.rig
    switch = cast(Power, rig.ports["power"])

    async def cut_and_resume() -> tuple[TransferResult, int]:
        cut = asyncio.Event()
        received = [0]

        def progress(done: int, total: int) -> None:
            if not cut.is_set() and done >= total * CUT_AT:
                received[0] = done
                cut.set()

        transfer = asyncio.create_task(
            rig.ops.distribute_image(
                esme.ieee, image.data, progress=progress, timeout=TRANSFER_TIMEOUT_S
            )
        )
        try:
            await asyncio.wait_for(cut.wait(), CUT_WAIT_S)
            await switch.power_cycle(esme.ieee, off_seconds=OFF_SECONDS)
        except BaseException:
            transfer.cancel()
            raise
        return await transfer, received[0]

    result, cut_at = rig.run(cut_and_resume(), CUT_WAIT_S + backstop(TRANSFER_TIMEOUT_S))
    evidence.detail(
        "transfer",
        {
            "bytes": len(image.data),
            "power_cycled_at_bytes": cut_at,
            "off_seconds": OFF_SECONDS,
            "status": result.status.value,
            "resumes": result.resumes,
            "seconds": round(result.seconds, 3),
            "reason": result.reason,
        },
    )
    evidence.measure("power_cycled_mid_transfer", 0 < cut_at < len(image.data), equals=True)
    evidence.measure("transfer_status", result.status.value, equals="ok")
    evidence.measure("resumes", result.resumes, low=1)
    image_held_not_running(esme, evidence, image, before)


@pytest.mark.requirement("BASE-POWER")
def test_activation_cut_by_a_power_loss_is_reported_failed(
    dcc: ServiceRequests, esme: HilDevice, evidence: ScenarioEvidence
) -> None:
    """An ESME without power when its future-dated SR 11.3 falls due: the DCC model reports an
    activation failure, and the device, powered again, still runs its old image and holds the
    new one."""
    power = power_port(esme)
    evidence.device(esme.identity, group_id=esme.spec.group_id)
    before = esme.firmware()
    image = image_for(esme)
    evidence.measure("precondition_image_held", esme.distribute(image.data).ok, equals=True)
    at = dcc.clock().replace(microsecond=0) + dt.timedelta(hours=1)
    exchange = dcc.activate_firmware(esme, image.firmware_hash, at=at)
    evidence.duis_exchange("11.3", exchange.request_xml, exchange.response_xml)
    evidence.measure("response_code", exchange.response_code, equals="I0")
    evidence.measure("scheduled", exchange.result.scheduled_at == at, equals=True)
    power.power_off()
    try:
        evidence.measure("powered_off", power.power_state(), equals=False)
        dcc.clock.advance(3600 + 1)
        alerts = dcc.run_due()
    finally:
        power.power_on()
    evidence.measure(
        "activation_alert",
        [a.kind.value for a in alerts] == [AlertKind.ACTIVATION_FAILURE.value],
        equals=True,
    )
    for alert in alerts:
        evidence.duis_exchange("11.3-alert", exchange.request_xml, alert.to_xml().decode("utf-8"))
    running = back_on(esme)
    after = esme.firmware()
    evidence.firmware_versions(esme.ieee, before, after)
    evidence.measure("running_version_unchanged", running, equals=before.build_id)
    held = esme.held_image()
    evidence.measure(
        "image_still_held",
        held is not None and held.manufacturer_image_sha256 == image.firmware_hash,
        equals=True,
    )


@pytest.mark.requirement("BASE-POWER")
def test_a_device_that_stops_answering_is_power_cycled_and_recovers(
    esme: HilDevice, evidence: ScenarioEvidence, request: pytest.FixtureRequest
) -> None:
    """An ESME that hangs is found by the probe run between scenarios, power-cycled, answers
    again, and the recovery is in this scenario's record (``recoveries``)."""
    power_port(esme)
    rig = esme.rig
    if getattr(rig.ops, "control", None) is None:
        pytest.skip(
            f"rig {rig.spec.name} cannot make a device hang on demand (that needs the emulator's "
            "control channel: radio.control)"
        )
    evidence.device(esme.identity, group_id=esme.spec.group_id)
    before = esme.firmware()
    ops: Any = rig.ops  # the emulator-only operations of the ZigBee rig
    rig.run(ops.emulator_hang_device(esme.ieee))
    try:
        rig.run(rig.ops.read_firmware_version(esme.ieee, timeout=2.0))
        answered_while_hung = True
    except RigError:
        answered_while_hung = False
    evidence.measure("answers_while_hung", answered_while_hung, equals=False)
    # the probe and power cycle the plugin runs before every scenario (harness.plugin.recovery)
    switches = cast(Power, rig.ports["power"])
    entries = rig.run(recover_devices(rig.ops, switches, powered_devices(rig)), 300)
    request.node.stash[RECOVERIES] = entries
    cycled = [e for e in entries if e["device"] == esme.ieee]
    evidence.measure("power_cycled", len(cycled), equals=1)
    evidence.measure("recovered", bool(cycled) and cycled[0]["recovered"], equals=True)
    evidence.measure("others_left_alone", len(entries), equals=1)
    after = esme.firmware()
    evidence.firmware_versions(esme.ieee, before, after)
    evidence.measure("running_version_unchanged", after.file_version, equals=before.file_version)

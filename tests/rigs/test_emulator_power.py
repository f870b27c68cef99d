"""The embedded rig's power: every device gets a ``power`` port switched through the emulator's
control channel (``power.set``/``power.get``), without labgrid.

Power off: the device is silent on ZigBee and on its test port. Power on: it boots the image it
runs and keeps the image it holds; an OTA transfer cut by a power cycle resumes. A hung device
answers nowhere until its power is cycled.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import pytest
from emulated_device_images import image_for

from rigs.bringup import RigSession, bring_up
from rigs.capabilities import Power
from rigs.control_client import ControlClient, ControlError
from rigs.kinds import SpecError
from rigs.kinds import power as power_kind
from rigs.kinds.power import ControlPowerSpec
from rigs.operations import DeviceRole, RigError, TransferStatus
from rigs.spec import RadioSpec, RigSpec

T = TypeVar("T")


@contextlib.asynccontextmanager
async def embedded() -> AsyncIterator[RigSession]:
    spec = RigSpec(name="power", radio=RadioSpec(kind="emulated"), devices=())
    async with contextlib.AsyncExitStack() as stack:
        yield await bring_up(
            stack,
            spec,
            emulator_args=["--ppmids", "0", "--gsmes", "0"],
            radio_options={"nudge_interval": 0.2, "stall_timeout": 20.0},
        )


def esme(session: RigSession) -> str:
    return next(d.ieee for d in session.spec.devices if d.role == "ESME")


async def _when_back(call: Callable[[], Awaitable[T]], attempts: int = 20) -> T:
    """The answer of a read retried while the device boots (each try has its own timeout)."""
    for _ in range(attempts):
        try:
            return await call()
        except RigError:  # not reachable yet, or no answer in time
            continue
    raise AssertionError("the device did not come back")


async def test_every_embedded_device_has_a_power_port_on_the_control_channel() -> None:
    async with embedded() as session:
        assert session.emulator is not None
        for device in session.spec.devices:
            port = device.port("power")
            assert port == ControlPowerSpec(session.emulator.control)
        power = session.port("power")
        assert isinstance(power, Power)
        assert await power.power_state(esme(session)) is True


async def test_power_off_silences_the_device_and_power_on_keeps_its_held_image() -> None:
    async with embedded() as session:
        ieee = esme(session)
        power: Any = session.port("power")
        serial: Any = session.port("serial")
        radio: Any = session.radio
        image = image_for(DeviceRole.ESME, 8 * 1024)
        sent = await radio.distribute_image(ieee, image, timeout=120)
        assert sent.status is TransferStatus.OK
        held = await radio.read_held_image(ieee)
        running = await radio.read_firmware_version(ieee)
        assert held is not None

        await power.power_off(ieee)
        assert await power.power_state(ieee) is False
        with pytest.raises(RigError):  # not reached, or no answer in time
            await radio.read_firmware_version(ieee, timeout=2)
        with pytest.raises(RigError):
            await serial.read_firmware_version(ieee, timeout=2)

        await power.power_on(ieee)
        assert await power.power_state(ieee) is True
        after = await _when_back(lambda: radio.read_firmware_version(ieee, timeout=2))
        assert after == running
        assert await radio.read_held_image(ieee) == held
        events = await serial.read_event_log(ieee)
        assert "power" in events[-2].text and "reboot" in events[-1].text, events[-2:]


async def test_an_ota_transfer_cut_by_a_power_cycle_resumes() -> None:
    async with embedded() as session:
        ieee = esme(session)
        power: Any = session.port("power")
        image = image_for(DeviceRole.ESME, 24 * 1024)
        cut = asyncio.Event()

        def progress(done: int, total: int) -> None:
            if done >= total // 3:
                cut.set()

        radio: Any = session.radio
        transfer = asyncio.create_task(
            radio.distribute_image(ieee, image, progress=progress, timeout=180)
        )
        await asyncio.wait_for(cut.wait(), 120)
        await power.power_cycle(ieee, off_seconds=0.5)
        result = await transfer
        assert result.status is TransferStatus.OK, result.reason
        assert result.resumes >= 1
        held = await radio.read_held_image(ieee)
        assert held is not None and held.size == len(image)


async def test_a_hung_device_answers_nowhere_until_its_power_is_cycled() -> None:
    async with embedded() as session:
        ieee = esme(session)
        power: Any = session.port("power")
        radio: Any = session.radio
        serial: Any = session.port("serial")
        running = await radio.read_firmware_version(ieee)
        await radio.emulator_hang_device(ieee)
        assert await power.power_state(ieee) is True  # hung, not unpowered
        with pytest.raises(RigError):
            await radio.read_firmware_version(ieee, timeout=2)
        with pytest.raises(RigError):
            await serial.read_firmware_version(ieee, timeout=2)
        await power.power_on(ieee)  # already on: switching it on again changes nothing
        with pytest.raises(RigError):
            await radio.read_firmware_version(ieee, timeout=2)
        await power.power_cycle(ieee, off_seconds=0.2)
        after = await _when_back(lambda: radio.read_firmware_version(ieee, timeout=2))
        assert after == running


async def test_bad_power_requests_are_refused_with_a_reason() -> None:
    async with embedded() as session:
        assert session.emulator is not None
        client = await ControlClient.connect(session.emulator.control)
        try:
            with pytest.raises(ControlError, match="no such device"):
                await client.power_get("00000000000000FF")
            with pytest.raises(ControlError, match="'on', true or false"):
                await client.call("power.set", ieee=esme(session), on="yes")
            with pytest.raises(ControlError, match="16 hex digits"):
                await client.call("device.hang", ieee="nope")
            assert await client.power_get(esme(session)) is True  # nothing changed
        finally:
            await client.close()


def test_a_control_power_port_in_a_rig_file_is_checked() -> None:
    spec = power_kind.parse({"control": "tcp://127.0.0.1:4000"}, "devices[0].ports.power")
    assert spec == ControlPowerSpec("tcp://127.0.0.1:4000")
    with pytest.raises(SpecError, match=r"devices\[0\].ports.power.control: control address"):
        power_kind.parse({"control": "udp://x:1"}, "devices[0].ports.power")
    with pytest.raises(SpecError, match="unknown key"):
        power_kind.parse({"control": "tcp://127.0.0.1:4000", "index": 1}, "ports.power")

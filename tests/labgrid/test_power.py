"""Power through labgrid's own power driver: ``NetworkPowerDriver`` with the ``simplerest``
backend switching the emulator's devices (``emulate --power-http``), as an exporter's
``NetworkPowerPort`` would.

Power off: the device is silent on ZigBee and on its test port. Power on: it boots the image it
runs, keeps the image it holds, and an OTA transfer cut by the power cycle resumes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import pytest
from emulated_device_images import image_for

from rigs.bringup import RigSession, bring_up
from rigs.capabilities import Power
from rigs.kinds import power as power_kind
from rigs.kinds.power import LabgridPowerSwitches
from rigs.operations import DeviceRole, RigError, TransferStatus
from rigs.spec import RadioSpec, RigSpec

pytest.importorskip("labgrid", reason="labgrid is not installed (pip install 'smets1-hil[test]')")
pytestmark = pytest.mark.slow
T = TypeVar("T")


@contextlib.asynccontextmanager
async def embedded(*args: str) -> AsyncIterator[RigSession]:
    spec = RigSpec(name="power", radio=RadioSpec(kind="emulated"), devices=())
    async with contextlib.AsyncExitStack() as stack:
        yield await bring_up(
            stack,
            spec,
            emulator_args=["--ppmids", "0", "--gsmes", "0", "--power-http", "127.0.0.1:0", *args],
            radio_options={"nudge_interval": 0.2, "stall_timeout": 20.0},
        )


def esme(session: RigSession) -> str:
    return next(d.ieee for d in session.spec.devices if d.role == "ESME")


def power_switches(session: RigSession) -> LabgridPowerSwitches:
    """The ``power`` kind's driver for the emulator's switches, as a rig file would give them."""
    assert session.emulator is not None
    url = session.emulator.info["power"]
    specs = {
        str(d["ieee"]): power_kind.parse(
            {"model": "simplerest", "host": url, "index": d["power_index"]}, "ports.power"
        )
        for d in session.emulator.devices
    }
    return LabgridPowerSwitches(specs, None)


async def test_power_off_silences_the_device_and_power_on_keeps_its_held_image() -> None:
    async with embedded() as session:
        ieee = esme(session)
        power = power_switches(session)
        serial = session.port("serial")
        assert isinstance(power, Power)
        radio = session.radio
        assert await power.power_state(ieee) is True
        image = image_for(DeviceRole.ESME, 8 * 1024)
        sent = await radio.distribute_image(ieee, image, timeout=120)  # type: ignore[attr-defined]
        assert sent.status is TransferStatus.OK
        held = await radio.read_held_image(ieee)  # type: ignore[attr-defined]
        running = await radio.read_firmware_version(ieee)  # type: ignore[attr-defined]
        assert held is not None
        await serial.identify(ieee, timeout=5)  # type: ignore[attr-defined]

        await power.power_off(ieee)
        assert await power.power_state(ieee) is False
        with pytest.raises(RigError):  # not reached, or no answer in time
            await radio.read_firmware_version(ieee, timeout=2)  # type: ignore[attr-defined]
        with pytest.raises(RigError):
            await serial.read_firmware_version(ieee, timeout=2)  # type: ignore[attr-defined]

        await power.power_on(ieee)
        assert await power.power_state(ieee) is True
        after = await _when_back(
            lambda: radio.read_firmware_version(ieee, timeout=2)  # type: ignore[attr-defined]
        )
        assert after == running
        assert await radio.read_held_image(ieee) == held  # type: ignore[attr-defined]
        events = await serial.read_event_log(ieee)  # type: ignore[attr-defined]
        assert "power" in events[-2].text and "reboot" in events[-1].text, events[-2:]


async def test_an_ota_transfer_cut_by_a_power_cycle_resumes() -> None:
    async with embedded() as session:
        ieee = esme(session)
        power = power_switches(session)
        image = image_for(DeviceRole.ESME, 24 * 1024)
        cut = asyncio.Event()

        def progress(done: int, total: int) -> None:
            if done >= total // 3:
                cut.set()

        transfer = asyncio.create_task(
            session.radio.distribute_image(  # type: ignore[attr-defined]
                ieee, image, progress=progress, timeout=180
            )
        )
        await asyncio.wait_for(cut.wait(), 120)
        await power.power_cycle(ieee, off_seconds=1.0)  # type: ignore[attr-defined]
        result = await transfer
        assert result.status is TransferStatus.OK, result.reason
        assert result.resumes >= 1
        held = await session.radio.read_held_image(ieee)  # type: ignore[attr-defined]
        assert held is not None and held.size == len(image)


async def _when_back(call: Callable[[], Awaitable[T]], attempts: int = 20) -> T:
    """The answer of a read retried while the device boots (each try has its own timeout)."""
    for _ in range(attempts):
        try:
            return await call()
        except RigError:  # not reachable yet, or no answer in time
            continue
    raise AssertionError("the device did not come back")

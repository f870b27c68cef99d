"""Unmodified bellows against the emulated EmberZNet co-processor (``--coprocessor ezsp``).

The ControllerApplication gets only what a user writes (the port); it resets the NCP over ASH,
negotiates EZSP, forms a network, permits joining and sees the three emulated devices join. A
second session on the same co-processor loads the network it formed instead of forming another.
Every command bellows sends on the way is one the NCP answers (none is an ``invalidCommand``).
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import signal
from typing import Any

import bellows.zigbee.application as bellows_app
import pytest
import zigpy.device

from rigs.control_client import ControlClient
from rigs.emulator import EmulatorProcess
from rigs.zigbee.rig import ZigbeeRig, ZigbeeRigConfig

pytestmark = pytest.mark.slow


class Joins:
    def __init__(self) -> None:
        self.ieees: set[str] = set()
        self.changed = asyncio.Event()

    def device_joined(self, device: zigpy.device.Device) -> None:
        self.ieees.add(str(device.ieee).replace(":", "").upper())
        self.changed.set()


async def test_bellows_forms_a_network_and_sees_the_devices_join() -> None:
    async with EmulatorProcess(["--coprocessor", "ezsp", "--no-test-ports"]) as emulator:
        assert emulator.info["coprocessor"] == "ezsp"
        expected = {d["ieee"] for d in emulator.devices}
        app: Any = bellows_app.ControllerApplication({"device": {"path": emulator.radio}})
        joins = Joins()
        app.add_listener(joins)
        try:
            await app.startup(auto_form=True)
            assert app._ezsp.ezsp_version == 8
            info = app.state.network_info
            assert app.state.node_info.nwk == 0x0000 and info.channel in range(11, 27)
            assert app.state.node_info.version == "6.10.3.0 build 0"
            formed = (info.pan_id, info.extended_pan_id, info.network_key.key)
            await app.permit(60)
            async with asyncio.timeout(20):
                while not expected <= joins.ieees:
                    joins.changed.clear()
                    await joins.changed.wait()
        finally:
            await app.shutdown()

        again: Any = bellows_app.ControllerApplication({"device": {"path": emulator.radio}})
        try:
            await again.startup(auto_form=False)  # the network is there: nothing to form
            info = again.state.network_info
            assert (info.pan_id, info.extended_pan_id, info.network_key.key) == formed
        finally:
            await again.shutdown()

        # bellows' start-up (with forming: reset_network_info clears the Green Power sink table,
        # gpSinkTableClearAll) and its second start-up sent nothing the NCP had to refuse
        control = await ControlClient.connect(emulator.control)
        try:
            ezsp = (await control.link_stats())["ezsp"]
        finally:
            await control.close()
        assert ezsp["commands"] > 0
        assert (ezsp["invalid_commands"], ezsp["malformed_commands"]) == (0, 0)


async def test_ash_recovers_from_a_lossy_radio_port() -> None:
    """Bytes dropped and corrupted both ways on the radio port: bellows' and the NCP's NAKs and retransmissions
    carry the start-up, the joins and the interviews through; the counters show they were needed."""
    args = ["--coprocessor", "ezsp", "--no-test-ports", "--log-level", "INFO"]
    emulator = EmulatorProcess([*args, "--impair-radio", "loss=0.001,corrupt=0.001,seed=11"])
    async with emulator:
        config = ZigbeeRigConfig(path=emulator.radio, radio="ezsp")
        rig = await ZigbeeRig.open(config, timeout=120)
        try:
            await rig.permit_join(60)
            ieees = [d["ieee"] for d in emulator.devices]
            await rig.wait_for_devices(ieees, timeout=60)
            roles = [(await rig.identify(ieee)).role.value for ieee in ieees]
            assert roles == [d["role"] for d in emulator.devices]
        finally:
            await rig.close()
        log = os.dup(emulator._stderr.fileno())  # the emulator's stderr, readable after it stops
        try:
            await asyncio.to_thread(emulator.stop)
            stats = emulator_statistics(log)
        finally:
            os.close(log)
    ash, line = stats["ash"], stats["line"]
    assert line["to_host_lost"] > 0 and line["from_host_lost"] > 0
    assert line["to_host_corrupted"] > 0 and line["from_host_corrupted"] > 0
    assert ash["crc_errors"] > 0 and ash["naks_sent"] > 0
    assert ash["naks_received"] > 0 and ash["retransmissions"] > 0
    assert ash["errors_sent"] == 0


class Records(logging.Handler):
    """Keeps the records of one logger, from any thread (bellows runs ASH in a thread of its own)."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_a_send_nobody_waits_for_any_more_leaves_nothing_unretrieved_at_close() -> None:
    """The NCP stops answering (its process stopped), a command times out with its DATA frame
    still being sent, then the rig closes: that frame's end is read by the rig, not reported by
    asyncio as "Task exception was never retrieved"."""
    unretrieved, ours = Records(), Records()
    ours.setLevel(logging.DEBUG)
    logging.getLogger("asyncio").addHandler(unretrieved)
    fastpath_logger = logging.getLogger("rigs.zigbee.bellows_fastpath")
    level = fastpath_logger.level
    fastpath_logger.addHandler(ours)
    fastpath_logger.setLevel(logging.DEBUG)
    try:
        async with EmulatorProcess(["--coprocessor", "ezsp", "--no-test-ports"]) as emulator:
            assert emulator.pid is not None
            rig = await ZigbeeRig.open(ZigbeeRigConfig(path=emulator.radio, radio="ezsp"))
            app: Any = rig.app  # bellows' ControllerApplication
            os.kill(emulator.pid, signal.SIGSTOP)
            try:
                with pytest.raises(TimeoutError):
                    await asyncio.wait_for(app._ezsp.nop(), 1.0)
                await rig.close()
                for _ in range(3):  # the send's task ends in bellows' thread, then is collected
                    await asyncio.sleep(0.1)
                    gc.collect()
            finally:
                os.kill(emulator.pid, signal.SIGCONT)
    finally:
        logging.getLogger("asyncio").removeHandler(unretrieved)
        fastpath_logger.removeHandler(ours)
        fastpath_logger.setLevel(level)
    assert [r.getMessage() for r in unretrieved.records] == []
    assert any("when the link closed" in r.getMessage() for r in ours.records)


def emulator_statistics(fd: int) -> dict[str, Any]:
    """The radio port's statistics the emulator logged (to ``fd``) when it stopped."""
    os.lseek(fd, 0, os.SEEK_SET)
    words = b"".join(iter(lambda: os.read(fd, 65536), b"")).decode(errors="replace")
    marker = "radio port statistics: "
    lines = [line for line in words.splitlines() if marker in line]
    assert lines, words[-2000:]
    stats: dict[str, Any] = json.loads(lines[-1].split(marker, 1)[1])
    return stats

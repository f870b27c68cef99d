"""Unmodified bellows against the emulated EmberZNet co-processor (``--coprocessor ezsp``).

The ControllerApplication gets only what a user writes (the port); it resets the NCP over ASH,
negotiates EZSP, forms a network, permits joining and sees the three emulated devices join. A
second session on the same co-processor loads the network it formed instead of forming another.
"""

from __future__ import annotations

import asyncio
from typing import Any

import bellows.zigbee.application as bellows_app
import pytest
import zigpy.device

from rigs.emulator import EmulatorProcess

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

"""The rig rides through zigpy-znp giving the link up.

zigpy gives a link up when its watchdog goes unanswered (and a radio library when its port
fails): it calls the application's ``connection_lost``, as this test does. The rig starts the
radio again (Z-Stack keeps its network, the devices stay joined and announce themselves), an
operation under way waits for it, and the rig counts the restart.
"""

from __future__ import annotations

import pytest

from rigs.emulator import EmulatorProcess
from rigs.zigbee.rig import ZigbeeRig, ZigbeeRigConfig

pytestmark = pytest.mark.slow


class GaveUp(Exception):
    """What a radio library passes to connection_lost when it gives the link up."""


async def test_a_lost_link_is_started_again_and_the_devices_still_answer() -> None:
    kind = "znp"
    async with EmulatorProcess(["--coprocessor", kind, "--no-test-ports"]) as emulator:
        config = ZigbeeRigConfig(path=emulator.radio, radio=kind, control=emulator.control)
        rig = await ZigbeeRig.open(config, timeout=60)
        try:
            ieees = [d["ieee"] for d in emulator.devices]
            await rig.permit_join(60)
            await rig.wait_for_devices(ieees, timeout=60)
            await rig.permit_join(0)
            rig.app.connection_lost(GaveUp("watchdog: no answer to SYS_PING"))
            assert rig.link_lost() is None  # being brought back: not lost for good
            versions = [await rig.read_firmware_version(ieee, timeout=30) for ieee in ieees]
            assert rig.reconnects == 1 and rig.link_lost() is None
            assert (await rig.link_stats())["host"]["reconnects"] == 1
        finally:
            await rig.close()
    assert all(v.file_version > 0 for v in versions)

"""Unmodified zigpy-znp through a radio port that loses bytes (``--impair-radio``).

MT has no retransmission: the emulated Z-Stack drops each frame whose FCS fails, and zigpy-znp
1.1.1 sends each request once. The rig's layer (rigs.zigbee.znp_retries, the rig's start-up and
read retries) asks again when an answer is lost; the counters show both that bytes were lost and
that the rig asked again.
"""

from __future__ import annotations

import pytest

from rigs.emulator import EmulatorProcess
from rigs.zigbee.rig import ZigbeeRig, ZigbeeRigConfig
from rigs.zigbee.znp_retries import active

pytestmark = pytest.mark.slow


async def test_zigpy_znp_starts_and_interviews_through_a_lossy_radio_port() -> None:
    assert active(), "zigpy-znp is not a version the retries were tested with"
    args = ["--coprocessor", "znp", "--no-test-ports"]
    emulator = EmulatorProcess([*args, "--impair-radio", "loss=0.002,seed=5"])
    async with emulator:
        config = ZigbeeRigConfig(path=emulator.radio, radio="znp", control=emulator.control)
        rig = await ZigbeeRig.open(config, timeout=180)
        try:
            ieees = [d["ieee"] for d in emulator.devices]
            await rig.permit_join(60)
            await rig.wait_for_devices(ieees, timeout=120)
            roles = [(await rig.identify(ieee, timeout=30)).role.value for ieee in ieees]
            link = await rig.link_stats()
        finally:
            await rig.close()
    assert roles == [d["role"] for d in emulator.devices]
    assert link["line"]["from_host_lost"] > 0 and link["line"]["to_host_lost"] > 0
    assert link["crc_errors"] > 0  # frames the co-processor dropped for a bad FCS
    assert link["host"]["requests_sent_again"] > 0  # requests whose answer was lost, sent again

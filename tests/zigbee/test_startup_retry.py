"""A start-up attempt that lost the link does not leave the rig marked as lost once it is up.

A radio library that fails a start-up attempt on a lossy line often reports the link lost on
its way out (``connection_lost``); the rig starts again (``rigs.zigbee.rig._start``) and, once an
attempt succeeds, the link is up: operations must not fail with "the radio link is lost".
"""

from __future__ import annotations

from typing import Any

import pytest

from rigs.emulator import EmulatorProcess
from rigs.zigbee import rig as rig_module
from rigs.zigbee.rig import ZigbeeRig, ZigbeeRigConfig

pytestmark = pytest.mark.slow


class GaveUp(Exception):
    """What a radio library passes to connection_lost when a start-up attempt fails."""


async def test_a_link_lost_by_a_failed_attempt_is_not_held_against_the_started_rig(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_start = rig_module._start

    async def start_after_a_lost_attempt(app: Any, path: str, timeout: float) -> None:
        app.listener_event("connection_lost", GaveUp("start-up attempt 1: no answer"))
        await real_start(app, path, timeout)

    monkeypatch.setattr(rig_module, "_start", start_after_a_lost_attempt)
    async with EmulatorProcess(["--ppmids", "1", "--esmes", "0", "--gsmes", "0"]) as emulator:
        config = ZigbeeRigConfig(path=emulator.radio, control=emulator.control)
        rig = await ZigbeeRig.open(config, timeout=60)
        try:
            assert rig.link_lost() is None
            ieee = emulator.devices[0]["ieee"]
            await rig.permit_join(60)
            await rig.wait_for_devices([ieee], timeout=60)
            assert (await rig.read_firmware_version(ieee, timeout=30)).file_version > 0
        finally:
            await rig.close()

"""The end-to-end flow run as a script, so a test can run it with SMETS1_HIL_PURE=1.

Prints one JSON line with what it saw; the test checks it.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import fastpath
from rigs.operations import ActivationStatus, DeviceRole
from rigs.zigbee import embedded_rig

# tests/, as pytest has it on sys.path (for the shared test-support modules)
sys.path.append(str(Path(__file__).resolve().parents[1]))
from emulated_device_images import NEW_VERSION, digests, image_for


async def flow() -> dict[str, object]:
    seen: dict[str, object] = {"harness_fastpath": fastpath.IMPLEMENTATION}
    async with embedded_rig() as er:
        seen["emulator_fastpath"] = er.emulator.info["fastpath"]
        seen["devices"] = len(er.rig.ready_devices())
        for role in DeviceRole:
            ieee = er.by_role(role)[0]
            image = image_for(role, 16 * 1024)
            result = await er.rig.distribute_image(ieee, image, timeout=60)
            held = await er.rig.read_held_image(ieee)
            activation = await er.rig.activate(ieee)
            version = await er.rig.read_firmware_version(ieee)
            seen[role.value] = {
                "transfer": result.status.value,
                "held_matches": held is not None
                and (held.sha256, held.manufacturer_image_sha256) == digests(image),
                "activated": activation.status is ActivationStatus.ACTIVATED,
                "running_new": version.file_version == NEW_VERSION,
            }
        seen["site_id"] = await er.rig.read_site_id(er.by_role(DeviceRole.GSME)[0])
    return seen


if __name__ == "__main__":
    print(json.dumps(asyncio.run(flow())))

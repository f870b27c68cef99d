"""The default embedded rig in one call: emulator process on a pty + ZigbeeRig, devices joined.

async with embedded_rig() as rig:
    await rig.distribute_image(rig.devices_by_role[DeviceRole.PPMID][0], image)
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from rigs.emulator.process import EmulatorProcess
from rigs.operations import DeviceRole
from rigs.zigbee.rig import ZigbeeRig, ZigbeeRigConfig


@dataclass
class EmbeddedRig:
    rig: ZigbeeRig
    emulator: EmulatorProcess
    devices: list[dict[str, Any]] = field(default_factory=list)

    def by_role(self, role: DeviceRole) -> list[str]:
        return [d["ieee"] for d in self.devices if d["role"] == role.value]


@contextlib.asynccontextmanager
async def embedded_rig(
    emulator_args: Sequence[str] = (),
    *,
    env: dict[str, str] | None = None,
    join_timeout: float = 30.0,
    **rig_options: Any,
) -> AsyncIterator[EmbeddedRig]:
    """Start the emulator, open the rig on its pty, form the network, wait for every device.

    ``emulator_args`` are emulator options (``["--ppmids", "16"]``, ``["--device-file", f]``);
    ``rig_options`` go to :class:`ZigbeeRigConfig` (``block_size=``, ``stall_timeout=``, ...).
    """
    # the emulated radio link runs over a socketpair (docs/links.md); other co-processor kinds
    # are opened by their radio library by path, so they keep the emulator's pty
    native = "--coprocessor" not in emulator_args or "emulated" in emulator_args
    async with EmulatorProcess(emulator_args, env=env, radio_socketpair=native) as emulator:
        config = ZigbeeRigConfig(
            path=emulator.radio, radio="emulated", control=emulator.control, **rig_options
        )
        rig = await ZigbeeRig.open(config)
        try:
            await rig.permit_join(60)
            await rig.wait_for_devices([d["ieee"] for d in emulator.devices], timeout=join_timeout)
            await rig.permit_join(0)
            yield EmbeddedRig(rig, emulator, emulator.devices)
        finally:
            await rig.close()

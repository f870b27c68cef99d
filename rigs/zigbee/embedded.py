"""The default embedded rig in one call: emulator process + ZigbeeRig, devices joined.

async with embedded_rig() as rig:
    await rig.rig.distribute_image(rig.by_role(DeviceRole.PPMID)[0], image)

It is :func:`rigs.bringup.bring_up` for a radio without a path, with the devices the emulator
hosts (not identified: the caller asks what it needs). The emulator plays a co-processor of the
given ``kind``: ``znp`` (zigpy-znp, the default, as ``smets1-hil run``), ``ezsp`` (bellows) or
``emulated`` (the private radio link).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from rigs.bringup import RigSession, bring_up
from rigs.launcher import EmulatorProcess
from rigs.operations import DeviceRole
from rigs.spec import RadioSpec, RigSpec
from rigs.zigbee.rig import ZigbeeRig

DEFAULT_KIND = "znp"  # as the embedded default of ``smets1-hil run`` (harness.rigfile)


@dataclass
class EmbeddedRig:
    rig: ZigbeeRig
    session: RigSession
    emulator: EmulatorProcess
    devices: list[dict[str, Any]] = field(default_factory=list)  # as the emulator announced them

    def by_role(self, role: DeviceRole) -> list[str]:
        return [d["ieee"] for d in self.devices if d["role"] == role.value]


@contextlib.asynccontextmanager
async def embedded_rig(
    emulator_args: Sequence[str] = (),
    *,
    env: dict[str, str] | None = None,
    join_timeout: float = 30.0,
    kind: str = DEFAULT_KIND,
    **rig_options: Any,
) -> AsyncIterator[EmbeddedRig]:
    """Start the emulator, open the rig on its radio port, form the network, wait for every device.

    ``emulator_args`` are emulator options (``["--ppmids", "16"]``, ``["--device-file", f]``);
    ``rig_options`` go to :class:`~rigs.zigbee.rig.ZigbeeRigConfig` (``block_size=``,
    ``stall_timeout=``, ``trace=``, ...).
    """
    trace = rig_options.pop("trace", None)
    spec = RigSpec(name="embedded", radio=RadioSpec(kind=kind), devices=())
    async with contextlib.AsyncExitStack() as stack:
        session = await bring_up(
            stack,
            spec,
            trace=trace,
            identify=False,
            emulator_args=emulator_args,
            emulator_env=env,
            start_timeout=20.0,
            join_timeout=join_timeout,
            radio_options=rig_options,
        )
        assert isinstance(session.radio, ZigbeeRig) and session.emulator is not None
        yield EmbeddedRig(session.radio, session, session.emulator, session.announced)

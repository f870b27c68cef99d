"""Bring a rig up for a session and take it down again, whatever happens in between.

The rig is brought up by :func:`rigs.bringup.bring_up` on the rig's own event loop thread, with
everything it starts entered on one :class:`contextlib.AsyncExitStack`: an embedded radio starts
the emulator process (hosting exactly the rig file's devices) and is reached over the pty the
emulator prints; any other rig is reached at the radio path the rig file gives (a device path, or
a ``socket://`` / ``rfc2217://`` URL, used exactly like a local port). Then the ZigBee rig starts
the network, lets the devices join and identifies each of them.

Each device's ports are the ones the rig file lists by kind (``ports.serial`` or ``serial_port``
for its serial test port); for the embedded emulator, a device the rig file gives no test port is
reached at the port the emulator serves it on. Ports are opened only when a scenario first uses
one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from harness.plugin.loop_thread import LoopThread
from harness.plugin.rig import HilRig, RadioOperations
from rigs import bringup
from rigs.bringup import RigBringUpError, emulator_device_file, emulator_serial_ports
from rigs.spec import SERIAL, RigSpec

__all__ = [
    "RigBringUpError",
    "StartedRig",
    "bring_up",
    "emulator_device_file",
    "emulator_serial_ports",
]

START_TIMEOUT_S = bringup.START_TIMEOUT_S
JOIN_TIMEOUT_S = bringup.JOIN_TIMEOUT_S
# the whole bring-up: emulator start, radio start, join, identification of a few devices
BRING_UP_TIMEOUT_S = START_TIMEOUT_S * 2 + JOIN_TIMEOUT_S + 60
TEARDOWN_TIMEOUT_S = 60.0


@dataclass
class StartedRig:
    rig: HilRig
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        """Stop everything that was started, last first; every step runs even if one fails."""
        errors: list[BaseException] = []
        while self._closers:
            closer = self._closers.pop()
            try:
                closer()
            except Exception as exc:  # noqa: BLE001  (keep closing the rest)
                errors.append(exc)
        if errors:
            raise RigBringUpError(f"rig teardown: {errors[0]}")


def bring_up(
    spec: RigSpec, trace: Path | None = None, test_port_traces: Path | None = None
) -> StartedRig:
    """Bring the rig up; ``trace`` is the radio trace file, ``test_port_traces`` the directory
    for the test ports' traces (none are written without it)."""
    from harness.plugin.serial_side import TestPorts

    loop = LoopThread(name=f"rig-{spec.name}")
    stack = contextlib.AsyncExitStack()

    async def up() -> bringup.RigSession:
        try:
            return await bringup.bring_up(stack, spec, trace=trace, port_traces=test_port_traces)
        except BaseException:
            await stack.aclose()
            raise

    try:
        session = loop.run(up(), BRING_UP_TIMEOUT_S)
    except BaseException:
        loop.close()
        raise
    if spec.radio.kind == "ezsp":
        from rigs.zigbee import bellows_fastpath, bellows_frames

        session.where["codec"] = bellows_fastpath.status().describe()
        session.where["frames"] = bellows_frames.status().summary()
    elif spec.radio.kind == "znp":
        from rigs.zigbee import znp_fastpath, znp_hot_frames

        session.where["codec"] = znp_fastpath.status().describe()
        session.where["frames"] = znp_hot_frames.summary()
    firmware = getattr(session.radio, "radio_firmware", None)  # what the co-processor reports
    if firmware is not None:
        session.where["firmware"] = firmware
    started = StartedRig(rig=None)  # type: ignore[arg-type]
    started._closers += [loop.close, lambda: loop.run(stack.aclose(), TEARDOWN_TIMEOUT_S)]
    test_ports = TestPorts(
        loop,
        {d.ieee: d.serial_port for d in session.spec.devices if d.serial_port is not None},
        trace_dir=test_port_traces,
        rig=session.ports.get(SERIAL),  # type: ignore[arg-type]
    )
    started.rig = HilRig(
        spec=session.spec,
        ops=cast(RadioOperations, session.radio),
        loop=loop,
        identities=session.identities,
        where=session.where,
        test_ports=test_ports,
        ports=session.ports,
    )
    return started

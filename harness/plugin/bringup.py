"""Bring a rig up for a session and take it down again, whatever happens in between.

A rig with an embedded radio starts the emulator process (hosting exactly the rig file's devices)
and reaches it over the pty the emulator prints; any other rig is reached at the radio path the rig
file gives (a device path, or a ``socket://`` / ``rfc2217://`` URL, used exactly like a local port).
Then the ZigBee rig starts the network, lets the devices join and identifies each of them.

Each device's serial test port is the rig file's ``serial_port``; for the embedded emulator, a
device the rig file gives none is reached at the port the emulator serves it on. The ports are
opened only when a scenario first uses one.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.plugin.loop_thread import LoopThread
from harness.plugin.rig import HilRig
from harness.rigfile import RigSpec

JOIN_TIMEOUT_S = 60.0
START_TIMEOUT_S = 60.0


class RigBringUpError(Exception):
    """The rig could not be brought up; the message says which step failed."""


def emulator_device_file(spec: RigSpec) -> str:
    """A device file for the emulator hosting exactly the rig's devices.

    The devices report their MPRN/MPAN in canonical form (no leading zeros); the rig file's
    ``site_id`` is what the SMSO holds, which may be padded.
    """
    lines = []
    for device in spec.devices:
        lines += [
            "[[devices]]",
            f'role = "{device.role}"',
            f'profile = "{device.model}"',
            f'ieee = "{device.ieee}"',
        ]
        if device.site_id is not None:
            lines.append(f'site_id = "{device.site_id.lstrip("0") or "0"}"')
        lines.append("")
    return "\n".join(lines)


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


def emulator_serial_ports(devices: list[dict[str, Any]]) -> dict[str, str]:
    """IEEE address -> test port URL, from the devices the emulator announced."""
    return {
        str(entry["ieee"]).upper(): str(entry["serial"]) for entry in devices if entry.get("serial")
    }


def bring_up(
    spec: RigSpec, trace: Path | None = None, test_port_traces: Path | None = None
) -> StartedRig:
    """Bring the rig up; ``trace`` is the radio trace file, ``test_port_traces`` the directory
    for the test ports' traces (none are written without it)."""
    from harness.plugin.serial_side import TestPorts
    from rigs.zigbee.rig import ZigbeeRig, ZigbeeRigConfig

    loop = LoopThread(name=f"rig-{spec.name}")
    started = StartedRig(rig=None)  # type: ignore[arg-type]
    started._closers.append(loop.close)
    try:
        where: dict[str, Any] = {}
        if spec.radio.embedded:
            from rigs.emulator import EmulatorProcess

            workdir = Path(tempfile.mkdtemp(prefix="smets1-hil-rig-"))
            device_file = workdir / "devices.toml"
            device_file.write_text(emulator_device_file(spec), encoding="utf-8")
            emulator = EmulatorProcess(
                ["--device-file", str(device_file)],
                start_timeout=START_TIMEOUT_S,
                radio_socketpair=spec.radio.kind == "emulated",  # docs/links.md
            )
            emulator.start()
            started._closers.append(lambda: _stop_emulator(emulator, workdir))
            radio_path = emulator.radio
            control = emulator.control
            shown = radio_path
            if radio_path.startswith("fd://"):  # a socketpair: its number says little on its own
                shown = f"{radio_path} (socketpair to emulator pid {emulator.pid})"
            where.update(radio=shown, emulator_pid=emulator.pid)
            spec = spec.with_serial_ports(emulator_serial_ports(emulator.devices))
        else:
            assert spec.radio.path is not None
            radio_path = spec.radio.path
            control = None
            where.update(radio=radio_path)
        config = ZigbeeRigConfig(
            path=radio_path,
            radio=spec.radio.kind,
            baudrate=spec.radio.baudrate,
            trace=trace,
            control=control,
        )
        zigbee = loop.run(ZigbeeRig.open(config, timeout=START_TIMEOUT_S), START_TIMEOUT_S + 10)
        if spec.radio.kind == "ezsp":
            from rigs.zigbee import bellows_fastpath

            where["codec"] = bellows_fastpath.status().describe()
        elif spec.radio.kind == "znp":
            from rigs.zigbee import znp_fastpath

            where["codec"] = znp_fastpath.status().describe()
        where["firmware"] = zigbee.radio_firmware
        started._closers.append(lambda: loop.run(zigbee.close(), 30))
        ieees = [d.ieee for d in spec.devices]
        loop.run(zigbee.permit_join(int(JOIN_TIMEOUT_S)), 20)
        loop.run(zigbee.wait_for_devices(ieees, timeout=JOIN_TIMEOUT_S), JOIN_TIMEOUT_S + 10)
        identities = {ieee: loop.run(zigbee.identify(ieee), 30) for ieee in ieees}
        for device in spec.devices:
            found = identities[device.ieee].role.value
            if found != device.role:
                raise RigBringUpError(
                    f"rig {spec.name}: device {device.ieee} is a {found}, the rig file says {device.role}"
                )
        if trace is not None:
            where["trace"] = trace
        ports = {d.ieee: d.serial_port for d in spec.devices if d.serial_port is not None}
        test_ports = TestPorts(loop, ports, trace_dir=test_port_traces)
        started._closers.append(lambda: loop.run(test_ports.close(), 30))
        started.rig = HilRig(
            spec=spec,
            ops=zigbee,
            loop=loop,
            identities=identities,
            where=where,
            test_ports=test_ports,
        )
        return started
    except BaseException:
        try:
            started.close()
        except RigBringUpError:
            pass
        raise


def _stop_emulator(emulator: Any, workdir: Path) -> None:
    try:
        emulator.stop()
    finally:
        for path in workdir.iterdir():
            path.unlink(missing_ok=True)
        workdir.rmdir()

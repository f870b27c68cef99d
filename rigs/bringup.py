"""One bring-up for every rig: start what the rig needs, and take it all down again in reverse.

:func:`bring_up` enters everything it starts on the caller's :class:`contextlib.AsyncExitStack`,
so closing the stack takes the rig down (last started, first stopped) whatever happened in
between, including a failure half-way through the bring-up. It serves the pytest plugin, the
embedded rig of tests and benchmarks (:func:`rigs.zigbee.embedded.embedded_rig`) and
``smets1-hil bench``.

The steps: for an embedded radio, start the emulator process (hosting exactly the rig's devices
when the rig lists them) and fill in the test ports it serves; give the devices power switches on
the emulator's control channel (the embedded one's, or the rig file's ``radio.control``); open the
radio with its kind's driver; let the devices join and wait for them; identify each (checking its
role against the rig file); then make the driver of each port kind the devices use (ports open
when first used).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rigs import kinds
from rigs.kinds import PortDriver, Radio
from rigs.kinds.power import ControlPowerSpec
from rigs.launcher import EmulatorProcess
from rigs.operations import DeviceIdentity, RigError
from rigs.spec import DeviceSpec, PortSpec, RigSpec

JOIN_TIMEOUT_S = 300.0  # permit joining, wait for every device (ours: room for a lossy port: at
# 1% byte loss zigpy waits 28 s for each lost answer to its interview of an end device)
EMBEDDED_RADIO_STREAM = {"emulated": "socketpair"}
"""The byte stream of an embedded emulator's radio port by radio kind (``socketpair``, ``tcp`` or
``pty``); any other kind: ``tcp``."""
START_TIMEOUT_S = 120.0  # start the radio library (ours: room for a lossy radio port)


class RigBringUpError(RigError):
    """The rig could not be brought up; the message says which step failed."""


@dataclass
class RigSession:
    """A rig that is up: its spec (test ports filled in), its radio, its port drivers."""

    spec: RigSpec
    radio: Radio
    identities: dict[str, DeviceIdentity] = field(default_factory=dict)
    ports: dict[str, PortDriver] = field(default_factory=dict)  # port kind -> its driver
    where: dict[str, Any] = field(default_factory=dict)  # how the rig was reached (radio, pid)
    announced: list[dict[str, Any]] = field(default_factory=list)  # the emulator's devices
    emulator: EmulatorProcess | None = None  # the embedded emulator, if the rig started one

    def port(self, kind: str) -> PortDriver:
        """The driver of the rig's ports of ``kind``."""
        try:
            return self.ports[kind]
        except KeyError:
            raise RigError(f"rig {self.spec.name} has no {kind} ports") from None


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


def emulator_serial_ports(devices: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """IEEE address -> test port URL, from the devices the emulator announced."""
    return {
        str(entry["ieee"]).upper(): str(entry["serial"]) for entry in devices if entry.get("serial")
    }


def announced_devices(devices: Sequence[Mapping[str, Any]]) -> tuple[DeviceSpec, ...]:
    """Device specs for the devices an emulator announced (when the rig lists none)."""
    return tuple(
        DeviceSpec(role=str(d["role"]), ieee=str(d["ieee"]).upper(), model=str(d["profile"]))
        for d in devices
    )


async def _start_emulator(
    stack: contextlib.AsyncExitStack,
    spec: RigSpec,
    emulator_args: Sequence[str],
    env: Mapping[str, str] | None,
    start_timeout: float,
) -> EmulatorProcess:
    args = list(emulator_args)
    if "--coprocessor" in args:
        raise RigBringUpError(
            f"rig {spec.name}: the embedded emulator's co-processor is the radio kind "
            f"({spec.radio.kind}); do not give --coprocessor"
        )
    # the embedded emulator plays the co-processor the radio kind names (docs/coprocessors.md)
    args += ["--coprocessor", spec.radio.kind]
    if spec.devices:
        workdir = Path(tempfile.mkdtemp(prefix="smets1-hil-rig-"))
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        device_file = workdir / "devices.toml"
        device_file.write_text(emulator_device_file(spec), encoding="utf-8")
        args += ["--device-file", str(device_file)]
    # the radio port: the emulated radio link runs over a socketpair; zigpy-znp and bellows open
    # their port by URL, and loopback TCP is the cheapest byte stream they open (docs/links.md)
    stream = EMBEDDED_RADIO_STREAM.get(spec.radio.kind, "tcp")
    emulator = EmulatorProcess(
        args,
        env=dict(env) if env else None,
        start_timeout=start_timeout,
        radio_socketpair=stream == "socketpair",
        radio_tcp=stream == "tcp",
    )
    return await stack.enter_async_context(emulator)


async def bring_up(
    stack: contextlib.AsyncExitStack,
    spec: RigSpec,
    *,
    trace: Path | None = None,
    port_traces: Path | None = None,
    identify: bool = True,
    emulator_args: Sequence[str] = (),
    emulator_env: Mapping[str, str] | None = None,
    start_timeout: float = START_TIMEOUT_S,
    join_timeout: float = JOIN_TIMEOUT_S,
    radio_options: Mapping[str, Any] | None = None,
) -> RigSession:
    """Bring ``spec`` up on ``stack``; ``trace`` is the radio trace file, ``port_traces`` the
    directory for the ports' traces (none are written without it).

    A rig that lists no devices is only possible with an embedded radio: its devices are the ones
    the emulator hosts (``emulator_args`` such as ``["--ppmids", "16"]``). ``radio_options`` go to
    the radio kind's driver (for the ZigBee kinds, ``block_size=``, ``stall_timeout=``, ...).
    """
    radio_kind = kinds.get(spec.radio.kind, "radio")
    where: dict[str, Any] = {}
    announced: list[dict[str, Any]] = []
    emulator: EmulatorProcess | None = None
    if spec.radio.embedded:
        emulator = await _start_emulator(stack, spec, emulator_args, emulator_env, start_timeout)
        announced = emulator.devices
        path = emulator.radio
        shown = f"{path} (emulator pid {emulator.pid})"
        if path.startswith("fd://"):  # a socketpair: its number says little on its own
            shown = f"{path} (socketpair to emulator pid {emulator.pid})"
        where.update(radio=shown, emulator_pid=emulator.pid)
        if not spec.devices:
            spec = RigSpec(name=spec.name, radio=spec.radio, devices=announced_devices(announced))
        spec = spec.with_serial_ports(emulator_serial_ports(announced))
    else:
        if spec.radio.path is None:
            raise RigBringUpError(f"rig {spec.name}: the {spec.radio.kind} radio has no path")
        if not spec.devices:
            raise RigBringUpError(f"rig {spec.name}: lists no devices")
        path = spec.radio.path
        where.update(radio=path)
    options = dict(radio_options or {})
    # the emulator's clock, device state and link counters: its control channel
    if emulator is not None:
        options.setdefault("control", emulator.control)
    elif spec.radio.control is not None:
        options.setdefault("control", spec.radio.control)
    if options.get("control"):
        where["control"] = options["control"]
        # each device's power switch: the emulator's control channel (a rig file's port is kept)
        power = ControlPowerSpec(str(options["control"]))
        spec = spec.with_ports({device.ieee: power for device in spec.devices})
    open_radio = radio_kind.driver()
    radio: Radio = await open_radio(
        spec.radio, path, trace=trace, timeout=start_timeout, options=options
    )
    stack.push_async_callback(radio.close)
    if trace is not None:
        where["trace"] = trace
    ieees = [device.ieee for device in spec.devices]
    await radio.permit_join(int(join_timeout))
    await radio.wait_for_devices(ieees, timeout=join_timeout)
    await radio.permit_join(0)
    session = RigSession(
        spec=spec, radio=radio, where=where, announced=announced, emulator=emulator
    )
    if identify:
        for device in spec.devices:
            identity = await radio.identify(device.ieee, timeout=30.0)
            found = identity.role.value
            if found != device.role:
                raise RigBringUpError(
                    f"rig {spec.name}: device {device.ieee} is a {found}, "
                    f"the rig file says {device.role}"
                )
            session.identities[device.ieee] = identity
    for kind_name, specs in _ports_by_kind(spec.devices).items():
        make_driver = kinds.get(kind_name, "port").driver()
        trace_dir = port_traces
        driver: PortDriver = make_driver(specs, trace_dir)
        stack.push_async_callback(driver.close)
        session.ports[kind_name] = driver
    return session


def _ports_by_kind(devices: Sequence[DeviceSpec]) -> dict[str, dict[str, PortSpec]]:
    by_kind: dict[str, dict[str, PortSpec]] = {}
    for device in devices:
        for port in device.ports:
            by_kind.setdefault(port.kind, {})[device.ieee] = port
    return by_kind

"""The ZigBee radio kinds: the rig's coordinator through a zigpy radio library.

- ``emulated``: the emulator's radio link (``docs/radio-link.md``); without ``path`` the harness
  starts its own emulator process hosting the rig file's devices;
- ``znp``: a TI Z-Stack co-processor through zigpy-znp;
- ``ezsp``: a Silicon Labs EmberZNet co-processor through bellows.

A rig file's ``znp`` and ``ezsp`` radios need their ``path`` (a forgotten path must not quietly
become an emulator). The embedded default of ``smets1-hil run`` (no rig file) is a ``znp`` radio
without a path: the harness starts an emulator playing a Z-Stack co-processor.

Rig file: ``radio = { kind = "znp", path = "/dev/ttyACM0", baudrate = 115200 }``; an emulator's
radio port also names its control channel: ``control = "tcp://127.0.0.1:40123"``; an ``ezsp``
radio may bound the host's ASH acknowledgement timer: ``ash = "t_rx_ack_max=0.8"``. Driver:
:class:`rigs.zigbee.rig.ZigbeeRig`, imported only when a rig is brought up.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rigs.ash_timers import HostAshSettings
from rigs.control_protocol import parse_url
from rigs.kinds import Kind, Radio, SpecError
from rigs.kinds.entry import check_keys, integer, join, port_url, string, table
from rigs.spec import RadioSpec

BAUD_RATES = (9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)
RADIO_KEYS = ("kind", "path", "baudrate", "control", "ash")


def parse(entry: Any, key: str) -> RadioSpec:
    """The ``radio`` table (its ``kind`` already looked up in the registry)."""
    radio = table(entry, key)
    check_keys(radio, key, RADIO_KEYS)
    kind = str(radio["kind"])
    path = radio.get("path")
    if path is None:
        if kind != "emulated":
            raise SpecError(join(key, "path"), f"missing (a {kind} radio needs its port or URL)")
    else:
        path = port_url(path, join(key, "path"))
    baudrate = integer(radio, key, "baudrate", 115200)
    if baudrate not in BAUD_RATES:
        allowed = ", ".join(str(rate) for rate in BAUD_RATES)
        raise SpecError(join(key, "baudrate"), f"must be one of {allowed}")
    control = string(radio, key, "control")
    if control is not None:
        if path is None:
            raise SpecError(
                join(key, "control"),
                "needs radio.path (the embedded emulator's control channel is found without it)",
            )
        try:
            parse_url(control)
        except ValueError as exc:
            raise SpecError(join(key, "control"), str(exc)) from None
    ash = string(radio, key, "ash")
    if ash is not None:
        if kind != "ezsp":
            raise SpecError(join(key, "ash"), "only for an ezsp radio (ASH is EZSP's link)")
        try:
            HostAshSettings.parse(ash)
        except ValueError as exc:
            raise SpecError(join(key, "ash"), str(exc)) from None
    return RadioSpec(kind=kind, path=path, baudrate=baudrate, control=control, ash=ash)


async def open_radio(
    spec: RadioSpec,
    path: str,
    *,
    trace: Path | None,
    timeout: float,
    options: Mapping[str, Any],
) -> Radio:
    """Open the radio at ``path``, form or resume the network and start it."""
    from rigs.zigbee.rig import ZigbeeRig, ZigbeeRigConfig

    if spec.ash is not None:
        options = {"ash": spec.ash, **options}
    config = ZigbeeRigConfig(
        path=path, radio=spec.kind, baudrate=spec.baudrate, trace=trace, **options
    )
    return await ZigbeeRig.open(config, timeout=timeout)


def driver() -> Any:
    return open_radio


KINDS = tuple(
    Kind(name=name, role="radio", parse=parse, driver=driver, summary=summary)
    for name, summary in (
        ("emulated", "the emulator's radio link (embedded emulator when no path is given)"),
        ("znp", "a TI Z-Stack co-processor through zigpy-znp"),
        ("ezsp", "a Silicon Labs EmberZNet co-processor through bellows"),
    )
)

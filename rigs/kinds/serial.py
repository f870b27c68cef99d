"""The ``serial`` port kind: a device's serial test port (``docs/test-port.md``).

Rig file: ``ports.serial = "socket://lab-3:7001"`` (or the older ``serial_port = ...``) in a
device's table. Driver: :class:`rigs.serial.rig.SerialRig`, one per rig, which opens each port when
it is first used and checks that the device answering there has the IEEE address the rig file
gives it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rigs.kinds import Kind, PortDriver
from rigs.kinds.entry import port_url
from rigs.spec import SERIAL, PortSpec, SerialPortSpec


def parse(entry: Any, key: str) -> SerialPortSpec:
    return SerialPortSpec(url=port_url(entry, key))


def open_ports(specs: Mapping[str, PortSpec], trace_dir: Path | None) -> PortDriver:
    from rigs.serial.rig import SerialRig

    return SerialRig({ieee: spec.address for ieee, spec in specs.items()}, trace_dir=trace_dir)


def driver() -> Any:
    return open_ports


KINDS = (
    Kind(
        name=SERIAL,
        role="port",
        parse=parse,
        driver=driver,
        summary="the device's serial test port: a device path or a pyserial URL",
    ),
)

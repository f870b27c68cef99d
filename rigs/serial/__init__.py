"""The serial test port: a device's local port (meter optical port, PPMID test UART) over any link.

- :mod:`rigs.serial.protocol` — the message layout, commands and status codes (``docs/test-port.md``)
- :class:`SerialRig` — :class:`~rigs.operations.RigOperations` over test ports
- :class:`TestPortResponder` — the device side, serving any :class:`TestPortDevice`
- :class:`EmulatedTestPortDevice` — the emulator's device model, to serve on a pty or TCP port
  (:mod:`rigs.serial.serve`)
"""

from typing import Any

from rigs.operations import PinStatus
from rigs.serial.client import TestPortClient, TestPortError, TestPortTimeout
from rigs.serial.device import (
    DeviceEvent,
    DeviceReset,
    TestPortDevice,
    TestPortRefusal,
    TransferState,
)
from rigs.serial.responder import TestPortResponder
from rigs.serial.rig import SerialRig
from rigs.serial.serve import ServedPort, serve_on_pty, serve_on_tcp

__all__ = [
    "DeviceEvent",
    "DeviceReset",
    "EmulatedTestPortDevice",
    "PinStatus",
    "SerialRig",
    "ServedPort",
    "TestPortClient",
    "TestPortDevice",
    "TestPortError",
    "TestPortRefusal",
    "TestPortResponder",
    "TestPortTimeout",
    "TransferState",
    "serve_on_pty",
    "serve_on_tcp",
]


def __getattr__(name: str) -> Any:
    # The emulated device is built on rigs.emulator, which itself serves test ports with this
    # package: import it only when asked for, so that either package can be imported first.
    if name == "EmulatedTestPortDevice":
        from rigs.serial.emulated_device import EmulatedTestPortDevice

        return EmulatedTestPortDevice
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""The serial test port: a device's local port (meter optical port, PPMID test UART) over any link.

- :mod:`rigs.serial.protocol` — the message layout, commands and status codes (``docs/test-port.md``)
- :class:`SerialRig` — :class:`~rigs.operations.RigOperations` over test ports
- :class:`TestPortResponder` — the device side, serving any :class:`TestPortDevice`
- :class:`EmulatedTestPortDevice` — a device model to serve on a pty or TCP port (:mod:`rigs.serial.serve`)
"""

from rigs.serial.client import TestPortClient, TestPortError, TestPortTimeout
from rigs.serial.device import (
    DeviceEvent,
    DeviceReset,
    PinStatus,
    TestPortDevice,
    TestPortRefusal,
    TransferState,
)
from rigs.serial.emulated_device import EmulatedTestPortDevice
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

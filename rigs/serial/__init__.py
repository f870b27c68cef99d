"""The serial test port: a device's local port (meter optical port, PPMID test UART) over any link.

- :mod:`rigs.serial.protocol` — the message layout, commands and status codes (``docs/test-port.md``)
- :class:`SerialRig` — identity, firmware, PIN checks and site id (:mod:`rigs.capabilities`) over test ports
- :class:`TestPortResponder` — the device side, serving any :class:`TestPortDevice`
- :func:`serve_on_pty` / :func:`serve_on_tcp` — serve a device on a pty or TCP port

The emulator's device model behind a test port is
:class:`rigs.emulator.test_port_device.EmulatedTestPortDevice`; this package never imports the
emulator.
"""

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

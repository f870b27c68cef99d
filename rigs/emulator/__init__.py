"""Emulated SMETS1 devices (PPMID, ESME, GSME) and the process that hosts them.

- :mod:`rigs.emulator.device`: a device's own state (firmware slots, PIN, site id, event log);
- :mod:`rigs.emulator.ota_client`: its OTA Upgrade client state machine;
- :mod:`rigs.emulator.zigbee_node`: the device as a ZigBee node;
- :mod:`rigs.emulator.device_test_port`: the device as its serial test port sees it;
- :mod:`rigs.emulator.coprocessors`: the air (devices on the network) and the co-processor kinds
  its radio port can speak (``docs/coprocessors.md``);
- :mod:`rigs.emulator.control_server`: the control channel (device clock, device state, counters);
- :mod:`rigs.emulator.process`: the emulator process and :class:`EmulatorProcess` to start it;
- :mod:`rigs.emulator.parent_watch`: an emulator started from Python ends with its parent.
"""

from rigs.emulator.process import EmulatorProcess, EmulatorStartError

__all__ = ["EmulatorProcess", "EmulatorStartError"]

"""The ZigBee rig: zigpy with an emulated or real radio, Smart Energy support, an OTA server that
distributes and holds, and :class:`ZigbeeRig` offering the capabilities of :mod:`rigs.capabilities` (all but power).
"""

from rigs.zigbee._zigpy_import import import_zigpy

import_zigpy()  # before any zigpy module: see rigs/zigbee/_zigpy_import.py

from rigs.zigbee.embedded import EmbeddedRig, embedded_rig
from rigs.zigbee.rig import EmulatorClock, RadioUnavailable, ZigbeeRig, ZigbeeRigConfig

__all__ = [
    "EmbeddedRig",
    "EmulatorClock",
    "RadioUnavailable",
    "ZigbeeRig",
    "ZigbeeRigConfig",
    "embedded_rig",
]

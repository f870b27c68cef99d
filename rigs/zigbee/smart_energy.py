"""Smart Energy profile support on top of zigpy's public extension points.

zigpy 2.x only parses ZCL frames of the Home Automation and ZLL profiles; a frame of the Smart
Energy profile (0x0109) goes to ``ZigbeeDevice.custom_profile_packet_received``, which drops it.
:class:`SmartEnergyDevice` overrides that hook and hands SE frames back to zigpy's normal ZCL
pipeline (the ZCL layer is the same in both profiles); :class:`SmartEnergyApplicationMixin`
makes every device zigpy creates one of these (``ControllerApplication.add_device``). Outgoing
frames keep the profile of the device's endpoint (0x0109 for SE devices), so nothing changes on air.
The mixin goes in front of any radio library's ``ControllerApplication`` (emulated, bellows,
zigpy-znp).
"""

from __future__ import annotations

from typing import Any

import zigpy.device
import zigpy.profiles.zha
import zigpy.types as t

SE_PROFILE = 0x0109


class SmartEnergyDevice(zigpy.device.ZigbeeDevice):
    """A zigpy device that understands ZCL frames sent with the Smart Energy profile."""

    def custom_profile_packet_received(self, packet: t.ZigbeePacket) -> None:
        if packet.profile_id == SE_PROFILE:
            self.packet_received(packet.replace(profile_id=zigpy.profiles.zha.PROFILE_ID))
            return
        super().custom_profile_packet_received(packet)


class SmartEnergyApplicationMixin:
    """Put in front of a ``ControllerApplication`` class: new devices are SmartEnergyDevices."""

    devices: dict[t.EUI64, Any]

    def add_device(self, ieee: t.EUI64, nwk: t.NWK) -> zigpy.device.ZigbeeDevice:
        assert isinstance(ieee, t.EUI64)
        device = SmartEnergyDevice(self, ieee, nwk)  # type: ignore[arg-type]
        self.devices[ieee] = device
        return device

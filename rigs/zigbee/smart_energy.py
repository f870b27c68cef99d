"""Smart Energy profile support and response matching on top of zigpy's device hooks.

zigpy 2.x only parses ZCL frames of the Home Automation and ZLL profiles; a frame of the Smart
Energy profile (0x0109) goes to ``ZigbeeDevice.custom_profile_packet_received``, which drops it.
:class:`SmartEnergyDevice` overrides that hook and hands SE frames back to zigpy's normal ZCL
pipeline (the ZCL layer is the same in both profiles); :class:`SmartEnergyApplicationMixin`
makes every device zigpy creates one of these (``ControllerApplication.add_device``). Outgoing
frames keep the profile of the device's endpoint (0x0109 for SE devices), so nothing changes on air.
The mixin goes in front of any radio library's ``ControllerApplication`` (emulated, bellows,
zigpy-znp).

zigpy also drops, for 10 seconds, any incoming frame equal to an earlier one apart from its APS
counter (a guard against devices that repeat their reports). A ZCL transaction sequence number is
8 bits, so after 256 requests to one device within those 10 seconds, an answer that is byte for
byte the previous answer with that sequence number (the same attribute read, the same values)
would be dropped as a duplicate and its request would time out. :class:`SmartEnergyDevice`
therefore never drops a frame that answers a request still waiting for its answer; a second copy
of that answer, arriving after the request was answered, is still dropped.
"""

from __future__ import annotations

from typing import Any

import zigpy.device
import zigpy.profiles.zha
import zigpy.types as t

from rigs.zigbee.packet_tap import PacketTapMixin

SE_PROFILE = 0x0109


class SmartEnergyDevice(zigpy.device.ZigbeeDevice):
    """A zigpy device that understands ZCL frames sent with the Smart Energy profile."""

    def custom_profile_packet_received(self, packet: t.ZigbeePacket) -> None:
        if packet.profile_id == SE_PROFILE:
            self.packet_received(packet.replace(profile_id=zigpy.profiles.zha.PROFILE_ID))
            return
        super().custom_profile_packet_received(packet)

    def _should_filter_packet(self, packet: t.ZigbeePacket) -> bool:
        # Always let zigpy's debouncer see the frame, so that it remembers it.
        duplicate: bool = super()._should_filter_packet(packet)
        return duplicate and not self.answers_waiting_request(packet)

    def answers_waiting_request(self, packet: t.ZigbeePacket) -> bool:
        """True if ``packet`` is the answer a request of ours is still waiting for."""
        requests: dict[Any, Any] = getattr(self, "_requests", {})
        if not requests:
            return False
        if packet.profile_id == SE_PROFILE:
            packet = packet.replace(profile_id=zigpy.profiles.zha.PROFILE_ID)
        try:
            _, key = self._parse_packet_header(packet)
        except Exception:  # noqa: BLE001  (a frame zigpy cannot parse answers nothing)
            return False
        if key is None:
            return False
        future = requests.get(key)
        return future is not None and not future.done()


class SmartEnergyApplicationMixin(PacketTapMixin):
    """Put in front of a ``ControllerApplication`` class: new devices are SmartEnergyDevices.

    It also carries the packet taps of :mod:`rigs.zigbee.packet_tap`.
    """

    devices: dict[t.EUI64, Any]

    def add_device(self, ieee: t.EUI64, nwk: t.NWK) -> zigpy.device.ZigbeeDevice:
        assert isinstance(ieee, t.EUI64)
        device = SmartEnergyDevice(self, ieee, nwk)  # type: ignore[arg-type]
        self.devices[ieee] = device
        return device

"""A zigpy ``ControllerApplication`` with no radio: what it sends goes to a Python callback, and
frames are "received" by feeding them to ``packet_received``, as a radio library does.

For tests of the OTA server at the radio boundary, and for the benchmark anchor (zigpy's own OTA
serving an in-process device).
"""

# zigpy's types are not typed for strict mypy.
# mypy: disable-error-code="no-untyped-call,attr-defined,no-untyped-def,misc,arg-type,assignment"

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import zigpy.application
import zigpy.config
import zigpy.device
import zigpy.endpoint
import zigpy.state
import zigpy.types as t
import zigpy.zdo.types as zdo_t
from zigpy.zcl.clusters.general import Basic, Ota

from rigs.zigbee.smart_energy import SmartEnergyApplicationMixin

SE_PROFILE = 0x0109
DEVICE_IEEE = t.EUI64.convert("00:13:7a:01:00:00:00:01")
DEVICE_NWK = t.NWK(0x1234)

Sink = Callable[[t.ZigbeePacket], None]


class LoopbackApplication(SmartEnergyApplicationMixin, zigpy.application.ControllerApplication):
    """Sent packets go to ``sink``; :meth:`deliver` hands a device's frame to zigpy."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self.sink: Sink = lambda packet: None
        self.sent: list[t.ZigbeePacket] = []
        self.keep_sent = True

    async def connect(self) -> None:
        pass

    async def disconnect(self) -> None:
        pass

    async def start_network(self) -> None:
        await self.load_network_info()

    async def load_network_info(self, *, load_devices: bool = False) -> None:
        self.state.node_info = zigpy.state.NodeInfo(
            nwk=t.NWK(0x0000),
            ieee=t.EUI64.convert("00:13:7a:ff:ff:00:00:00"),
            logical_type=zdo_t.LogicalType.Coordinator,
        )

    async def write_network_info(self, *, network_info: Any, node_info: Any) -> None:
        pass

    async def reset_network_info(self) -> None:
        pass

    async def permit_ncp(self, time_s: int = 60) -> None:
        pass

    async def permit_with_link_key(self, node: Any, link_key: Any, time_s: int = 60) -> None:
        pass

    async def force_remove(self, dev: Any) -> None:
        pass

    async def add_endpoint(self, descriptor: Any) -> None:
        pass

    async def energy_scan(self, channels: Any, duration_exp: int, count: int) -> dict[int, float]:
        return {}

    async def send_packet(self, packet: t.ZigbeePacket) -> None:
        if self.keep_sent:
            self.sent.append(packet)
        self.sink(packet)

    def deliver(
        self, data: bytes, *, tsn: int | None = None, cluster: int = Ota.cluster_id
    ) -> None:
        """A frame from the test device (endpoint 1, Smart Energy profile) arrives."""
        self.packet_received(
            t.ZigbeePacket(
                src=t.AddrModeAddress(addr_mode=t.AddrMode.NWK, address=DEVICE_NWK),
                src_ep=1,
                dst=t.AddrModeAddress(addr_mode=t.AddrMode.NWK, address=t.NWK(0x0000)),
                dst_ep=1,
                tsn=data[1] if tsn is None else tsn,
                profile_id=SE_PROFILE,
                cluster_id=cluster,
                data=t.SerializableBytes(data),
                lqi=255,
                rssi=-40,
            )
        )


class FrameLoopbackApplication(LoopbackApplication):
    """The same, as a radio that offers frames to frame taps before making packets of them and
    sends frames (``send_frame_then``), as the emulated radio does."""

    frames_sent = 0
    frames_tapped = 0

    def deliver(
        self, data: bytes, *, tsn: int | None = None, cluster: int = Ota.cluster_id
    ) -> None:
        taps = self._frame_taps
        if taps:
            tap = taps.get((int(DEVICE_NWK), cluster))
            if tap is not None and tap(1, 1, data):
                self.frames_tapped += 1
                return
        super().deliver(data, tsn=tsn, cluster=cluster)

    def send_frame_then(
        self,
        nwk: int,
        src_ep: int,
        dst_ep: int,
        profile: int,
        cluster: int,
        data: bytes,
        done: Callable[[Exception | None], None],
    ) -> None:
        self.frames_sent += 1
        packet = t.ZigbeePacket(
            src=t.AddrModeAddress(addr_mode=t.AddrMode.NWK, address=t.NWK(0x0000)),
            src_ep=src_ep,
            dst=t.AddrModeAddress(addr_mode=t.AddrMode.NWK, address=t.NWK(nwk)),
            dst_ep=dst_ep,
            tsn=data[1],
            profile_id=profile,
            cluster_id=cluster,
            data=t.SerializableBytes(data),
        )
        if self.keep_sent:
            self.sent.append(packet)
        self.sink(packet)
        done(None)


async def loopback_app(
    *, frames: bool = False
) -> tuple[LoopbackApplication, zigpy.device.ZigbeeDevice]:
    """A started application with one initialised device that has an OTA client cluster
    (``frames``: a :class:`FrameLoopbackApplication`)."""
    config = {
        zigpy.config.CONF_DEVICE: {zigpy.config.CONF_DEVICE_PATH: "/dev/null"},
        zigpy.config.CONF_DATABASE: None,
        zigpy.config.CONF_OTA: {"enabled": False},
        "topology_scan_enabled": False,
        "backup_enabled": False,
        "watchdog_enabled": False,
    }
    app = (FrameLoopbackApplication if frames else LoopbackApplication)(config)
    await app.load_network_info()
    device = app.add_device(DEVICE_IEEE, DEVICE_NWK)
    device.node_desc = zdo_t.NodeDescriptor(
        logical_type=zdo_t.LogicalType.Router,
        complex_descriptor_available=0,
        user_descriptor_available=0,
        reserved=0,
        aps_flags=0,
        frequency_band=zdo_t.NodeDescriptor.FrequencyBand.Freq2400MHz,
        mac_capability_flags=zdo_t.NodeDescriptor.MACCapabilityFlags.AllocateAddress,
        manufacturer_code=0x121D,
        maximum_buffer_size=82,
        maximum_incoming_transfer_size=82,
        server_mask=0,
        maximum_outgoing_transfer_size=82,
        descriptor_capability_field=zdo_t.NodeDescriptor.DescriptorCapability.NONE,
    )
    endpoint = device.add_endpoint(1)
    endpoint.profile_id = SE_PROFILE
    endpoint.device_type = 0x0501
    endpoint.add_input_cluster(Basic.cluster_id)
    endpoint.add_output_cluster(Ota.cluster_id)
    endpoint.status = zigpy.endpoint.Status.ZDO_INIT
    device.model = "loopback"
    device.manufacturer = "smets1-hil"
    return app, device

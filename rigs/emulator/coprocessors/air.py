"""The air: the emulated devices as ZigBee nodes, whatever protocol the radio port speaks.

Every co-processor kind (:mod:`rigs.emulator.coprocessors`) is a front end on one :class:`Air`. The
air owns the devices and their :class:`ZigbeeNode` s, lets them join while joining is permitted,
delivers APS frames to them (with the acknowledgement a real network would give or withhold), and
hands the front end what the devices send (:class:`AirListener`), including their announcements.
"""

from __future__ import annotations

import asyncio
import enum
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from rigs.emulator.clock import DeviceClock
from rigs.emulator.device import EmulatedDevice
from rigs.emulator.zigbee_node import DEVICE_ANNCE, ZDO_PROFILE, ZigbeeNode

JOIN_SPACING = 0.002  # seconds between two devices joining
NO_ACK_DELAY = 0.05  # how long a transmission to a silent device takes to fail
TICK_INTERVAL = 0.25
BROADCAST_RX_ON = 0xFFFD
DEVICE_RSSI = -40
DEVICE_LQI = 255


@dataclass(frozen=True)
class AirFrame:
    """An APS frame a device sent to the coordinator (unicast) or to everyone (broadcast)."""

    src_nwk: int
    src_ieee: bytes  # 8 bytes, air order (little-endian)
    src_ep: int
    dst_ep: int
    profile: int
    cluster: int
    data: bytes = field(repr=False)
    broadcast: bool = False
    dst: int = 0x0000  # the coordinator, or the broadcast address
    lqi: int = DEVICE_LQI
    rssi: int = DEVICE_RSSI


class Delivery(enum.Enum):
    """What became of a frame the coordinator sent to a device."""

    DELIVERED = "delivered"  # acknowledged by the device
    NO_SUCH_DEVICE = "no such device"  # no joined device has that address
    NO_ACK = "no ack"  # the device is silent (rebooting, left); known only after NO_ACK_DELAY
    NETWORK_DOWN = "network down"


class AirListener(Protocol):
    """What a co-processor front end hears from the air."""

    def device_joined(self, node: ZigbeeNode) -> None:
        """``node`` has just joined (its Device_annce follows as a received frame)."""

    def frame_received(self, frame: AirFrame) -> None:
        """A device sent ``frame``."""


Confirm = Callable[[Delivery], None]


class Air:
    def __init__(self, devices: list[EmulatedDevice], clock: DeviceClock) -> None:
        self.clock = clock
        self.devices = devices
        self.nodes = [ZigbeeNode(d, self._from_node, self._announce) for d in devices]
        self.by_nwk = {n.nwk: n for n in self.nodes}
        self.by_ieee = {n.ieee: n for n in self.nodes}
        self.up = False
        self.channel = 0
        self.pan_id = 0
        self.permit_until = 0.0
        self.listener: AirListener | None = None
        self._loop = asyncio.get_running_loop()
        self._tick_task = self._loop.create_task(self._tick_loop())
        clock.on_change(self._tick)

    # lifecycle ----------------------------------------------------------------------------

    def close(self) -> None:
        self._tick_task.cancel()
        for node in self.nodes:
            node.close()

    def _tick(self) -> None:
        for device in self.devices:
            device.tick()

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(TICK_INTERVAL)
            self._tick()

    # the network --------------------------------------------------------------------------

    def start_network(self, channel: int = 0, pan_id: int = 0) -> None:
        """The coordinator's network is up: devices that stayed joined announce themselves."""
        self.up = True
        self.channel, self.pan_id = channel, pan_id
        for node in self.nodes:
            if node.joined and node.online:
                self._announce(node)

    def stop_network(self) -> None:
        """The coordinator left its network (reset, new network): every device is out."""
        self.up = False
        self.permit_until = 0.0
        for node in self.nodes:
            node.joined = False

    def pause(self) -> None:
        """The coordinator is resetting: it hears nothing, devices stay joined."""
        self.up = False

    def open_joining(self, seconds: int) -> None:
        self.permit_until = time.monotonic() + seconds if seconds else 0.0
        if not seconds or not self.up:
            return
        delay = 0.0
        for node in self.nodes:
            if not node.joined:
                self._loop.call_later(delay, self._join, node)
                delay += JOIN_SPACING

    @property
    def permitting(self) -> bool:
        return time.monotonic() <= self.permit_until

    def _join(self, node: ZigbeeNode) -> None:
        if node.joined or not node.online or not self.up or not self.permitting:
            return
        node.joined = True
        node.device.log("joined", f"nwk 0x{node.nwk:04X}")
        if self.listener is not None:
            self.listener.device_joined(node)
        self._announce(node)

    # from devices -------------------------------------------------------------------------

    def _from_node(
        self, node: ZigbeeNode, dst_ep: int, src_ep: int, profile: int, cluster: int, data: bytes
    ) -> None:
        if node.joined and self.up:
            self._hear(AirFrame(node.nwk, node.ieee, src_ep, dst_ep, profile, cluster, data))

    def _announce(self, node: ZigbeeNode) -> None:
        if self.up:
            frame = AirFrame(
                node.nwk,
                node.ieee,
                0,
                0,
                ZDO_PROFILE,
                DEVICE_ANNCE,
                node.announcement(),
                broadcast=True,
                dst=BROADCAST_RX_ON,
            )
            self._hear(frame)

    def _hear(self, frame: AirFrame) -> None:
        if self.listener is not None:
            self.listener.frame_received(frame)

    # to devices ---------------------------------------------------------------------------

    def node(self, *, nwk: int | None = None, ieee: bytes | None = None) -> ZigbeeNode | None:
        """The joined device with that address, if any."""
        found = self.by_nwk.get(nwk) if nwk is not None else self.by_ieee.get(bytes(ieee or b""))
        return found if found is not None and found.joined else None

    def unicast(
        self,
        node: ZigbeeNode | None,
        src_ep: int,
        dst_ep: int,
        profile: int,
        cluster: int,
        data: bytes,
        confirm: Confirm,
    ) -> None:
        """Send to one device; ``confirm`` is called once with the outcome (maybe later)."""
        if not self.up:
            confirm(Delivery.NETWORK_DOWN)
        elif node is None or not node.joined:
            confirm(Delivery.NO_SUCH_DEVICE)
        elif not node.online:
            self._loop.call_later(NO_ACK_DELAY, confirm, Delivery.NO_ACK)
        else:
            confirm(Delivery.DELIVERED)
            node.handle(src_ep, dst_ep, profile, cluster, data, False)

    def broadcast(self, src_ep: int, dst_ep: int, profile: int, cluster: int, data: bytes) -> None:
        if not self.up:
            return
        for member in self.nodes:
            if member.joined and member.online:
                member.handle(src_ep, dst_ep, profile, cluster, data, True)

    # emulator-only views ------------------------------------------------------------------

    def device_state(self, ieee: bytes) -> dict[str, Any] | None:
        """The emulator's view of a device (held image, events, OTA state); no PIN in it."""
        node = self.by_ieee.get(bytes(ieee))
        if node is None:
            return None
        state = node.device.snapshot()
        state.update(
            {
                "nwk": node.nwk,
                "joined": node.joined,
                "online": node.online,
                "ota_status": node.ota.status.name,
                "ota_offset": node.ota.offset,
                "ota_resumes": node.ota.resumes,
                "last_refusal": node.ota.last_refusal,
            }
        )
        return state


def coordinator_node_descriptor(
    manufacturer_code: int = 0x0000, server_mask: int = 0x0041
) -> bytes:
    """A coordinator's node descriptor: logical type 0, 2.4 GHz, mains-powered FFD, 82-byte
    buffers, primary trust centre (our setting)."""
    return struct.pack(
        "<BBBHBHHHB", 0x00, 0x40, 0x8F, manufacturer_code, 82, 82, server_mask, 82, 0
    )

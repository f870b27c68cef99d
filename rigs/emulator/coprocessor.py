"""The emulated network co-processor and the air around it.

It answers the host's requests of the radio link (``docs/radio-link.md``): network forming and
start, permit join, endpoint registration, APS transmission with confirmation, and the
emulator-only control packets (device clock, device state). Frames for the coordinator's own ZDO
are answered here; frames for a device go to its :class:`ZigbeeNode`; frames from devices come back
as RECEIVED packets.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import struct
import time
from collections.abc import Callable
from typing import Any

from rigs.emulator.clock import DeviceClock
from rigs.emulator.device import EmulatedDevice
from rigs.emulator.zigbee_node import (
    ACTIVE_EP_REQ,
    DEVICE_ANNCE,
    NODE_DESC_REQ,
    SIMPLE_DESC_REQ,
    ZDO_NOT_SUPPORTED,
    ZDO_PROFILE,
    ZigbeeNode,
)
from rigs.protocols import radio_link as rp
from rigs.protocols.radio_link import PacketType as P

LOGGER = logging.getLogger(__name__)

COORDINATOR_IEEE = bytes.fromhex("00137A0000000000")[::-1]
FIRMWARE = "smets1-hil emulated co-processor"
JOIN_SPACING = 0.002  # seconds between two devices joining
NO_ACK_DELAY = 0.05  # how long a transmission to a silent device takes to fail
MGMT_PERMIT_JOINING_REQ = 0x0036
TICK_INTERVAL = 0.25


class CoProcessor:
    def __init__(self, devices: list[EmulatedDevice], clock: DeviceClock) -> None:
        self.clock = clock
        self.devices = devices
        self.nodes: list[ZigbeeNode] = [
            ZigbeeNode(d, self._from_node, self._announce) for d in devices
        ]
        self._by_nwk = {n.nwk: n for n in self.nodes}
        self._by_ieee = {n.ieee: n for n in self.nodes}
        self.params = rp.NetworkParameters(rp.NetworkState.NOT_FORMED)
        self.endpoints: dict[int, rp.Endpoint] = {}
        self.permit_until = 0.0
        self._out: Callable[[bytes], None] | None = None
        self._aps_counter = 0
        self._loop = asyncio.get_running_loop()
        self._tick_task = self._loop.create_task(self._tick_loop())
        self.link_stats: Callable[[], dict[str, Any]] = dict
        self.rejected_packets = 0
        clock.on_change(self._tick)

    # wiring -------------------------------------------------------------------------------

    def attach(self, send: Callable[[bytes], None]) -> None:
        self._out = send

    def detach(self) -> None:
        self._out = None

    def close(self) -> None:
        self._tick_task.cancel()
        for node in self.nodes:
            node.close()

    def _emit(self, payload: bytes) -> None:
        if self._out is not None:
            self._out(payload)

    def _tick(self) -> None:
        for device in self.devices:
            device.tick()

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(TICK_INTERVAL)
            self._tick()

    # from devices -------------------------------------------------------------------------

    def _from_node(
        self, node: ZigbeeNode, dst_ep: int, src_ep: int, profile: int, cluster: int, data: bytes
    ) -> None:
        if not node.joined or self.params.state is not rp.NetworkState.UP:
            return
        self._deliver(node.nwk, node.ieee, src_ep, dst_ep, profile, cluster, data, rssi=-40)

    def _announce(self, node: ZigbeeNode) -> None:
        if self.params.state is not rp.NetworkState.UP:
            return
        self._deliver(
            node.nwk,
            node.ieee,
            0,
            0,
            ZDO_PROFILE,
            DEVICE_ANNCE,
            node.announcement(),
            rssi=-40,
            dst_mode=rp.AddrMode.BROADCAST,
            dst=0xFFFD,
        )

    def _deliver(
        self,
        src_nwk: int,
        src_ieee: bytes,
        src_ep: int,
        dst_ep: int,
        profile: int,
        cluster: int,
        data: bytes,
        *,
        rssi: int,
        dst_mode: rp.AddrMode = rp.AddrMode.NWK,
        dst: int = 0x0000,
    ) -> None:
        """Hand the host an APS frame received over the air, numbered with the next APS counter."""
        self._aps_counter = (self._aps_counter + 1) & 0xFF
        received = rp.Received(
            src_nwk,
            src_ieee,
            src_ep,
            dst_ep,
            profile,
            cluster,
            self._aps_counter,
            255,
            rssi,
            dst_mode,
            dst,
            data,
        )
        self._emit(rp.packet(P.RECEIVED, 0, received.encode()))

    def _join(self, node: ZigbeeNode) -> None:
        if node.joined or not node.online or self.params.state is not rp.NetworkState.UP:
            return
        if time.monotonic() > self.permit_until:
            return
        node.joined = True
        node.device.log("joined", f"nwk 0x{node.nwk:04X}")
        notice = rp.JoinNotice(node.nwk, node.ieee, 0x0000, rp.JoinEvent.JOINED)
        self._emit(rp.packet(P.JOIN_EVENT, 0, notice.encode()))
        self._announce(node)

    def _open_joining(self, seconds: int) -> None:
        self.permit_until = time.monotonic() + seconds if seconds else 0.0
        if not seconds or self.params.state is not rp.NetworkState.UP:
            return
        delay = 0.0
        for node in self.nodes:
            if not node.joined:
                self._loop.call_later(delay, self._join, node)
                delay += JOIN_SPACING

    def _unjoin_all(self) -> None:
        for node in self.nodes:
            node.joined = False

    # from the host ------------------------------------------------------------------------

    def handle(self, payload: bytes) -> None:
        tag = payload[1] if len(payload) > 1 else 0
        try:
            ptype, tag, body = rp.split(payload)
            self._dispatch(ptype, tag, body)
        except (rp.ProtocolError, ValueError, OverflowError, struct.error) as exc:
            self.rejected_packets += 1
            self._emit(
                rp.packet(
                    P.ERROR, tag, bytes((rp.Status.INVALID_REQUEST,)) + str(exc).encode()[:200]
                )
            )
        except Exception:
            self.rejected_packets += 1
            LOGGER.exception("packet 0x%02X could not be handled", payload[0])
            self._emit(rp.packet(P.ERROR, tag, bytes((rp.Status.FAILURE,)) + b"internal error"))

    def _status(self, tag: int, status: rp.Status) -> None:
        self._emit(rp.packet(P.STATUS, tag, bytes((status,))))

    def _dispatch(self, ptype: int, tag: int, body: bytes) -> None:
        if ptype == P.SEND:
            self._send(tag, rp.Send.decode(body))
        elif ptype == P.GET_INFO:
            info = rp.Info(COORDINATOR_IEEE, rp.PROTOCOL_VERSION, FIRMWARE)
            self._emit(rp.packet(P.INFO, tag, rp.encode_info(info)))
        elif ptype == P.FORM_NETWORK:
            params = rp.NetworkParameters.decode(body)
            self.params = dataclasses.replace(params, state=rp.NetworkState.FORMED)
            self._unjoin_all()
            self._status(tag, rp.Status.SUCCESS)
        elif ptype == P.GET_NETWORK:
            self._emit(rp.packet(P.NETWORK, tag, self.params.encode()))
        elif ptype == P.START_NETWORK:
            if self.params.state is rp.NetworkState.NOT_FORMED:
                self._status(tag, rp.Status.NOT_FORMED)
                return
            self.params = dataclasses.replace(self.params, state=rp.NetworkState.UP)
            self._status(tag, rp.Status.SUCCESS)
            for node in self.nodes:
                if node.joined and node.online:
                    self._announce(node)
        elif ptype == P.PERMIT_JOIN:
            if len(body) != 1:
                raise rp.ProtocolError("PERMIT_JOIN takes one byte")
            self._open_joining(body[0])
            self._status(tag, rp.Status.SUCCESS)
        elif ptype == P.LEAVE_NETWORK:
            self.params = rp.NetworkParameters(rp.NetworkState.NOT_FORMED)
            self._unjoin_all()
            self._status(tag, rp.Status.SUCCESS)
        elif ptype == P.ADD_ENDPOINT:
            endpoint = rp.Endpoint.decode(body)
            self.endpoints[endpoint.endpoint] = endpoint
            self._status(tag, rp.Status.SUCCESS)
        elif ptype == P.PING:
            self._emit(rp.packet(P.PONG, tag))
        elif ptype in (P.CLOCK_SET, P.CLOCK_ADVANCE, P.CLOCK_GET):
            self._clock(ptype, tag, body)
        elif ptype == P.DEVICE_STATE:
            self._control_reply(tag, self._device_state(body))
        elif ptype == P.LINK_STATS:
            self._control_reply(tag, self.link_stats())
        else:
            raise rp.ProtocolError(f"unknown packet type 0x{ptype:02X}")

    def _control_reply(self, tag: int, value: dict[str, Any]) -> None:
        """JSON, split over as many CONTROL_REPLY packets as it needs (``more`` byte first)."""
        text = json.dumps(value).encode()
        chunks = [text[i : i + rp.CONTROL_CHUNK] for i in range(0, len(text), rp.CONTROL_CHUNK)]
        for number, chunk in enumerate(chunks):
            more = 1 if number < len(chunks) - 1 else 0
            self._emit(rp.packet(P.CONTROL_REPLY, tag, bytes((more,)) + chunk))

    def _clock(self, ptype: int, tag: int, body: bytes) -> None:
        if ptype == P.CLOCK_SET:
            self.clock.set(rp.decode_time(body))
        elif ptype == P.CLOCK_ADVANCE:
            self.clock.advance(rp.decode_microseconds(body) / 1e6)
        self._emit(rp.packet(P.CLOCK, tag, rp.encode_time(self.clock.now())))

    def _device_state(self, body: bytes) -> dict[str, Any]:
        node = self._by_ieee.get(bytes(body))
        if node is None:
            return {"error": "no such device"}
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

    def _send(self, tag: int, send: rp.Send) -> None:
        if self.params.state is not rp.NetworkState.UP:
            self._confirm(tag, rp.Status.NOT_FORMED)
            return
        if send.dst_mode is rp.AddrMode.BROADCAST or send.dst_mode is rp.AddrMode.GROUP:
            self._confirm(tag, rp.Status.SUCCESS)
            if send.profile == ZDO_PROFILE and send.cluster == MGMT_PERMIT_JOINING_REQ:
                if len(send.data) >= 2:
                    self._open_joining(send.data[1])
                return
            for member in self.nodes:
                if member.joined and member.online:
                    member.handle(
                        send.src_ep, send.dst_ep, send.profile, send.cluster, send.data, True
                    )
            return
        if send.dst_mode is rp.AddrMode.IEEE:
            dst_ieee = send.dst.to_bytes(8, "little")
            if dst_ieee == COORDINATOR_IEEE:
                self._confirm(tag, rp.Status.SUCCESS)
                self._coordinator_zdo(send)
                return
            node: ZigbeeNode | None = self._by_ieee.get(dst_ieee)
        else:
            if send.dst == 0x0000:
                self._confirm(tag, rp.Status.SUCCESS)
                self._coordinator_zdo(send)
                return
            node = self._by_nwk.get(send.dst)
        if node is None or not node.joined:
            self._confirm(tag, rp.Status.NO_SUCH_DEVICE)
            return
        if not node.online:
            self._loop.call_later(NO_ACK_DELAY, self._confirm, tag, rp.Status.NO_ACK)
            return
        self._confirm(tag, rp.Status.SUCCESS)
        node.handle(send.src_ep, send.dst_ep, send.profile, send.cluster, send.data, False)

    def _confirm(self, tag: int, status: rp.Status) -> None:
        self._emit(rp.packet(P.SEND_CONFIRM, tag, bytes((status,))))

    def _coordinator_zdo(self, send: rp.Send) -> None:
        """The coordinator's own ZDO: what zigpy asks when it interviews its radio."""
        if send.dst_ep != 0 or not send.data:
            return
        tsn = send.data[0]
        cluster = send.cluster
        if cluster == NODE_DESC_REQ:
            desc = struct.pack("<BBBHBHHHB", 0x00, 0x40, 0x8F, 0x0000, 82, 82, 0x0041, 82, 0)
            rsp = struct.pack("<BBH", tsn, 0, 0x0000) + desc
        elif cluster == ACTIVE_EP_REQ:
            eps = sorted(self.endpoints)
            rsp = struct.pack("<BBHB", tsn, 0, 0x0000, len(eps)) + bytes(eps)
        elif cluster == SIMPLE_DESC_REQ:
            ep = send.data[3] if len(send.data) >= 4 else 0
            if ep in self.endpoints:
                desc = self.endpoints[ep].encode()
                rsp = struct.pack("<BBHB", tsn, 0, 0x0000, len(desc)) + desc
            else:
                rsp = struct.pack("<BBHB", tsn, 0x83, 0x0000, 0)
        elif cluster & 0x8000:
            return
        else:
            rsp = struct.pack("<BB", tsn, ZDO_NOT_SUPPORTED)
        self._deliver(0x0000, COORDINATOR_IEEE, 0, 0, ZDO_PROFILE, cluster | 0x8000, rsp, rssi=0)

"""The ``emulated`` co-processor kind: the private radio link of ``docs/radio-link.md``.

Packets travel in ASH DATA frames (fastpath ASH framing). Frames that fail their CRC are dropped and
counted, as a radio would; there is no ASH-level retransmission (DATA frames are numbered for
traces, never acknowledged). An ASH RST from the host is answered with RSTACK and starts a new
session. Frames for the coordinator's own ZDO are answered here; the devices are on the
:class:`~rigs.emulator.coprocessors.air.Air`.
"""

from __future__ import annotations

import dataclasses
import logging
import struct
from collections.abc import Callable
from typing import Any

from fastpath import ash
from rigs.emulator.coprocessors.air import (
    Air,
    AirFrame,
    Delivery,
    coordinator_node_descriptor,
)
from rigs.emulator.coprocessors.writer import CoalescingWriter, serve_reads
from rigs.emulator.zigbee_node import (
    ACTIVE_EP_REQ,
    NODE_DESC_REQ,
    SIMPLE_DESC_REQ,
    ZDO_NOT_SUPPORTED,
    ZDO_PROFILE,
    ZigbeeNode,
)
from rigs.link import Link, LinkClosed
from rigs.protocols import radio_link as rp
from rigs.protocols.radio_link import MAX_PACKET as MAX_DATA
from rigs.protocols.radio_link import PacketType as P

LOGGER = logging.getLogger(__name__)

COORDINATOR_IEEE = bytes.fromhex("00137A0000000000")[::-1]
FIRMWARE = "smets1-hil emulated co-processor"
MGMT_PERMIT_JOINING_REQ = 0x0036
ASH_VERSION = 2
RESET_SOFTWARE = 0x0B

_STATUS = {
    Delivery.DELIVERED: rp.Status.SUCCESS,
    Delivery.NO_SUCH_DEVICE: rp.Status.NO_SUCH_DEVICE,
    Delivery.NO_ACK: rp.Status.NO_ACK,
    Delivery.NETWORK_DOWN: rp.Status.NOT_FORMED,
}


class LinkProtocolCoProcessor:
    kind = "emulated"
    firmware = FIRMWARE

    def __init__(self, air: Air) -> None:
        self.air = air
        self.params = rp.NetworkParameters(rp.NetworkState.NOT_FORMED)
        self.endpoints: dict[int, rp.Endpoint] = {}
        self.rejected_packets = 0
        self._aps_counter = 0
        self._decoder = ash.Decoder(max_data=MAX_DATA)
        self._frm = 0
        self._writer = CoalescingWriter()
        self._line_stats: Callable[[], dict[str, int]] | None = None
        self._packets: Callable[[bytes], None] | None = None
        self.resets = 0
        self.unknown_frames = 0
        self.oversized_packets = 0
        air.listener = self

    def set_line_stats(self, line_stats: Callable[[], dict[str, int]]) -> None:
        self._line_stats = line_stats

    def stats(self) -> dict[str, Any]:
        line = {} if self._line_stats is None else {"line": self._line_stats()}
        s = self._decoder.stats
        return {
            "frames": s.frames,
            "crc_errors": s.crc_errors,
            "discarded": s.discarded,
            "oversized": s.oversized,
            "resets": self.resets,
            "unknown_frames": self.unknown_frames,
            "oversized_packets": self.oversized_packets,
            "rejected_packets": self.rejected_packets,
            **line,
        }

    # the byte stream ----------------------------------------------------------------------

    def attach(self, packets: Callable[[bytes], None]) -> None:
        """Hand every packet to ``packets`` instead of a byte stream (for a front end that
        speaks another protocol to its host and these packets to the air)."""
        self._packets = packets

    def detach(self) -> None:
        self._packets = None

    def _emit(self, payload: bytes) -> None:
        if self._packets is not None:
            self._packets(payload)
            return
        if not self._writer.active:
            return
        try:
            frame = ash.encode(self._frm << 4, payload, max_data=MAX_DATA)
        except ValueError:
            self.oversized_packets += 1
            LOGGER.error("packet of %d bytes does not fit one ASH frame; dropped", len(payload))
            return
        self._writer.write(frame)
        self._frm = (self._frm + 1) & 7

    async def serve(self, link: Link, *, new_host: bool = False) -> None:
        """Serve one host over ``link`` until the link ends."""
        self._writer.start(link)
        try:
            await serve_reads(link, self._take)
        except LinkClosed as exc:
            LOGGER.info("radio link ended: %s", exc)
        finally:
            await self._writer.stop()

    def _take(self, chunk: bytes) -> None:
        """One read from the host: its frames handled, the answers written at once together."""
        with self._writer.batch():
            for control, data in self._decoder.feed(chunk):
                if control & 0x80 == 0:
                    self.handle(data)
                elif control == ash.RST:
                    self.resets += 1
                    self._frm = 0
                    self._writer.discard()
                    self._writer.write(ash.encode(ash.RSTACK, bytes((ASH_VERSION, RESET_SOFTWARE))))
                else:
                    self.unknown_frames += 1
        self._writer.check()

    # from the air -------------------------------------------------------------------------

    def device_joined(self, node: ZigbeeNode) -> None:
        notice = rp.JoinNotice(node.nwk, node.ieee, 0x0000, rp.JoinEvent.JOINED)
        self._emit(rp.packet(P.JOIN_EVENT, 0, notice.encode()))

    def frame_received(self, frame: AirFrame) -> None:
        mode = rp.AddrMode.BROADCAST if frame.broadcast else rp.AddrMode.NWK
        self._deliver(
            frame.src_nwk, frame.src_ieee, frame.src_ep, frame.dst_ep, frame.profile,
            frame.cluster, frame.data, rssi=frame.rssi, dst_mode=mode, dst=frame.dst,
        )  # fmt: skip

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
            src_nwk, src_ieee, src_ep, dst_ep, profile, cluster, self._aps_counter, 255, rssi,
            dst_mode, dst, data,
        )  # fmt: skip
        self._emit(rp.packet(P.RECEIVED, 0, received.encode()))

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
            self.air.stop_network()
            self._status(tag, rp.Status.SUCCESS)
        elif ptype == P.GET_NETWORK:
            self._emit(rp.packet(P.NETWORK, tag, self.params.encode()))
        elif ptype == P.START_NETWORK:
            if self.params.state is rp.NetworkState.NOT_FORMED:
                self._status(tag, rp.Status.NOT_FORMED)
                return
            self.params = dataclasses.replace(self.params, state=rp.NetworkState.UP)
            self._status(tag, rp.Status.SUCCESS)
            self.air.start_network(self.params.channel, self.params.pan_id)
        elif ptype == P.PERMIT_JOIN:
            if len(body) != 1:
                raise rp.ProtocolError("PERMIT_JOIN takes one byte")
            self.air.open_joining(body[0])
            self._status(tag, rp.Status.SUCCESS)
        elif ptype == P.LEAVE_NETWORK:
            self.params = rp.NetworkParameters(rp.NetworkState.NOT_FORMED)
            self.air.stop_network()
            self._status(tag, rp.Status.SUCCESS)
        elif ptype == P.ADD_ENDPOINT:
            endpoint = rp.Endpoint.decode(body)
            self.endpoints[endpoint.endpoint] = endpoint
            self._status(tag, rp.Status.SUCCESS)
        elif ptype == P.PING:
            self._emit(rp.packet(P.PONG, tag))
        else:
            raise rp.ProtocolError(f"unknown packet type 0x{ptype:02X}")

    def _send(self, tag: int, send: rp.Send) -> None:
        if self.params.state is not rp.NetworkState.UP:
            self._confirm(tag, Delivery.NETWORK_DOWN)
            return
        if send.dst_mode is rp.AddrMode.BROADCAST or send.dst_mode is rp.AddrMode.GROUP:
            self._confirm(tag, Delivery.DELIVERED)
            if send.profile == ZDO_PROFILE and send.cluster == MGMT_PERMIT_JOINING_REQ:
                if len(send.data) >= 2:
                    self.air.open_joining(send.data[1])
                return
            self.air.broadcast(send.src_ep, send.dst_ep, send.profile, send.cluster, send.data)
            return
        if send.dst_mode is rp.AddrMode.IEEE:
            dst_ieee = send.dst.to_bytes(8, "little")
            if dst_ieee == COORDINATOR_IEEE:
                self._confirm(tag, Delivery.DELIVERED)
                self._coordinator_zdo(send)
                return
            node = self.air.node(ieee=dst_ieee)
        else:
            if send.dst == 0x0000:
                self._confirm(tag, Delivery.DELIVERED)
                self._coordinator_zdo(send)
                return
            node = self.air.node(nwk=send.dst)
        self.air.unicast(
            node, send.src_ep, send.dst_ep, send.profile, send.cluster, send.data,
            lambda outcome: self._confirm(tag, outcome),
        )  # fmt: skip

    def _confirm(self, tag: int, outcome: Delivery) -> None:
        self._emit(rp.packet(P.SEND_CONFIRM, tag, bytes((_STATUS[outcome],))))

    def _coordinator_zdo(self, send: rp.Send) -> None:
        """The coordinator's own ZDO: what zigpy asks when it interviews its radio."""
        if send.dst_ep != 0 or not send.data:
            return
        tsn = send.data[0]
        cluster = send.cluster
        if cluster == NODE_DESC_REQ:
            rsp = struct.pack("<BBH", tsn, 0, 0x0000) + coordinator_node_descriptor()
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

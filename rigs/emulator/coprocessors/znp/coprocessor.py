"""The ``znp`` co-processor kind: a TI Z-Stack 3.30 coordinator (CC2652) speaking MT over UART.

MT frames (``fastpath.mt``: SOF 0xFE, length, cmd0, cmd1, data, XOR FCS) carry the commands of
``docs/coprocessors.md``. Every SREQ gets exactly one SRSP: the command's own, or the MT RPC error
(cmd0 0x60, cmd1 0x00: error code, the request's cmd0 and cmd1) for a command this emulation does
not know or a request too short for its fields; such requests are counted and logged. Frames with
a bad FCS are dropped and counted by the decoder, as the real firmware does.

Network state lives in the emulated NV (:mod:`.nv`) and survives the host reconnecting; a reset
keeps NV and stops the network until the host commissions it again (as zigpy-znp does on start).
"""

from __future__ import annotations

import logging
import os
import struct
import time
from collections.abc import Callable
from typing import Any

from fastpath import mt as mt_framing
from rigs.emulator.coprocessors.air import Air, AirFrame, Delivery, coordinator_node_descriptor
from rigs.emulator.coprocessors.writer import CoalescingWriter, serve_reads
from rigs.emulator.coprocessors.znp import mt, nv
from rigs.emulator.coprocessors.znp.mt import (
    Reader,
    RpcError,
    Status,
    Subsystem,
    Truncated,
    Type,
    short_bytes,
)
from rigs.emulator.zigbee_node import (
    ACTIVE_EP_REQ,
    DEVICE_ANNCE,
    IEEE_ADDR_REQ,
    MGMT_LEAVE_REQ,
    NODE_DESC_REQ,
    NWK_ADDR_REQ,
    SIMPLE_DESC_REQ,
    ZDO_NOT_SUPPORTED,
    ZDO_PROFILE,
    ZigbeeNode,
)
from rigs.link import Link, LinkClosed

LOGGER = logging.getLogger(__name__)

COORDINATOR_IEEE = bytes.fromhex("00124B0000000001")[::-1]  # TI OUI; our setting
# SYS_VERSION of the emulated build: transport 2, product 1 (Z-Stack 3.x), release 2.7.1, code
# revision (the build date Z-Stack 3.30 images report); no bootloader revision
VERSION = (2, 1, 2, 7, 1)
CODE_REVISION = 20230507
FIRMWARE = f"Z-Stack 3.30 {CODE_REVISION} (emulated CC2652, MT over UART)"
ASSOC_DEVICE_SIZE = 36  # associated_devices_t on the CC2652 (aligned)
MGMT_PERMIT_JOINING_REQ = 0x0036
MGMT_NWK_UPDATE_REQ = 0x0038
QUIET_ENERGY = 0x10  # energy a scan reports on every channel (our setting)
# AF_DATA_REQUEST_EXT before its Len and Data: DstAddrMode, DstAddr (8), DstEndpoint, DstPanId,
# SrcEndpoint, ClusterId, TransID, Options, Radius (Z-Stack MT AF interface)
AF_DATA_REQUEST_EXT_FIELDS = struct.Struct("<B8sBHBHBBB")
MAX_INCOMING_DATA = mt_framing.MAX_DATA - 21  # AF_INCOMING_MSG's fixed fields and length byte
DELIVERY_STATUS = {
    Delivery.DELIVERED: Status.SUCCESS,
    Delivery.NO_SUCH_DEVICE: Status.MAC_NO_ACK,
    Delivery.NO_ACK: Status.APS_NO_ACK,
    Delivery.NETWORK_DOWN: Status.NWK_INVALID_REQUEST,
}
RESET_REASON_EXTERNAL = 0x01

Handler = Callable[[Reader], bytes]


class ZnpCoProcessor:
    kind = "znp"
    firmware = FIRMWARE

    def __init__(self, air: Air) -> None:
        self.air = air
        air.listener = self
        self.nv = nv.NvStore(COORDINATOR_IEEE)
        self.endpoints: dict[int, bytes] = {}  # endpoint -> simple descriptor
        self.primary_channels = nv.DEFAULT_CHANNELS
        self.unknown_commands = 0
        self.malformed_commands = 0
        self.dropped_frames = 0
        self.resets = 0
        self._decoder = mt_framing.Decoder()
        self._earlier = [0, 0, 0, 0]  # decoder counters of earlier host sessions
        self._writer = CoalescingWriter()
        self._line_stats: Callable[[], dict[str, int]] | None = None
        self._frames: Callable[[bytes], None] | None = None
        self._deferred: list[tuple[int, int, bytes]] | None = None
        self._aps_counter = 0
        self._zdo_tsn = 0
        self._started = time.monotonic()
        self._sreq: dict[tuple[int, int], Handler] = {
            (Subsystem.SYS, 0x01): self._sys_ping,
            (Subsystem.SYS, 0x02): self._sys_version,
            (Subsystem.SYS, 0x04): lambda r: self.nv.extaddr,  # SYS_GET_EXTADDR
            (Subsystem.SYS, 0x07): self._osal_item_init,
            (Subsystem.SYS, 0x08): lambda r: self._osal_read(r.u16(), r.u8()),
            (Subsystem.SYS, 0x09): lambda r: self._osal_write(r.u16(), r.u8(), r.short_bytes()),
            (Subsystem.SYS, 0x12): self._osal_delete,
            (Subsystem.SYS, 0x13): lambda r: struct.pack("<H", len(self.nv.osal.get(r.u16(), b""))),
            (Subsystem.SYS, 0x14): _succeeds(1),  # SYS_SET_TX_POWER
            (Subsystem.SYS, 0x1C): lambda r: self._osal_read(r.u16(), r.u16()),
            (Subsystem.SYS, 0x1D): lambda r: self._osal_write(r.u16(), r.u16(), r.long_bytes()),
            (Subsystem.SYS, 0x30): self._nv_create,
            (Subsystem.SYS, 0x31): self._nv_delete,
            (Subsystem.SYS, 0x32): lambda r: struct.pack(
                "<I", len(self.nv.ex.get(_ex_key(r), b""))
            ),
            (Subsystem.SYS, 0x33): self._nv_read,
            (Subsystem.SYS, 0x34): self._nv_write,
            (Subsystem.UTIL, 0x00): self._util_device_info,
            (Subsystem.UTIL, 0x0A): _succeeds(2),  # UTIL_LED_CONTROL
            (Subsystem.UTIL, 0x49): self._util_assoc_find_device,
            (Subsystem.AF, 0x00): self._af_register,
            (Subsystem.AF, 0x01): self._af_data_request,
            (Subsystem.AF, 0x02): self._af_data_request_ext,
            (Subsystem.ZDO, 0x00): self._zdo_nwk_addr_req,
            (Subsystem.ZDO, 0x01): self._zdo_ieee_addr_req,
            (Subsystem.ZDO, 0x02): lambda r: self._zdo_to(r.u16(), NODE_DESC_REQ, r.raw(2)),
            (Subsystem.ZDO, 0x04): lambda r: self._zdo_to(r.u16(), SIMPLE_DESC_REQ, r.raw(3)),
            (Subsystem.ZDO, 0x05): lambda r: self._zdo_to(r.u16(), ACTIVE_EP_REQ, r.raw(2)),
            (Subsystem.ZDO, 0x34): lambda r: self._zdo_to(r.u16(), MGMT_LEAVE_REQ, r.raw(9)),
            (Subsystem.ZDO, 0x36): self._zdo_permit_join,
            (Subsystem.ZDO, 0x3E): _succeeds(2),  # ZDO_MSG_CB_REGISTER
            (Subsystem.ZDO, 0x40): self._zdo_startup_from_app,
            (Subsystem.ZDO, 0x45): _succeeds(4),  # ZDO_EXT_ROUTE_DISC
            (Subsystem.ZDO, 0x46): self._zdo_route_check,
            (Subsystem.SAPI, 0x06): self._zb_device_info,
            (Subsystem.APP_CNF, 0x05): self._bdb_start_commissioning,
            (Subsystem.APP_CNF, 0x08): self._bdb_set_channel,
        }

    # counters -------------------------------------------------------------------------------

    def _new_decoder(self) -> None:
        """A fresh decoder per host session (no half frame carried over); counters add up."""
        s = self._decoder.stats
        for index, value in enumerate((s.frames, s.crc_errors, s.discarded, s.oversized)):
            self._earlier[index] += value
        self._decoder = mt_framing.Decoder()

    def set_line_stats(self, line_stats: Callable[[], dict[str, int]]) -> None:
        self._line_stats = line_stats

    def stats(self) -> dict[str, Any]:
        line = {} if self._line_stats is None else {"line": self._line_stats()}
        s = self._decoder.stats
        frames, crc_errors, discarded, oversized = self._earlier
        return {
            "frames": frames + s.frames,
            "crc_errors": crc_errors + s.crc_errors,
            "discarded": discarded + s.discarded,
            "oversized": oversized + s.oversized,
            "unknown_commands": self.unknown_commands,
            "malformed_commands": self.malformed_commands,
            "dropped_frames": self.dropped_frames,
            "resets": self.resets,
            **line,
        }

    # the byte stream ------------------------------------------------------------------------

    def attach(self, frames: Callable[[bytes], None]) -> None:
        """Hand every frame (wire bytes) to ``frames`` instead of the port (for tests)."""
        self._frames = frames

    def _emit(self, cmd0: int, cmd1: int, data: bytes) -> None:
        wire = mt_framing.encode(cmd0, cmd1, data)
        if self._frames is not None:
            self._frames(wire)
        elif self._writer.active:
            self._writer.write(wire)

    def _areq(self, subsystem: int, cmd1: int, data: bytes) -> None:
        """An asynchronous indication; after the SRSP if a request is being answered."""
        if self._deferred is not None:
            self._deferred.append((Type.AREQ | subsystem, cmd1, data))
        else:
            self._emit(Type.AREQ | subsystem, cmd1, data)

    async def serve(self, link: Link, *, new_host: bool = False) -> None:
        """Serve one host over ``link`` until the link ends; NV and the network stay."""
        self._new_decoder()
        self._writer.start(link)
        try:
            await serve_reads(link, self._take)
        except LinkClosed as exc:
            LOGGER.info("radio port ended: %s", exc)
        finally:
            await self._writer.stop()

    def _take(self, chunk: bytes) -> None:
        """One read from the host: its requests handled, the answers written at once together."""
        with self._writer.batch():
            for cmd0, cmd1, data in self._decoder.feed(chunk):
                self.handle(cmd0, cmd1, data)
        self._writer.check()

    # dispatch -------------------------------------------------------------------------------

    def handle(self, cmd0: int, cmd1: int, data: bytes) -> None:
        """One MT frame from the host."""
        kind, subsystem = cmd0 & 0xE0, cmd0 & 0x1F
        if kind == Type.AREQ and (subsystem, cmd1) == (Subsystem.SYS, 0x00):
            self._reset(data)
            return
        if kind != Type.SREQ:
            self.unknown_commands += 1
            LOGGER.warning(
                "MT frame %02X %02X is not a request this co-processor takes", cmd0, cmd1
            )
            return
        handler = self._sreq.get((subsystem, cmd1))
        if handler is None:
            self.unknown_commands += 1
            known = subsystem in {s.value for s in Subsystem}
            code = RpcError.INVALID_COMMAND_ID if known else RpcError.INVALID_SUBSYSTEM
            LOGGER.warning("unknown MT command %02X %02X: RPC error %s", cmd0, cmd1, code.name)
            self._emit(Type.SRSP | Subsystem.RPC_ERROR, 0x00, bytes((code, cmd0, cmd1)))
            return
        self._deferred = []
        try:
            answer = handler(Reader(data))
        except Truncated as exc:
            self.malformed_commands += 1
            LOGGER.warning("MT command %02X %02X malformed (%s): RPC error", cmd0, cmd1, exc)
            self._deferred = None
            self._emit(
                Type.SRSP | Subsystem.RPC_ERROR, 0x00, bytes((RpcError.INVALID_LENGTH, cmd0, cmd1))
            )
            return
        deferred, self._deferred = self._deferred, None
        self._emit(Type.SRSP | subsystem, cmd1, answer)
        for frame in deferred:
            self._emit(*frame)

    # SYS ------------------------------------------------------------------------------------

    def _sys_ping(self, r: Reader) -> bytes:
        return struct.pack("<H", mt.CAPABILITIES)

    def _sys_version(self, r: Reader) -> bytes:
        return bytes(VERSION) + struct.pack("<IBI", CODE_REVISION, 0, 0xFFFFFFFF)

    def _reset(self, data: bytes) -> None:
        """SYS_RESET_REQ: apply STARTUP_OPTION, stop the network, answer SYS_RESET_IND."""
        self.resets += 1
        option = self.nv.u8(nv.STARTUP_OPTION)
        self.nv.boot()
        if option & (nv.CLEAR_CONFIG | nv.CLEAR_STATE):
            self.air.stop_network()
        else:
            self.air.pause()
        self.endpoints.clear()
        self.primary_channels = nv.DEFAULT_CHANNELS
        # reason, transport, product, major, minor, then one more release byte (the MT document
        # calls it the hardware revision; hosts read it as the maintenance release)
        indication = bytes((RESET_REASON_EXTERNAL, *VERSION))
        self._emit(Type.AREQ | Subsystem.SYS, 0x80, indication)

    def _osal_item_init(self, r: Reader) -> bytes:
        item, length, initial = r.u16(), r.u16(), r.short_bytes()
        if item in self.nv.osal:
            return bytes((Status.SUCCESS,))
        if length == 0:
            return bytes((Status.NV_OPER_FAILED,))
        self.nv.osal[item] = initial[:length].ljust(length, b"\x00")
        return bytes((Status.NV_ITEM_UNINIT,))

    def _osal_read(self, item: int, offset: int) -> bytes:
        value = self.nv.osal.get(item)
        if value is None or offset > len(value):
            return bytes((Status.INVALID_PARAMETER,)) + short_bytes(b"")
        return bytes((Status.SUCCESS,)) + short_bytes(value[offset : offset + 244])

    def _osal_write(self, item: int, offset: int, value: bytes) -> bytes:
        stored = self.nv.osal.get(item)
        if stored is None:
            return bytes((Status.NV_ITEM_UNINIT,))
        if offset + len(value) > len(stored):
            return bytes((Status.NV_OPER_FAILED,))
        self.nv.osal[item] = stored[:offset] + value + stored[offset + len(value) :]
        return bytes((Status.SUCCESS,))

    def _osal_delete(self, r: Reader) -> bytes:
        item, length = r.u16(), r.u16()
        stored = self.nv.osal.get(item)
        if stored is None:
            return bytes((Status.NV_ITEM_UNINIT,))
        if len(stored) != length:
            return bytes((Status.NV_BAD_ITEM_LEN,))
        del self.nv.osal[item]
        return bytes((Status.SUCCESS,))

    def _nv_create(self, r: Reader) -> bytes:
        key, length = _ex_key(r), r.u32()
        if key not in self.nv.ex:
            if not 0 < length <= 0xFFFF:
                return bytes((Status.NV_OPER_FAILED,))
            self.nv.ex[key] = bytes(length)
        return bytes((Status.SUCCESS,))

    def _nv_delete(self, r: Reader) -> bytes:
        key = _ex_key(r)
        if self.nv.ex.pop(key, None) is None:
            return bytes((Status.NV_ITEM_UNINIT,))
        return bytes((Status.SUCCESS,))

    def _nv_read(self, r: Reader) -> bytes:
        key, offset, length = _ex_key(r), r.u16(), r.u8()
        value = self.nv.ex.get(key)
        if value is None or offset > len(value):
            return bytes((Status.INVALID_PARAMETER,)) + short_bytes(b"")
        return bytes((Status.SUCCESS,)) + short_bytes(value[offset : offset + min(length, 244)])

    def _nv_write(self, r: Reader) -> bytes:
        key, offset, value = _ex_key(r), r.u16(), r.short_bytes()
        stored = self.nv.ex.get(key)
        if stored is None:
            return bytes((Status.NV_ITEM_UNINIT,))
        if offset + len(value) > len(stored):
            return bytes((Status.NV_OPER_FAILED,))
        self.nv.ex[key] = stored[:offset] + value + stored[offset + len(value) :]
        return bytes((Status.SUCCESS,))

    # UTIL and ZB ----------------------------------------------------------------------------

    def _state(self) -> int:
        return mt.DEV_ZB_COORD if self.air.up else mt.DEV_HOLD

    def _util_device_info(self, r: Reader) -> bytes:
        joined = [n.nwk for n in self.air.nodes if n.joined][:100]
        nwk = 0x0000 if self.air.up else 0xFFFE
        return (
            bytes((Status.SUCCESS,))
            + self.nv.extaddr
            + struct.pack("<HBBB", nwk, 0x07, self._state(), len(joined))
            + struct.pack(f"<{len(joined)}H", *joined)
        )

    def _util_assoc_find_device(self, r: Reader) -> bytes:
        """An empty associated-device entry: its size tells the host the struct alignment."""
        r.u8()
        return bytes(ASSOC_DEVICE_SIZE)

    def _zb_device_info(self, r: Reader) -> bytes:
        """ZB_GET_DEVICE_INFO: param, then 8 bytes of value."""
        param = r.u8()
        nib = self.nv.nib
        values = {
            0: bytes((self._state(),)),
            1: self.nv.extaddr,
            2: struct.pack("<H", nib.nwk_address),
            3: struct.pack("<H", 0xFFFE),
            4: bytes(8),
            5: bytes((nib.channel,)),
            6: struct.pack("<H", nib.pan_id),
            7: nib.extended_pan_id,
        }
        return bytes((param,)) + values.get(param, b"").ljust(8, b"\x00")

    # APP_CNF (BDB) --------------------------------------------------------------------------

    def _bdb_set_channel(self, r: Reader) -> bytes:
        primary, channels = r.u8(), r.u32()
        if primary:
            self.primary_channels = channels
        return bytes((Status.SUCCESS,))

    def _notify(self, status: int, mode: int, remaining: int) -> None:
        self._areq(Subsystem.APP_CNF, 0x80, bytes((status, mode, remaining)))

    def _state_change(self, state: int) -> None:
        self._areq(Subsystem.ZDO, 0xC0, bytes((state,)))

    def _bdb_start_commissioning(self, r: Reader) -> bytes:
        mode = r.u8()
        if mode & mt.BDB_MODE_FORMATION:
            if self.nv.on_a_network:
                # a network is already in NV: it is resumed, and formation reports failure
                self._state_change(mt.DEV_COORD_STARTING)
                self._start_from_nv()
                self._notify(mt.BDB_FORMATION_FAILURE, mt.BDB_MODE_NONE, mt.BDB_MODE_NONE)
            else:
                self._state_change(mt.DEV_COORD_STARTING)
                self._notify(mt.BDB_IN_PROGRESS, mt.BDB_MODE_FORMATION, mt.BDB_MODE_FORMATION)
                self._form()
                self._notify(mt.BDB_SUCCESS, mt.BDB_MODE_FORMATION, mt.BDB_MODE_NONE)
        elif mode & mt.BDB_MODE_STEERING:
            if self.air.up:
                self.air.open_joining(mt.BDB_STEERING_SECONDS)
                self._notify(mt.BDB_SUCCESS, mt.BDB_MODE_STEERING, mt.BDB_MODE_NONE)
            else:
                self._notify(mt.BDB_NO_NETWORK, mt.BDB_MODE_STEERING, mt.BDB_MODE_NONE)
        elif self.nv.on_a_network and not self.air.up:
            self._start_from_nv()
            self._notify(mt.BDB_SUCCESS, mt.BDB_MODE_NONE, mt.BDB_MODE_NONE)
        else:
            self._notify(
                mt.BDB_SUCCESS if self.air.up else mt.BDB_NO_NETWORK, mode, mt.BDB_MODE_NONE
            )
        return bytes((Status.SUCCESS,))

    def _form(self) -> None:
        """Form a network from the commissioning NV items (PAN ID, extended PAN ID, key)."""
        channels = self.primary_channels or nv.DEFAULT_CHANNELS
        channel = next((c for c in range(11, 27) if channels & (1 << c)), 11)
        pan_id = struct.unpack("<H", self.nv.osal.get(nv.PANID, b"\xff\xff"))[0]
        if pan_id in (0xFFFF, 0xFFFE, 0x0000):
            pan_id = int.from_bytes(os.urandom(2), "little") % 0xFFF0 + 1
        epid = self.nv.osal.get(nv.APS_USE_EXT_PANID, bytes(8))
        if epid == bytes(8):
            epid = self.nv.extaddr
        key = self.nv.osal.get(nv.PRECFGKEY, bytes(16))
        if len(key) != 16 or key == bytes(16):
            key = os.urandom(16)
        self.nv.form(channel, pan_id, epid, key)
        if nv.TCLK_SEED not in self.nv.osal:
            self.nv.osal[nv.TCLK_SEED] = os.urandom(16)
        self._start_from_nv()

    def _start_from_nv(self) -> None:
        nib = self.nv.nib
        self.air.start_network(nib.channel, nib.pan_id)
        self._state_change(mt.DEV_ZB_COORD)

    # ZDO ------------------------------------------------------------------------------------

    def _zdo_startup_from_app(self, r: Reader) -> bytes:
        r.u16()
        if self.nv.on_a_network:
            if not self.air.up:
                self._state_change(mt.DEV_COORD_STARTING)
                self._start_from_nv()
            return bytes((0x00,))  # restored network state
        self._state_change(mt.DEV_COORD_STARTING)
        self._form()
        return bytes((0x01,))  # new network state

    def _zdo_permit_join(self, r: Reader) -> bytes:
        mode, dst, duration, _tc = r.u8(), r.u16(), r.u8(), r.u8()
        if not self.air.up:
            return bytes((Status.NWK_INVALID_REQUEST,))
        if mode == mt.ADDR_BROADCAST or dst == 0x0000:
            self.air.open_joining(duration)
            self._areq(Subsystem.ZDO, 0xB6, struct.pack("<HB", 0x0000, Status.SUCCESS))
        elif self.air.node(nwk=dst) is not None:
            # a device answers for itself; these devices do not let others join through them
            self._areq(Subsystem.ZDO, 0xB6, struct.pack("<HB", dst, Status.SUCCESS))
        return bytes((Status.SUCCESS,))

    def _zdo_route_check(self, r: Reader) -> bytes:
        dst = r.u16()
        r.raw(2)
        return bytes((0x00 if dst == 0x0000 or self.air.node(nwk=dst) else 0x01,))

    def _next_zdo_tsn(self) -> int:
        self._zdo_tsn = (self._zdo_tsn + 1) & 0xFF
        return self._zdo_tsn

    def _zdo_to(self, dst: int, cluster: int, payload: bytes) -> bytes:
        """An MT ZDO request: the ZDO frame goes to ``dst``; its answer comes back as
        ZDO_MSG_CB_INCOMING."""
        if not self.air.up:
            return bytes((Status.NWK_INVALID_REQUEST,))
        data = bytes((self._next_zdo_tsn(),)) + payload
        if dst == 0x0000:
            self._coordinator_zdo(cluster, data, broadcast=False)
        else:
            self.air.unicast(self.air.node(nwk=dst), 0, 0, ZDO_PROFILE, cluster, data, _ignore)
        return bytes((Status.SUCCESS,))

    def _zdo_nwk_addr_req(self, r: Reader) -> bytes:
        ieee, payload = r.raw(8), r.rest()
        node = self.air.node(ieee=ieee)
        return self._zdo_to(node.nwk if node else 0x0000, NWK_ADDR_REQ, ieee + payload[:2])

    def _zdo_ieee_addr_req(self, r: Reader) -> bytes:
        nwk = r.u16()
        return self._zdo_to(nwk, IEEE_ADDR_REQ, struct.pack("<H", nwk) + r.raw(2))

    # AF -------------------------------------------------------------------------------------

    def _af_register(self, r: Reader) -> bytes:
        endpoint, profile, device, version, _latency = r.u8(), r.u16(), r.u16(), r.u8(), r.u8()
        ins, outs = r.u16_list(), r.u16_list()
        if endpoint in self.endpoints:
            return bytes((Status.APS_DUPLICATE_ENTRY,))
        self.endpoints[endpoint] = (
            struct.pack("<BHHBB", endpoint, profile, device, version, len(ins))
            + struct.pack(f"<{len(ins)}H", *ins)
            + struct.pack("<B", len(outs))
            + struct.pack(f"<{len(outs)}H", *outs)
        )
        return bytes((Status.SUCCESS,))

    def _af_data_request(self, r: Reader) -> bytes:
        dst, dst_ep, src_ep, cluster, tsn, _opt, _radius = (
            r.u16(), r.u8(), r.u8(), r.u16(), r.u8(), r.u8(), r.u8(),
        )  # fmt: skip
        data = r.short_bytes()
        mode = mt.ADDR_BROADCAST if dst >= 0xFFF8 else mt.ADDR_NWK
        return self._transmit(mode, dst, dst_ep, src_ep, cluster, tsn, data)

    def _af_data_request_ext(self, r: Reader) -> bytes:
        # every OTA answer the host sends: its fixed fields in one read
        mode, address, dst_ep, _pan, src_ep, cluster, tsn, _opt, _radius = r.fields(
            AF_DATA_REQUEST_EXT_FIELDS
        )
        data = r.long_bytes()
        dst = int.from_bytes(address if mode == mt.ADDR_IEEE else address[:2], "little")
        return self._transmit(mode, dst, dst_ep, src_ep, cluster, tsn, data)

    def _profile(self, endpoint: int) -> int:
        descriptor = self.endpoints.get(endpoint)
        return struct.unpack_from("<H", descriptor, 1)[0] if descriptor else 0x0104

    def _transmit(
        self, mode: int, dst: int, dst_ep: int, src_ep: int, cluster: int, tsn: int, data: bytes
    ) -> bytes:
        if not self.air.up:
            return bytes((Status.NWK_INVALID_REQUEST,))
        zdo = dst_ep == 0
        profile = ZDO_PROFILE if zdo else self._profile(src_ep)
        if mode == mt.ADDR_BROADCAST or mode == mt.ADDR_GROUP:
            if zdo and cluster == MGMT_PERMIT_JOINING_REQ and len(data) >= 2:
                self.air.open_joining(data[1])
            elif zdo and cluster & 0x8000 == 0:
                self._coordinator_zdo(cluster, data, broadcast=True)
            self.air.broadcast(src_ep, dst_ep, profile, cluster, data)
            if mode == mt.ADDR_GROUP:
                self._confirm(src_ep, tsn, Delivery.DELIVERED)
            return bytes((Status.SUCCESS,))
        to_coordinator = (
            mode == mt.ADDR_IEEE and dst.to_bytes(8, "little") == self.nv.extaddr
        ) or (mode == mt.ADDR_NWK and dst == 0x0000)
        if to_coordinator:
            if zdo:
                self._coordinator_zdo(cluster, data, broadcast=False)
            else:
                self._confirm(src_ep, tsn, Delivery.DELIVERED)
            return bytes((Status.SUCCESS,))
        if mode == mt.ADDR_IEEE:
            node = self.air.node(ieee=dst.to_bytes(8, "little"))
        elif mode == mt.ADDR_NWK:
            node = self.air.node(nwk=dst)
        else:
            return bytes((Status.INVALID_PARAMETER,))
        confirm = _ignore if zdo else (lambda outcome: self._confirm(src_ep, tsn, outcome))
        self.air.unicast(node, src_ep, dst_ep, profile, cluster, data, confirm)
        return bytes((Status.SUCCESS,))

    def _confirm(self, endpoint: int, tsn: int, outcome: Delivery) -> None:
        self._areq(Subsystem.AF, 0x80, bytes((DELIVERY_STATUS[outcome], endpoint, tsn)))

    # the coordinator's own ZDO ---------------------------------------------------------------

    def _coordinator_zdo(self, cluster: int, data: bytes, *, broadcast: bool) -> None:
        """Answer a ZDO request addressed to the coordinator, as ZDO_MSG_CB_INCOMING."""
        if not data or cluster & 0x8000:
            return
        tsn, body = data[0], data[1:]
        me = struct.pack("<H", 0x0000)
        if cluster == NODE_DESC_REQ:
            answer = bytes((0,)) + me + coordinator_node_descriptor()
        elif cluster == ACTIVE_EP_REQ:
            eps = sorted(self.endpoints)
            answer = bytes((0,)) + me + bytes((len(eps), *eps))
        elif cluster == SIMPLE_DESC_REQ:
            descriptor = self.endpoints.get(body[2] if len(body) >= 3 else -1)
            if descriptor is None:
                answer = bytes((0x83,)) + me + b"\x00"
            else:
                answer = bytes((0,)) + me + short_bytes(descriptor)
        elif cluster == NWK_ADDR_REQ:
            if body[:8] != self.nv.extaddr:
                return
            answer = bytes((0,)) + self.nv.extaddr + me
        elif cluster == IEEE_ADDR_REQ:
            answer = bytes((0,)) + self.nv.extaddr + me
        elif cluster == MGMT_PERMIT_JOINING_REQ:
            if body:
                self.air.open_joining(body[0])
            answer = bytes((0,))
        elif cluster == MGMT_NWK_UPDATE_REQ and len(body) >= 5 and body[4] <= 5:
            # an energy scan: every channel asked for is quiet (our setting)
            (mask,) = struct.unpack_from("<I", body)
            channels = [c for c in range(11, 27) if mask & (1 << c)]
            answer = struct.pack("<BIHHB", 0, mask, 0, 0, len(channels))
            answer += bytes(QUIET_ENERGY for _ in channels)
        elif broadcast:
            return
        else:
            answer = bytes((ZDO_NOT_SUPPORTED,))
        self._zdo_incoming(0x0000, False, cluster | 0x8000, tsn, answer, 0x0000)

    def _zdo_incoming(
        self, src: int, broadcast: bool, cluster: int, tsn: int, body: bytes, mac_dst: int
    ) -> None:
        head = struct.pack("<HBHBBH", src, int(broadcast), cluster, 0, tsn, mac_dst)
        self._areq(Subsystem.ZDO, 0xFF, head + body)

    # from the air ---------------------------------------------------------------------------

    def device_joined(self, node: ZigbeeNode) -> None:
        self._areq(Subsystem.ZDO, 0xCA, struct.pack("<H8sH", node.nwk, node.ieee, 0x0000))

    def frame_received(self, frame: AirFrame) -> None:
        if frame.profile == ZDO_PROFILE and frame.dst_ep == 0:
            if not frame.data:
                return
            if frame.cluster == DEVICE_ANNCE and len(frame.data) >= 12:
                nwk, ieee, capability = struct.unpack_from("<H8sB", frame.data, 1)
                self._areq(
                    Subsystem.ZDO, 0xC1, struct.pack("<HH8sB", frame.src_nwk, nwk, ieee, capability)
                )
            self._zdo_incoming(
                frame.src_nwk, frame.broadcast, frame.cluster, frame.data[0], frame.data[1:],
                frame.dst,
            )  # fmt: skip
            return
        if len(frame.data) > MAX_INCOMING_DATA:
            self.dropped_frames += 1
            LOGGER.warning("frame of %d bytes does not fit AF_INCOMING_MSG", len(frame.data))
            return
        self._aps_counter = (self._aps_counter + 1) & 0xFF
        stamp = int((time.monotonic() - self._started) * 1000) & 0xFFFFFFFF
        head = struct.pack(
            "<HHHBBBBBIB",
            0x0000,  # group
            frame.cluster,
            frame.src_nwk,
            frame.src_ep,
            frame.dst_ep,
            int(frame.broadcast),
            frame.lqi,
            0,  # security use
            stamp,
            self._aps_counter,
        )
        tail = struct.pack("<HB", frame.src_nwk, 0)  # MAC source, radius left
        self._areq(Subsystem.AF, 0x81, head + short_bytes(frame.data) + tail)


def _ex_key(r: Reader) -> nv.ExKey:
    return (r.u8(), r.u16(), r.u16())


def _ignore(outcome: Delivery) -> None:
    """ZDO requests and broadcasts get no AF_DATA_CONFIRM."""


def _succeeds(size: int) -> Handler:
    """A command this emulation accepts and has nothing to do for: SUCCESS."""

    def handler(r: Reader) -> bytes:
        r.raw(size)
        return bytes((Status.SUCCESS,))

    return handler

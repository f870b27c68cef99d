"""The emulated radio link: packets a ZigBee network co-processor exchanges with its host.

Every packet travels as the data field of one ASH DATA frame (fastpath ASH framing, the EZSP UART
framing). The byte layouts are documented in ``docs/radio-link.md``; this module is the reference
encoder/decoder used by both ends (the emulator process and the zigpy radio of ``rigs.zigbee``).

Common prefix of every packet: ``type:u8, tag:u8``. Requests from the host carry a non-zero tag
that the co-processor copies into its response; unsolicited packets carry tag 0. All integers are
little-endian.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass, field

from rigs.eui64 import canonical_eui64

PROTOCOL_VERSION = 1
MAX_PACKET = 256  # largest packet: the data field of one ASH frame on this link


class PacketType(enum.IntEnum):
    # host -> co-processor requests
    GET_INFO = 0x01
    FORM_NETWORK = 0x02
    GET_NETWORK = 0x03
    START_NETWORK = 0x04
    PERMIT_JOIN = 0x05
    LEAVE_NETWORK = 0x06
    ADD_ENDPOINT = 0x07
    SEND = 0x08
    PING = 0x09
    # co-processor -> host responses (request type | 0x80)
    INFO = 0x81
    STATUS = 0x82
    NETWORK = 0x83
    SEND_CONFIRM = 0x88
    PONG = 0x89
    # co-processor -> host unsolicited
    RECEIVED = 0x90
    JOIN_EVENT = 0x91
    ERROR = 0x9F


class Status(enum.IntEnum):
    SUCCESS = 0x00
    FAILURE = 0x01
    NOT_FORMED = 0x02
    NO_SUCH_DEVICE = 0x03
    NO_ACK = 0x04  # the destination did not acknowledge (silent, rebooting, left)
    INVALID_REQUEST = 0x05


class AddrMode(enum.IntEnum):
    GROUP = 0x01
    NWK = 0x02
    IEEE = 0x03
    BROADCAST = 0x0F


class JoinEvent(enum.IntEnum):
    JOINED = 0x00
    REJOINED = 0x01
    LEFT = 0x02


class NetworkState(enum.IntEnum):
    NOT_FORMED = 0x00
    FORMED = 0x01  # parameters stored, network not started
    UP = 0x02


class ProtocolError(ValueError):
    """A packet that does not follow the layouts in docs/radio-link.md."""


def _addr_mode(value: int) -> AddrMode:
    try:
        return AddrMode(value)
    except ValueError as exc:
        raise ProtocolError(f"unknown address mode {value}") from exc


@dataclass(frozen=True)
class Info:
    ieee: bytes  # 8 bytes, little-endian as on air
    protocol_version: int
    firmware: str


@dataclass(frozen=True)
class NetworkParameters:
    state: NetworkState
    channel: int = 0
    pan_id: int = 0
    extended_pan_id: bytes = b"\x00" * 8
    nwk_update_id: int = 0
    network_key: bytes = b"\x00" * 16
    key_sequence: int = 0
    tc_link_key: bytes = b"\x00" * 16
    frame_counter: int = 0

    _LAYOUT = struct.Struct("<BBH8sB16sB16sI")

    def encode(self) -> bytes:
        return self._LAYOUT.pack(
            int(self.state),
            self.channel,
            self.pan_id,
            self.extended_pan_id,
            self.nwk_update_id,
            self.network_key,
            self.key_sequence,
            self.tc_link_key,
            self.frame_counter,
        )

    @classmethod
    def decode(cls, data: bytes) -> NetworkParameters:
        if len(data) != cls._LAYOUT.size:
            raise ProtocolError(f"network parameters are {cls._LAYOUT.size} bytes, got {len(data)}")
        state, ch, pan, epid, upd, key, seq, tclk, fc = cls._LAYOUT.unpack(data)
        try:
            state = NetworkState(state)
        except ValueError as exc:
            raise ProtocolError(f"unknown network state {state}") from exc
        return cls(state, ch, pan, epid, upd, key, seq, tclk, fc)


@dataclass(frozen=True)
class Endpoint:
    endpoint: int
    profile: int
    device_type: int
    device_version: int = 0
    input_clusters: tuple[int, ...] = ()
    output_clusters: tuple[int, ...] = ()

    def encode(self) -> bytes:
        return (
            struct.pack(
                "<BHHBB",
                self.endpoint,
                self.profile,
                self.device_type,
                self.device_version,
                len(self.input_clusters),
            )
            + struct.pack(f"<{len(self.input_clusters)}H", *self.input_clusters)
            + struct.pack("<B", len(self.output_clusters))
            + struct.pack(f"<{len(self.output_clusters)}H", *self.output_clusters)
        )

    @classmethod
    def decode(cls, data: bytes) -> Endpoint:
        try:
            ep, profile, dev_type, version, n_in = struct.unpack_from("<BHHBB", data, 0)
            offset = 7
            ins = struct.unpack_from(f"<{n_in}H", data, offset)
            offset += 2 * n_in
            (n_out,) = struct.unpack_from("<B", data, offset)
            offset += 1
            outs = struct.unpack_from(f"<{n_out}H", data, offset)
        except struct.error as exc:
            raise ProtocolError("truncated endpoint descriptor") from exc
        return cls(ep, profile, dev_type, version, tuple(ins), tuple(outs))


@dataclass(frozen=True)
class Send:
    """An APS frame the host asks the co-processor to transmit."""

    dst_mode: AddrMode
    dst: int  # NWK (16 bits), group, broadcast address, or EUI-64 as an integer
    dst_ep: int
    src_ep: int
    profile: int
    cluster: int
    tsn: int
    radius: int
    options: int
    data: bytes = field(repr=False)

    _HEAD = struct.Struct("<BQBBHHBBB")

    def encode(self) -> bytes:
        return (
            self._HEAD.pack(
                int(self.dst_mode),
                self.dst,
                self.dst_ep,
                self.src_ep,
                self.profile,
                self.cluster,
                self.tsn,
                self.radius,
                self.options,
            )
            + self.data
        )

    @classmethod
    def decode(cls, data: bytes) -> Send:
        if len(data) < cls._HEAD.size:
            raise ProtocolError("truncated SEND")
        mode, dst, dst_ep, src_ep, profile, cluster, tsn, radius, options = cls._HEAD.unpack_from(
            data, 0
        )
        return cls(
            _addr_mode(mode),
            dst,
            dst_ep,
            src_ep,
            profile,
            cluster,
            tsn,
            radius,
            options,
            bytes(data[cls._HEAD.size :]),
        )


@dataclass(frozen=True)
class Received:
    """An APS frame the co-processor received over the air."""

    src_nwk: int
    src_ieee: bytes  # 8 bytes, little-endian
    src_ep: int
    dst_ep: int
    profile: int
    cluster: int
    tsn: int
    lqi: int
    rssi: int
    dst_mode: AddrMode
    dst: int
    data: bytes = field(repr=False)

    _HEAD = struct.Struct("<H8sBBHHBBbBH")

    def encode(self) -> bytes:
        return (
            self._HEAD.pack(
                self.src_nwk,
                self.src_ieee,
                self.src_ep,
                self.dst_ep,
                self.profile,
                self.cluster,
                self.tsn,
                self.lqi,
                self.rssi,
                int(self.dst_mode),
                self.dst,
            )
            + self.data
        )

    @classmethod
    def decode(cls, data: bytes) -> Received:
        if len(data) < cls._HEAD.size:
            raise ProtocolError("truncated RECEIVED")
        (nwk, ieee, src_ep, dst_ep, profile, cluster, tsn, lqi, rssi, mode, dst) = (
            cls._HEAD.unpack_from(data, 0)
        )
        return cls(
            nwk,
            ieee,
            src_ep,
            dst_ep,
            profile,
            cluster,
            tsn,
            lqi,
            rssi,
            _addr_mode(mode),
            dst,
            bytes(data[cls._HEAD.size :]),
        )


@dataclass(frozen=True)
class JoinNotice:
    nwk: int
    ieee: bytes
    parent_nwk: int
    event: JoinEvent

    _LAYOUT = struct.Struct("<H8sHB")

    def encode(self) -> bytes:
        return self._LAYOUT.pack(self.nwk, self.ieee, self.parent_nwk, int(self.event))

    @classmethod
    def decode(cls, data: bytes) -> JoinNotice:
        if len(data) != cls._LAYOUT.size:
            raise ProtocolError("bad JOIN_EVENT length")
        nwk, ieee, parent, event = cls._LAYOUT.unpack(data)
        return cls(nwk, ieee, parent, JoinEvent(event))


def packet(ptype: PacketType, tag: int, body: bytes = b"") -> bytes:
    return bytes((int(ptype), tag)) + body


def split(payload: bytes) -> tuple[int, int, bytes]:
    """Split a packet into (type, tag, body); the type is left as an int (unknown types allowed)."""
    if len(payload) < 2:
        raise ProtocolError("packet shorter than its 2-byte prefix")
    return payload[0], payload[1], payload[2:]


def encode_info(info: Info) -> bytes:
    fw = info.firmware.encode()
    return info.ieee + bytes((info.protocol_version, len(fw))) + fw


def decode_info(body: bytes) -> Info:
    if len(body) < 10 or len(body) < 10 + body[9]:
        raise ProtocolError("truncated INFO")
    return Info(bytes(body[:8]), body[8], bytes(body[10 : 10 + body[9]]).decode())


def ieee_to_bytes(ieee: str) -> bytes:
    """EUI-64 text (16 hex digits, most significant first, separators allowed) to air order."""
    return bytes.fromhex(canonical_eui64(ieee))[::-1]


def ieee_to_text(ieee: bytes) -> str:
    """Air-order EUI-64 to 16 upper-case hex digits, most significant first."""
    return ieee[::-1].hex().upper()

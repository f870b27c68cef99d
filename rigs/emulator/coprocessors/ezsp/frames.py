"""EZSP frames (Silicon Labs UG100, EZSP Reference Guide): header layout and identifiers.

Every frame is ``sequence, frame control, frame ID, parameters``. The first ``version`` command
comes in the *legacy* layout (one-byte frame control, one-byte frame ID); from protocol version 8
on, every later frame uses the *extended* layout: a two-byte frame control whose high byte carries
the frame format version (1) and a two-byte little-endian frame ID.

This co-processor speaks protocol version 8 (:data:`EZSP_PROTOCOL_VERSION`): the first version
with the extended layout, negotiated by bellows 1.2.1 and by every host library that still talks
to EmberZNet 6.7-6.9 sticks, and the last one before the security-manager key export and the XNCP
custom frames, which a lab emulator has no use for. Our setting, not a fact of any stick.

Integers are little-endian. Only the identifiers this co-processor uses are named here.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass

EZSP_PROTOCOL_VERSION = 8
STACK_TYPE_MESH = 2  # UG100: stackType 2 is the mesh (ZigBee PRO) stack
STACK_VERSION = 0x6A30  # EmberZNet 6.10.3 as four nibbles (major, minor, patch, special)
FRAME_FORMAT_VERSION = 1  # high byte of the extended frame control

# frame control, low byte (responses and callbacks: bit 7 set)
FC_RESPONSE = 0x80
FC_CALLBACK_ASYNC = 0x10  # callback type 2: an asynchronous callback (UART hosts)


class FrameId(enum.IntEnum):
    """Frame IDs of the commands and callbacks this co-processor handles (UG100, version 8)."""

    VERSION = 0x0000
    ADD_ENDPOINT = 0x0002
    NOP = 0x0005
    GET_MFG_TOKEN = 0x000B
    SET_CONCENTRATOR = 0x0010
    SET_MANUFACTURER_CODE = 0x0015
    NETWORK_INIT = 0x0017
    NETWORK_STATE = 0x0018
    STACK_STATUS_HANDLER = 0x0019
    START_SCAN = 0x001A
    SCAN_COMPLETE_HANDLER = 0x001C
    FORM_NETWORK = 0x001E
    LEAVE_NETWORK = 0x0020
    PERMIT_JOINING = 0x0022
    CHILD_JOIN_HANDLER = 0x0023
    TRUST_CENTER_JOIN_HANDLER = 0x0024
    GET_EUI64 = 0x0026
    GET_NODE_ID = 0x0027
    GET_NETWORK_PARAMETERS = 0x0028
    SEND_UNICAST = 0x0034
    SEND_BROADCAST = 0x0036
    SEND_MULTICAST = 0x0038
    SEND_REPLY = 0x0039
    MESSAGE_SENT_HANDLER = 0x003F
    INCOMING_MESSAGE_HANDLER = 0x0045
    ENERGY_SCAN_RESULT_HANDLER = 0x0048
    GET_CHILD_DATA = 0x004A
    GET_CONFIGURATION_VALUE = 0x0052
    SET_CONFIGURATION_VALUE = 0x0053
    SET_POLICY = 0x0055
    INVALID_COMMAND = 0x0058
    SET_SOURCE_ROUTE_DISCOVERY_MODE = 0x005A
    GET_ADDRESS_TABLE_REMOTE_EUI64 = 0x005E
    GET_ADDRESS_TABLE_REMOTE_NODE_ID = 0x005F
    LOOKUP_NODE_ID_BY_EUI64 = 0x0060
    LOOKUP_EUI64_BY_NODE_ID = 0x0061
    GET_MULTICAST_TABLE_ENTRY = 0x0063
    SET_MULTICAST_TABLE_ENTRY = 0x0064
    READ_AND_CLEAR_COUNTERS = 0x0065
    ADD_OR_UPDATE_KEY_TABLE_ENTRY = 0x0066
    SET_INITIAL_SECURITY_STATE = 0x0068
    GET_CURRENT_SECURITY_STATE = 0x0069
    GET_KEY = 0x006A
    GET_KEY_TABLE_ENTRY = 0x0071
    FIND_KEY_TABLE_ENTRY = 0x0075
    ERASE_KEY_TABLE_ENTRY = 0x0076
    SET_EXTENDED_TIMEOUT = 0x007E
    GET_EXTENDED_TIMEOUT = 0x007F
    REPLACE_ADDRESS_TABLE_ENTRY = 0x0082
    SET_RADIO_POWER = 0x0099
    GET_VALUE = 0x00AA
    SET_VALUE = 0x00AB
    SET_SOURCE_ROUTE = 0x00AE
    ADD_TRANSIENT_LINK_KEY = 0x00AF
    CLEAR_KEY_TABLE = 0x00B1
    GP_SINK_TABLE_CLEAR_ALL = 0x00E2
    READ_COUNTERS = 0x00F1


class EzspStatus(enum.IntEnum):
    """EzspStatus values (UG100) this co-processor answers with."""

    SUCCESS = 0x00
    ERROR_VERSION_NOT_SET = 0x30
    ERROR_INVALID_FRAME_ID = 0x31
    ERROR_WRONG_DIRECTION = 0x32
    ERROR_TRUNCATED = 0x33
    ERROR_INVALID_VALUE = 0x36
    ERROR_INVALID_ID = 0x37
    ERROR_INVALID_CALL = 0x38


class EmberStatus(enum.IntEnum):
    """EmberStatus values (UG100 / EmberZNet ember-types) this co-processor answers with."""

    SUCCESS = 0x00
    ERR_FATAL = 0x01
    BAD_ARGUMENT = 0x02
    MAC_NO_ACK_RECEIVED = 0x40
    DELIVERY_FAILED = 0x66
    INVALID_CALL = 0x70
    NETWORK_UP = 0x90
    NETWORK_DOWN = 0x91
    NOT_JOINED = 0x93
    NOT_FOUND = 0x03
    NETWORK_BUSY = 0xA1
    INDEX_OUT_OF_RANGE = 0xB1
    TABLE_FULL = 0xB4
    TABLE_ENTRY_ERASED = 0xB6


class NetworkStatus(enum.IntEnum):
    NO_NETWORK = 0
    JOINED_NETWORK = 2


class NodeType(enum.IntEnum):
    UNKNOWN = 0
    COORDINATOR = 1
    ROUTER = 2


class IncomingType(enum.IntEnum):
    UNICAST = 0
    MULTICAST = 2
    BROADCAST = 4


class OutgoingType(enum.IntEnum):
    DIRECT = 0
    VIA_ADDRESS_TABLE = 1
    VIA_BINDING = 2
    MULTICAST = 3
    BROADCAST = 6


class DeviceUpdate(enum.IntEnum):
    """``EmberDeviceUpdate`` of trustCenterJoinHandler."""

    SECURED_REJOIN = 0
    UNSECURED_JOIN = 1
    DEVICE_LEFT = 2


JOIN_DECISION_USE_PRECONFIGURED_KEY = 0  # EmberJoinDecision
KEY_TYPE_TRUST_CENTER_LINK = 1  # EmberKeyType
KEY_TYPE_CURRENT_NETWORK = 3

VALUE_FREE_BUFFERS = 0x03  # EzspValueId
VALUE_VERSION_INFO = 0x11
MFG_STRING = 0x01  # EzspMfgTokenId
MFG_BOARD_NAME = 0x02
MFG_CUSTOM_EUI_64 = 0x0C
CONFIG_MULTICAST_TABLE_SIZE = 0x06  # EzspConfigId
CONFIG_SECURITY_LEVEL = 0x0D
CONFIG_KEY_TABLE_SIZE = 0x1E
CONFIG_ADDRESS_TABLE_SIZE = 0x05

COUNTER_TYPES = 41  # EMBER_COUNTER_TYPE_COUNT of EmberZNet 6.10: readCounters returns this many u16


class FrameError(ValueError):
    """A frame too short or malformed to be answered."""


@dataclass(frozen=True)
class Header:
    sequence: int
    control: int  # low byte of the frame control
    frame_id: int
    legacy: bool


def parse(frame: bytes) -> tuple[Header, bytes]:
    """Split a frame from the host into its header and parameters.

    A legacy frame is recognised by its frame ID byte: only the ``version`` command (frame ID 0)
    may use that layout, and in the extended layout the same byte is the frame control's high
    byte, which is never 0.
    """
    if len(frame) < 3:
        raise FrameError(f"EZSP frame of {len(frame)} bytes is shorter than its header")
    if frame[2] == FrameId.VERSION:
        return Header(frame[0], frame[1], FrameId.VERSION, legacy=True), frame[3:]
    if len(frame) < 5:
        raise FrameError(f"extended EZSP frame of {len(frame)} bytes is shorter than its header")
    if frame[2] & 0x03 != FRAME_FORMAT_VERSION:
        raise FrameError(f"unknown EZSP frame format version {frame[2] & 0x03}")
    (frame_id,) = struct.unpack_from("<H", frame, 3)
    return Header(frame[0], frame[1], frame_id, legacy=False), frame[5:]


def response(sequence: int, frame_id: int, parameters: bytes, *, legacy: bool = False) -> bytes:
    """A response from the co-processor to a command with ``sequence``."""
    if legacy:
        return bytes((sequence, FC_RESPONSE, frame_id)) + parameters
    return (
        bytes((sequence, FC_RESPONSE, FRAME_FORMAT_VERSION))
        + struct.pack("<H", frame_id)
        + parameters
    )


def callback(sequence: int, frame_id: int, parameters: bytes) -> bytes:
    """An asynchronous callback: the sequence number is that of the last command seen."""
    return (
        bytes((sequence, FC_RESPONSE | FC_CALLBACK_ASYNC, FRAME_FORMAT_VERSION))
        + struct.pack("<H", frame_id)
        + parameters
    )


class Reader:
    """Reads the parameters of a command; :class:`FrameError` when they run short."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    def take(self, count: int) -> bytes:
        end = self._at + count
        if end > len(self._data):
            raise FrameError("parameters end early")
        chunk = self._data[self._at : end]
        self._at = end
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def i8(self) -> int:
        value = self.u8()
        return value - 256 if value > 127 else value

    def u16(self) -> int:
        value: int = struct.unpack("<H", self.take(2))[0]
        return value

    def u32(self) -> int:
        value: int = struct.unpack("<I", self.take(4))[0]
        return value

    def lv(self) -> bytes:
        return self.take(self.u8())

    def rest(self) -> bytes:
        chunk = self._data[self._at :]
        self._at = len(self._data)
        return chunk


def lv(data: bytes) -> bytes:
    """A length-prefixed byte string (one length byte)."""
    if len(data) > 255:
        raise ValueError("an EZSP byte string holds at most 255 bytes")
    return bytes((len(data),)) + data


@dataclass(frozen=True)
class ApsFrame:
    """EmberApsFrame: profile, cluster, endpoints, options, group, APS counter (11 bytes)."""

    profile: int
    cluster: int
    src_ep: int
    dst_ep: int
    options: int
    group: int
    sequence: int

    LAYOUT = struct.Struct("<HHBBHHB")

    def encode(self) -> bytes:
        return self.LAYOUT.pack(
            self.profile,
            self.cluster,
            self.src_ep,
            self.dst_ep,
            self.options,
            self.group,
            self.sequence,
        )

    @classmethod
    def read(cls, reader: Reader) -> ApsFrame:
        return cls(*cls.LAYOUT.unpack(reader.take(cls.LAYOUT.size)))


@dataclass(frozen=True)
class NetworkParameters:
    """EmberNetworkParameters (20 bytes)."""

    extended_pan_id: bytes  # 8 bytes, as on air
    pan_id: int
    tx_power: int
    channel: int
    join_method: int = 0
    nwk_manager_id: int = 0
    nwk_update_id: int = 0
    channels: int = 0

    def encode(self) -> bytes:
        return self.extended_pan_id + struct.pack(
            "<HBBBHBI",
            self.pan_id,
            self.tx_power & 0xFF,
            self.channel,
            self.join_method,
            self.nwk_manager_id,
            self.nwk_update_id,
            self.channels,
        )

    @classmethod
    def read(cls, reader: Reader) -> NetworkParameters:
        ext = reader.take(8)
        values = struct.unpack("<HBBBHBI", reader.take(12))
        return cls(ext, *values)


def key_struct(
    key_type: int, key: bytes, *, outgoing: int = 0, sequence: int = 0, partner: bytes = b""
) -> bytes:
    """EmberKeyStruct (36 bytes); the bitmask says which optional fields are valid."""
    bitmask = 0x0001 if sequence or key_type == KEY_TYPE_CURRENT_NETWORK else 0  # HAS_SEQUENCE
    bitmask |= 0x0002  # HAS_OUTGOING_FRAME_COUNTER
    if partner:
        bitmask |= 0x0008  # HAS_PARTNER_EUI64
    return (
        struct.pack("<HB", bitmask, key_type)
        + key
        + struct.pack("<IIB", outgoing, 0, sequence)
        + (partner or b"\x00" * 8)
    )

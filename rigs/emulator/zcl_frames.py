"""The small part of ZCL the emulated devices speak: frame header, attribute reads, default response.

Written for speed and independence from zigpy: the emulated devices must not share code with the
stack under test.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass
from typing import Any

FRAME_GLOBAL = 0x00
FRAME_CLUSTER = 0x01
FC_MANUFACTURER = 0x04
FC_SERVER_TO_CLIENT = 0x08
FC_DISABLE_DEFAULT_RESPONSE = 0x10

CMD_READ_ATTRIBUTES = 0x00
CMD_READ_ATTRIBUTES_RESPONSE = 0x01
CMD_WRITE_ATTRIBUTES = 0x02
CMD_WRITE_ATTRIBUTES_RESPONSE = 0x04
CMD_CONFIGURE_REPORTING = 0x06
CMD_DEFAULT_RESPONSE = 0x0B

# ZCL status codes used here
SUCCESS = 0x00
FAILURE = 0x01
NOT_AUTHORIZED = 0x7E
MALFORMED_COMMAND = 0x80
UNSUP_CLUSTER_COMMAND = 0x81
UNSUP_GENERAL_COMMAND = 0x82
UNSUP_MANUF_CLUSTER_COMMAND = 0x83
INVALID_VALUE = 0x87
UNSUPPORTED_ATTRIBUTE = 0x86
ABORT = 0x95
INVALID_IMAGE = 0x96
WAIT_FOR_DATA = 0x97
NO_IMAGE_AVAILABLE = 0x98
REQUIRE_MORE_IMAGE = 0x99
UNSUPPORTED_CLUSTER = 0xC3

# attribute data types
T_BOOL = 0x10
T_UINT8 = 0x20
T_UINT16 = 0x21
T_UINT32 = 0x23
T_ENUM8 = 0x30
T_OCTET_STRING = 0x41
T_CHAR_STRING = 0x42
T_UTC = 0xE2
T_EUI64 = 0xF0

ZIGBEE_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class ZclError(ValueError):
    pass


@dataclass(frozen=True)
class ZclFrame:
    frame_type: int
    manufacturer: int | None
    server_to_client: bool
    disable_default_response: bool
    tsn: int
    command: int
    payload: bytes

    @property
    def is_global(self) -> bool:
        return self.frame_type == FRAME_GLOBAL


def parse(data: bytes) -> ZclFrame:
    if len(data) < 3:
        raise ZclError("ZCL frame shorter than its header")
    fc = data[0]
    offset = 1
    manufacturer = None
    if fc & FC_MANUFACTURER:
        if len(data) < 5:
            raise ZclError("ZCL frame shorter than its manufacturer-specific header")
        (manufacturer,) = struct.unpack_from("<H", data, 1)
        offset = 3
    return ZclFrame(
        frame_type=fc & 0x03,
        manufacturer=manufacturer,
        server_to_client=bool(fc & FC_SERVER_TO_CLIENT),
        disable_default_response=bool(fc & FC_DISABLE_DEFAULT_RESPONSE),
        tsn=data[offset],
        command=data[offset + 1],
        payload=bytes(data[offset + 2 :]),
    )


def build(
    *,
    frame_type: int,
    server_to_client: bool,
    tsn: int,
    command: int,
    payload: bytes = b"",
    manufacturer: int | None = None,
    disable_default_response: bool = True,
) -> bytes:
    fc = frame_type
    if server_to_client:
        fc |= FC_SERVER_TO_CLIENT
    if disable_default_response:
        fc |= FC_DISABLE_DEFAULT_RESPONSE
    if manufacturer is not None:
        fc |= FC_MANUFACTURER
        return struct.pack("<BHBB", fc, manufacturer, tsn, command) + payload
    return bytes((fc, tsn, command)) + payload


def reply_to(request: ZclFrame, command: int, payload: bytes, *, frame_type: int) -> bytes:
    """A response travelling the other way, same TSN and manufacturer code."""
    return build(
        frame_type=frame_type,
        server_to_client=not request.server_to_client,
        tsn=request.tsn,
        command=command,
        payload=payload,
        manufacturer=request.manufacturer,
    )


def default_response(request: ZclFrame, status: int) -> bytes:
    return reply_to(
        request, CMD_DEFAULT_RESPONSE, bytes((request.command, status)), frame_type=FRAME_GLOBAL
    )


def encode_value(data_type: int, value: Any) -> bytes:
    if data_type in (T_BOOL, T_UINT8, T_ENUM8):
        return struct.pack("<B", int(value))
    if data_type == T_UINT16:
        return struct.pack("<H", int(value))
    if data_type in (T_UINT32, T_UTC):
        return struct.pack("<I", int(value))
    if data_type == T_CHAR_STRING:
        raw = str(value).encode("utf-8")
        return bytes((len(raw),)) + raw
    if data_type == T_OCTET_STRING:
        raw = bytes(value)
        return bytes((len(raw),)) + raw
    if data_type == T_EUI64:
        return bytes(value)
    raise ZclError(f"cannot encode data type 0x{data_type:02X}")


def read_attributes_ids(payload: bytes) -> list[int]:
    if len(payload) % 2:
        raise ZclError("odd-length Read Attributes payload")
    return list(struct.unpack(f"<{len(payload) // 2}H", payload))


def read_attributes_response(attribute_ids: list[int], values: dict[int, tuple[int, Any]]) -> bytes:
    out = bytearray()
    for attr in attribute_ids:
        if attr in values:
            data_type, value = values[attr]
            out += struct.pack("<HBB", attr, SUCCESS, data_type) + encode_value(data_type, value)
        else:
            out += struct.pack("<HB", attr, UNSUPPORTED_ATTRIBUTE)
    return bytes(out)


def to_zigbee_time(moment: dt.datetime) -> int:
    return int((moment - ZIGBEE_EPOCH).total_seconds())


def from_zigbee_time(seconds: int) -> dt.datetime:
    return ZIGBEE_EPOCH + dt.timedelta(seconds=seconds)

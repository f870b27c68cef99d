"""TI Z-Stack Monitor and Test (MT) commands as the emulated co-processor knows them.

Command bytes: ``cmd0 = type << 5 | subsystem``, ``cmd1`` = command id (Z-Stack MT API, "Z-Stack
Monitor and Test API" document and ``MT_*.h``). Fields are little-endian.
"""

from __future__ import annotations

import enum
import struct
from typing import Any


class Type(enum.IntEnum):
    POLL = 0x00
    SREQ = 0x20
    AREQ = 0x40
    SRSP = 0x60


class Subsystem(enum.IntEnum):
    RPC_ERROR = 0x00
    SYS = 0x01
    MAC = 0x02
    NWK = 0x03
    AF = 0x04
    ZDO = 0x05
    SAPI = 0x06  # the ZB_* simple API
    UTIL = 0x07
    DEBUG = 0x08
    APP = 0x09
    APP_CNF = 0x0F
    GP = 0x15


class RpcError(enum.IntEnum):
    """The error code of an RPC_Error SRSP (cmd0 0x60, cmd1 0x00)."""

    INVALID_SUBSYSTEM = 0x01
    INVALID_COMMAND_ID = 0x02
    INVALID_PARAMETER = 0x03
    INVALID_LENGTH = 0x04


class Status(enum.IntEnum):
    """Z-Stack status codes used in answers (ZComDef.h)."""

    SUCCESS = 0x00
    FAILURE = 0x01
    INVALID_PARAMETER = 0x02
    NV_ITEM_UNINIT = 0x09
    NV_OPER_FAILED = 0x0A
    NV_BAD_ITEM_LEN = 0x0C
    APS_NO_ACK = 0xB7
    APS_DUPLICATE_ENTRY = 0xB8
    NWK_INVALID_REQUEST = 0xC2
    MAC_NO_ACK = 0xE9


# capabilities bitmap of SYS_PING: SYS, AF, ZDO, SAPI, UTIL, APP_CNF
CAPABILITIES = 0x0001 | 0x0008 | 0x0010 | 0x0020 | 0x0040 | 0x0400

# ZDO device states (ZDO_STATE_CHANGE_IND)
DEV_HOLD = 0x00
DEV_COORD_STARTING = 0x08
DEV_ZB_COORD = 0x09

# BDB commissioning (APP_CNF)
BDB_SUCCESS = 0x00
BDB_IN_PROGRESS = 0x01
BDB_NO_NETWORK = 0x02
BDB_FORMATION_FAILURE = 0x08
BDB_MODE_NONE = 0x00
BDB_MODE_STEERING = 0x02
BDB_MODE_FORMATION = 0x04
BDB_STEERING_SECONDS = 180  # bdbcMinCommissioningTime

# address modes of AF_DATA_REQUEST_EXT
ADDR_GROUP = 0x01
ADDR_NWK = 0x02
ADDR_IEEE = 0x03
ADDR_BROADCAST = 0x0F


class Truncated(ValueError):
    """A request shorter than its fields."""


class Reader:
    """Little-endian fields of one MT data field, in order; :class:`Truncated` when short."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def _take(self, size: int) -> bytes:
        if self.at + size > len(self.data):
            raise Truncated(f"needs {self.at + size} bytes, has {len(self.data)}")
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk

    def u8(self) -> int:
        return self._take(1)[0]

    def u16(self) -> int:
        value: int = struct.unpack("<H", self._take(2))[0]
        return value

    def u32(self) -> int:
        value: int = struct.unpack("<I", self._take(4))[0]
        return value

    def raw(self, size: int) -> bytes:
        return self._take(size)

    def fields(self, layout: struct.Struct) -> tuple[Any, ...]:
        """The fixed-size fields ``layout`` describes, read in one go."""
        end = self.at + layout.size
        if end > len(self.data):
            raise Truncated(f"needs {end} bytes, has {len(self.data)}")
        values = layout.unpack_from(self.data, self.at)
        self.at = end
        return values

    def short_bytes(self) -> bytes:
        """u8 length, then that many bytes."""
        return self._take(self.u8())

    def long_bytes(self) -> bytes:
        """u16 length, then that many bytes."""
        return self._take(self.u16())

    def u16_list(self) -> list[int]:
        """u8 count, then that many u16."""
        count = self.u8()
        return [self.u16() for _ in range(count)]

    def rest(self) -> bytes:
        chunk = self.data[self.at :]
        self.at = len(self.data)
        return chunk


def short_bytes(value: bytes) -> bytes:
    return bytes((len(value),)) + value

"""The serial test-port protocol, version 1: message layout, commands, status codes, body codecs.

Every message is the payload of one asynchronous HDLC frame (RFC 1662, FCS-16, ACCM 0; see
``fastpath.hdlc``). All integers are big-endian. The full specification, with examples, is in
``docs/test-port.md``; this module is its executable form.

    request   VER(1)=0x01 | CMD(1)        | SEQ(2) | BODY
    response  VER(1)=0x01 | CMD|0x80 (1)  | SEQ(2) | STATUS(1) | BODY
    notice    VER(1)=0x01 | 0xFF          | 0x0000 | STATUS(1) | BODY     (device -> client, unsolicited)

A non-OK response body is ``DETAIL(4) | REASON (UTF-8, rest of the frame)``.
"""

from __future__ import annotations

import datetime as dt
import enum
import struct
from dataclasses import dataclass

VERSION = 1
RESPONSE_BIT = 0x80
NOTICE_CMD = 0xFF
MAX_BLOCK = 4096
MAX_PAYLOAD = MAX_BLOCK + 64
"""Largest frame payload either side sends or accepts (a block plus its header)."""
NO_VERSION = 0xFFFFFFFF
MAX_PIN_LENGTH = 16
MAX_EVENTS_PER_READ = 32

_REQUEST = struct.Struct(">BBH")
_RESPONSE = struct.Struct(">BBHB")


class ProtocolError(ValueError):
    """A frame that is not a valid test-port message (counted and skipped by both sides)."""


class Command(enum.IntEnum):
    HELLO = 0x01
    IDENTIFY = 0x02
    READ_FIRMWARE = 0x03
    IMAGE_OFFER = 0x10
    IMAGE_BLOCK = 0x11
    IMAGE_STATUS = 0x12
    IMAGE_END = 0x13
    ACTIVATE = 0x20
    CANCEL_ACTIVATION = 0x21
    READ_SITE_ID = 0x30
    VERIFY_PIN = 0x40
    PIN_STATUS = 0x41
    READ_EVENTS = 0x50


class Status(enum.IntEnum):
    OK = 0x00
    UNKNOWN_COMMAND = 0x01
    BAD_REQUEST = 0x02
    BUSY = 0x03
    UNSUPPORTED_VERSION = 0x04
    NO_SESSION = 0x10
    GAP = 0x11
    OUT_OF_RANGE = 0x12
    BAD_HASH = 0x13
    REJECTED = 0x14
    INCOMPLETE = 0x15
    NO_IMAGE = 0x20
    HASH_MISMATCH = 0x21
    INTERNAL_ERROR = 0x7F
    FRAME_ERROR = 0xF0  # notice: a frame arrived damaged (FCS error, abort, oversize)
    BOOTED = 0xF1  # notice: the device (re)started; every session is gone


class ImageState(enum.IntEnum):
    NONE = 0
    RECEIVING = 1
    HELD = 2


class Outcome(enum.IntEnum):
    ACTIVATED = 1
    SCHEDULED = 2
    CANCELLED = 3
    NOTHING_SCHEDULED = 4


class PinResult(enum.IntEnum):
    CORRECT = 0
    WRONG = 1
    LOCKED = 2


class Role(enum.IntEnum):
    PPMID = 1
    ESME = 2
    GSME = 3


# --- messages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    command: int
    seq: int
    body: bytes = b""

    def encode(self) -> bytes:
        return _REQUEST.pack(VERSION, self.command, self.seq & 0xFFFF) + self.body

    def __repr__(self) -> str:
        # the body may carry a PIN: show what the trace shows
        return f"<Request {describe(self.encode())}>"


@dataclass(frozen=True)
class Response:
    command: int  # without the response bit; NOTICE_CMD for notices
    seq: int
    status: int
    body: bytes = b""

    @property
    def is_notice(self) -> bool:
        return self.command == NOTICE_CMD

    @property
    def ok(self) -> bool:
        return self.status == Status.OK

    def encode(self) -> bytes:
        cmd = NOTICE_CMD if self.is_notice else self.command | RESPONSE_BIT
        return _RESPONSE.pack(VERSION, cmd, self.seq & 0xFFFF, self.status) + self.body

    def error(self) -> tuple[int, str]:
        """(DETAIL, REASON) of a non-OK response."""
        return decode_error(self.body)


def decode_request(payload: bytes) -> Request:
    if len(payload) < _REQUEST.size:
        raise ProtocolError(f"request of {len(payload)} bytes is shorter than its header")
    version, command, seq = _REQUEST.unpack_from(payload)
    if version != VERSION:
        raise ProtocolError(f"protocol version {version} is not supported (this is {VERSION})")
    if command & RESPONSE_BIT:
        raise ProtocolError(f"frame with command 0x{command:02X} is a response, not a request")
    if command == NOTICE_CMD & ~RESPONSE_BIT:
        raise ProtocolError("command 0x7F is reserved (its answer would read as a notice)")
    return Request(command, seq, bytes(payload[_REQUEST.size :]))


def decode_response(payload: bytes) -> Response:
    if len(payload) < _RESPONSE.size:
        raise ProtocolError(f"response of {len(payload)} bytes is shorter than its header")
    version, command, seq, status = _RESPONSE.unpack_from(payload)
    if version != VERSION:
        raise ProtocolError(f"protocol version {version} is not supported (this is {VERSION})")
    if command != NOTICE_CMD:
        if not command & RESPONSE_BIT:
            raise ProtocolError(f"frame with command 0x{command:02X} is a request, not a response")
        command &= ~RESPONSE_BIT
    return Response(command, seq, status, bytes(payload[_RESPONSE.size :]))


def notice(status: Status, detail: int = 0, text: str = "") -> Response:
    return Response(NOTICE_CMD, 0, status, encode_error(detail, text))


def error_response(request: Request, status: Status, reason: str = "", detail: int = 0) -> Response:
    return Response(request.command, request.seq, status, encode_error(detail, reason))


def encode_error(detail: int, reason: str) -> bytes:
    return struct.pack(">I", detail & 0xFFFFFFFF) + reason.encode("utf-8")[: MAX_PAYLOAD // 2]


def decode_error(body: bytes) -> tuple[int, str]:
    if len(body) < 4:
        return 0, body.decode("utf-8", "replace")
    return struct.unpack_from(">I", body)[0], body[4:].decode("utf-8", "replace")


# --- body fields --------------------------------------------------------------------------


class Reader:
    """Reads big-endian fields from a body; a short body is a :class:`ProtocolError`."""

    def __init__(self, body: bytes) -> None:
        self._body = body
        self._at = 0

    def take(self, count: int) -> bytes:
        if self._at + count > len(self._body):
            raise ProtocolError(
                f"body ends after {len(self._body)} bytes, field needs {count} more"
            )
        out = self._body[self._at : self._at + count]
        self._at += count
        return out

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return int.from_bytes(self.take(2), "big")

    def u32(self) -> int:
        return int.from_bytes(self.take(4), "big")

    def i64(self) -> int:
        return int.from_bytes(self.take(8), "big", signed=True)

    def text(self) -> str:
        return self.take(self.u8()).decode("utf-8", "replace")

    def rest(self) -> bytes:
        out = self._body[self._at :]
        self._at = len(self._body)
        return out

    @property
    def remaining(self) -> int:
        return len(self._body) - self._at


def lv(text: str) -> bytes:
    """A length-prefixed UTF-8 string (at most 255 bytes)."""
    raw = text.encode("utf-8")
    if len(raw) > 255:
        raise ValueError(f"text of {len(raw)} bytes does not fit a length byte")
    return bytes([len(raw)]) + raw


def epoch_seconds(when: dt.datetime) -> int:
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return int(when.timestamp())


def from_epoch(seconds: int) -> dt.datetime:
    """The time ``seconds`` after 1970 (UTC); a time no date can hold is a :class:`ProtocolError`."""
    try:
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise ProtocolError(f"time {seconds} s since 1970 is out of range") from None


# --- redaction and description (for traces) ------------------------------------------------

TRACE_DECODER = f"smets1-test-port/{VERSION}"
"""The decoder name a test-port trace carries."""

_SECRET_COMMANDS = {Command.VERIFY_PIN}
REDACTED_BODY = b"<pin>"


def redact_payload(payload: bytes) -> bytes:
    """The payload with every PIN masked: a VERIFY_PIN request keeps its header only."""
    if len(payload) > _REQUEST.size and payload[0] == VERSION and payload[1] in _SECRET_COMMANDS:
        return bytes(payload[: _REQUEST.size]) + REDACTED_BODY
    return payload


def name_of(enum_type: type[enum.IntEnum], value: int, unknown: str = "") -> str:
    """The member's name, or ``unknown`` followed by the value in hex."""
    try:
        return enum_type(value).name
    except ValueError:
        return f"{unknown}0x{value:02X}"


def describe(payload: bytes) -> str:
    """One line saying what a payload is; never includes a PIN."""
    if len(payload) < _REQUEST.size:
        return f"short frame ({len(payload)} bytes)"
    cmd = payload[1]
    if cmd == NOTICE_CMD or cmd & RESPONSE_BIT:
        try:
            response = decode_response(payload)
        except ProtocolError as exc:
            return f"bad response: {exc}"
        label = "NOTICE" if response.is_notice else name_of(Command, response.command)
        text = f"{label} seq={response.seq} status={name_of(Status, response.status)}"
        if response.command == Command.IMAGE_BLOCK and response.ok and len(response.body) >= 4:
            text += f" next={int.from_bytes(response.body[:4], 'big')}"
        elif not response.ok:
            detail, reason = response.error()
            text += f" detail={detail}" + (f" reason={reason!r}" if reason else "")
        return text
    version, command, seq = _REQUEST.unpack_from(payload)  # no copy of a block's data
    if version != VERSION:
        return f"bad request: protocol version {version} is not supported (this is {VERSION})"
    text = f"{name_of(Command, command)} seq={seq}"
    body_at = _REQUEST.size
    if command in _SECRET_COMMANDS:
        return text + " pin=<redacted>"
    if command == Command.IMAGE_BLOCK and len(payload) >= body_at + 4:
        offset = int.from_bytes(payload[body_at : body_at + 4], "big")
        text += f" offset={offset} len={len(payload) - body_at - 4}"
    elif command == Command.IMAGE_OFFER and len(payload) >= body_at + 38:
        body = payload[body_at : body_at + 38]
        size = int.from_bytes(body[:4], "big")
        block = int.from_bytes(body[36:38], "big")
        text += f" size={size} sha256={body[4:12].hex()}... block={block}"
    return text

"""ASH framing in pure Python: the specification the compiled twin (_ash_c) is tested against."""

from collections.abc import Iterable

from fastpath._ash_control import (
    CANCEL,
    ERROR,
    ESCAPE,
    FLAG,
    MAX_DATA,
    MAX_DATA_LIMIT,
    RESERVED_BYTES,
    RST,
    RSTACK,
    SUBSTITUTE,
    XOFF,
    XON,
    FrameKind,
    ack_control,
    data_control,
    is_data,
    nak_control,
    parse_control,
)
from fastpath._bytes_arg import BytesLike, as_bytes, check_int
from fastpath._crc_py import crc16_ccitt
from fastpath._stats import DecoderStats

__all__ = [
    "CANCEL",
    "ERROR",
    "ESCAPE",
    "FLAG",
    "MAX_DATA",
    "MAX_DATA_LIMIT",
    "RANDOM_SEQUENCE",
    "RESERVED_BYTES",
    "RST",
    "RSTACK",
    "SUBSTITUTE",
    "XOFF",
    "XON",
    "Decoder",
    "FrameKind",
    "ack_control",
    "data_control",
    "encode",
    "encode_many",
    "is_data",
    "nak_control",
    "parse_control",
    "randomise",
]


def _random_sequence(length: int) -> bytes:
    out = bytearray()
    rand = 0x42
    for _ in range(length):
        out.append(rand)
        rand = rand >> 1 if not rand & 1 else (rand >> 1) ^ 0xB8
    return bytes(out)


RANDOM_SEQUENCE = _random_sequence(MAX_DATA_LIMIT)
_FLAG_BYTE = bytes([FLAG])


def randomise(data: BytesLike) -> bytes:
    """XOR ``data`` with the ASH pseudo-random sequence (its own inverse)."""
    buf = as_bytes(data)
    size = len(buf)
    if size > MAX_DATA_LIMIT:
        raise ValueError(f"at most {MAX_DATA_LIMIT} bytes can be randomised, got {size}")
    mixed = int.from_bytes(buf, "big") ^ int.from_bytes(RANDOM_SEQUENCE[:size], "big")
    return mixed.to_bytes(size, "big")


def _stuff(raw: bytes) -> bytes:
    # ESCAPE first: the bytes that follow an inserted ESCAPE are never reserved themselves.
    return (
        raw.replace(b"\x7d", b"\x7d\x5d")
        .replace(b"\x7e", b"\x7d\x5e")
        .replace(b"\x11", b"\x7d\x31")
        .replace(b"\x13", b"\x7d\x33")
        .replace(b"\x18", b"\x7d\x38")
        .replace(b"\x1a", b"\x7d\x3a")
    )


def encode(control: int, data: BytesLike = b"", *, max_data: int = MAX_DATA) -> bytes:
    """Wire bytes of one ASH frame, flag included; the data of DATA frames is randomised.

    ValueError if ``control`` is not a byte or ``data`` is longer than ``max_data``.
    """
    check_int(control, 0, 0xFF, "control")
    buf = as_bytes(data)
    check_int(max_data, 0, MAX_DATA_LIMIT, "max_data")
    if len(buf) > max_data:
        raise ValueError(f"ASH frame data is {len(buf)} bytes, at most {max_data} allowed")
    if not control & 0x80:
        buf = randomise(buf)
    raw = bytes([control]) + buf
    raw += crc16_ccitt(raw).to_bytes(2, "big")
    return _stuff(raw) + _FLAG_BYTE


def encode_many(frames: Iterable[tuple[int, BytesLike]], *, max_data: int = MAX_DATA) -> bytes:
    """Concatenated ``encode(control, data)`` of every (control, data) pair."""
    return b"".join([encode(control, data, max_data=max_data) for control, data in frames])


class Decoder:
    """Incremental ASH stream decoder.

    ``feed`` returns (control, data) for every whole, CRC-valid frame, data de-randomised for
    DATA frames, in order, whatever way the stream is split. Nothing is ever raised for bad input:

    - a frame with a bad CRC counts in ``crc_errors``;
    - ``discarded`` counts frames shorter than control + CRC, frames ended by ESCAPE + FLAG,
      frames in progress thrown away by CANCEL (0x1A), and frames marked bad by SUBSTITUTE
      (0x18), whose bytes are ignored up to the next flag;
    - a frame growing beyond control + ``max_data`` + CRC counts in ``oversized`` and its bytes
      are ignored up to the next flag, so memory stays bounded;
    - XON and XOFF (0x11, 0x13) are ignored wherever they appear.
    """

    def __init__(self, *, max_data: int = MAX_DATA) -> None:
        self._limit = check_int(max_data, 0, MAX_DATA_LIMIT, "max_data") + 3
        self._buf = bytearray()
        self._escape = False
        self._skip = False
        self._frames = 0
        self._crc_errors = 0
        self._discarded = 0
        self._oversized = 0

    @property
    def max_data(self) -> int:
        return self._limit - 3

    @property
    def stats(self) -> DecoderStats:
        return DecoderStats(self._frames, self._crc_errors, self._discarded, self._oversized)

    def feed(self, chunk: BytesLike) -> list[tuple[int, bytes]]:
        data = as_bytes(chunk)
        out: list[tuple[int, bytes]] = []
        buf = self._buf
        limit = self._limit
        i = 0
        end = len(data)
        while i < end:
            if self._skip:
                flag_at = data.find(_FLAG_BYTE, i)
                if flag_at < 0:
                    break
                i = flag_at + 1
                self._skip = False
                self._escape = False
                buf.clear()
                continue
            byte = data[i]
            i += 1
            if byte == FLAG:
                self._end_frame(out)
            elif byte == CANCEL:
                if buf or self._escape:
                    self._discarded += 1
                buf.clear()
                self._escape = False
            elif byte == SUBSTITUTE:
                self._discarded += 1
                self._skip = True
            elif byte == XON or byte == XOFF:
                pass
            elif byte == ESCAPE and not self._escape:
                self._escape = True
            else:
                if self._escape:
                    byte ^= 0x20
                    self._escape = False
                if len(buf) >= limit:
                    self._oversized += 1
                    self._skip = True
                else:
                    buf.append(byte)
        return out

    def _end_frame(self, out: list[tuple[int, bytes]]) -> None:
        buf = self._buf
        if self._escape or 0 < len(buf) < 3:
            self._discarded += 1
        elif buf:
            if crc16_ccitt(buf) != 0:
                self._crc_errors += 1
            else:
                control = buf[0]
                data = bytes(buf[1:-2])
                if not control & 0x80:
                    data = randomise(data)
                out.append((control, data))
                self._frames += 1
        buf.clear()
        self._escape = False

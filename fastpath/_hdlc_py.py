"""Asynchronous HDLC framing (RFC 1662) in pure Python: the specification for _hdlc_c."""

from collections.abc import Iterable

from fastpath._bytes_arg import BytesLike, as_bytes, check_int
from fastpath._crc_py import crc16_x25
from fastpath._stats import DecoderStats

__all__ = [
    "ESCAPE",
    "FLAG",
    "GOOD_FCS_RESIDUE",
    "MAX_FRAME",
    "MAX_FRAME_LIMIT",
    "Decoder",
    "encode",
    "encode_many",
]

FLAG = 0x7E
ESCAPE = 0x7D
MAX_FRAME = 4096
"""Default largest payload (FCS excluded) that ``encode`` accepts and ``Decoder`` keeps."""
MAX_FRAME_LIMIT = 1 << 24
"""Upper bound for ``max_frame``."""
GOOD_FCS_RESIDUE = 0x0F47
"""crc16_x25 over a payload followed by its own FCS (RFC 1662's 0xF0B8 before the final xor)."""

_FLAG_BYTE = bytes([FLAG])


def _escaped_set(accm: int) -> frozenset[int]:
    return frozenset({FLAG, ESCAPE} | {c for c in range(32) if accm >> c & 1})


def encode(payload: BytesLike, accm: int = 0, *, max_frame: int = MAX_FRAME) -> bytes:
    """Wire bytes of one frame: flag, escaped payload + FCS-16 (LSB first), flag.

    0x7E, 0x7D and every control character 0x00-0x1F whose bit is set in the 32-bit ``accm``
    are sent as 0x7D, byte ^ 0x20. ValueError for a payload over ``max_frame`` bytes.
    """
    buf = as_bytes(payload)
    check_int(accm, 0, 0xFFFFFFFF, "accm")
    check_int(max_frame, 1, MAX_FRAME_LIMIT, "max_frame")
    if len(buf) > max_frame:
        raise ValueError(f"HDLC payload is {len(buf)} bytes, at most {max_frame} allowed")
    raw = buf + crc16_x25(buf).to_bytes(2, "little")
    escaped = _escaped_set(accm)
    out = bytearray(_FLAG_BYTE)
    for byte in raw:
        if byte in escaped:
            out += bytes((ESCAPE, byte ^ 0x20))
        else:
            out.append(byte)
    out.append(FLAG)
    return bytes(out)


def encode_many(
    payloads: Iterable[BytesLike], accm: int = 0, *, max_frame: int = MAX_FRAME
) -> bytes:
    """Concatenated ``encode(payload, accm)`` of every payload."""
    return b"".join([encode(p, accm, max_frame=max_frame) for p in payloads])


class Decoder:
    """Incremental RFC 1662 stream decoder.

    ``feed`` returns the payload (FCS removed) of every whole, FCS-valid frame, in order,
    whatever way the stream is split. Control characters that ``accm`` marks are dropped on
    receipt (RFC 1662 section 7.1); an escaped byte is accepted whatever it is. Never raises
    for bad input:

    - a frame whose FCS does not match counts in ``crc_errors``;
    - ``discarded`` counts frames of one byte and frames aborted by ESCAPE + FLAG;
    - a frame growing beyond ``max_frame`` + 2 bytes counts in ``oversized`` and its bytes are
      ignored up to the next flag, so memory stays bounded.
    """

    def __init__(self, accm: int = 0, max_frame: int = MAX_FRAME) -> None:
        self._accm = check_int(accm, 0, 0xFFFFFFFF, "accm")
        self._limit = check_int(max_frame, 1, MAX_FRAME_LIMIT, "max_frame") + 2
        self._buf = bytearray()
        self._escape = False
        self._skip = False
        self._frames = 0
        self._crc_errors = 0
        self._discarded = 0
        self._oversized = 0

    @property
    def accm(self) -> int:
        return self._accm

    @property
    def max_frame(self) -> int:
        return self._limit - 2

    @property
    def stats(self) -> DecoderStats:
        return DecoderStats(self._frames, self._crc_errors, self._discarded, self._oversized)

    def feed(self, chunk: BytesLike) -> list[bytes]:
        data = as_bytes(chunk)
        out: list[bytes] = []
        buf = self._buf
        limit = self._limit
        accm = self._accm
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
            elif byte < 0x20 and accm >> byte & 1:
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

    def _end_frame(self, out: list[bytes]) -> None:
        buf = self._buf
        if self._escape or len(buf) == 1:
            self._discarded += 1
        elif buf:
            if crc16_x25(buf) != GOOD_FCS_RESIDUE:
                self._crc_errors += 1
            else:
                out.append(bytes(buf[:-2]))
                self._frames += 1
        buf.clear()
        self._escape = False

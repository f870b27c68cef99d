"""TI Z-Stack MT (monitor and test) UART framing in pure Python: the specification for _mt_c.

A frame is SOF 0xFE, LEN, CMD0, CMD1, DATA (LEN bytes), FCS, where FCS is the XOR of
LEN, CMD0, CMD1 and DATA. LEN is at most 250 (``MAX_DATA``).
"""

from collections.abc import Iterable

from fastpath._bytes_arg import BytesLike, as_bytes, check_int
from fastpath._crc_py import xor8
from fastpath._stats import DecoderStats

__all__ = ["MAX_DATA", "SOF", "Decoder", "encode", "encode_many"]

SOF = 0xFE
MAX_DATA = 250

_HUNT, _LEN, _CMD0, _CMD1, _DATA, _FCS = range(6)


def encode(cmd0: int, cmd1: int, data: BytesLike = b"") -> bytes:
    """Wire bytes of one MT frame. ValueError for a command byte out of range or data over 250 bytes."""
    check_int(cmd0, 0, 0xFF, "cmd0")
    check_int(cmd1, 0, 0xFF, "cmd1")
    buf = as_bytes(data)
    if len(buf) > MAX_DATA:
        raise ValueError(f"MT frame data is {len(buf)} bytes, at most {MAX_DATA} allowed")
    body = bytes((len(buf), cmd0, cmd1)) + buf
    return bytes((SOF,)) + body + bytes((xor8(body),))


def encode_many(frames: Iterable[tuple[int, int, BytesLike]]) -> bytes:
    """Concatenated ``encode(cmd0, cmd1, data)`` of every (cmd0, cmd1, data) triple."""
    return b"".join([encode(cmd0, cmd1, data) for cmd0, cmd1, data in frames])


class Decoder:
    """Incremental MT stream decoder: ``feed`` returns (cmd0, cmd1, data) for every whole,
    FCS-valid frame, in order, whatever way the stream is split. Never raises for bad input:

    - a frame whose FCS does not match counts in ``crc_errors`` and is skipped whole;
    - ``discarded`` counts the bytes skipped while hunting for a start of frame;
    - a LEN over 250 counts in ``oversized``; the decoder hunts again from the next byte
      (a LEN byte of 0xFE is itself taken as a new start of frame).
    """

    def __init__(self) -> None:
        self._state = _HUNT
        self._len = 0
        self._cmd0 = 0
        self._cmd1 = 0
        self._data = bytearray()
        self._frames = 0
        self._crc_errors = 0
        self._discarded = 0
        self._oversized = 0

    @property
    def stats(self) -> DecoderStats:
        return DecoderStats(self._frames, self._crc_errors, self._discarded, self._oversized)

    def feed(self, chunk: BytesLike) -> list[tuple[int, int, bytes]]:
        data = as_bytes(chunk)
        out: list[tuple[int, int, bytes]] = []
        i = 0
        end = len(data)
        while i < end:
            state = self._state
            if state == _HUNT:
                sof_at = data.find(b"\xfe", i)
                if sof_at < 0:
                    self._discarded += end - i
                    break
                self._discarded += sof_at - i
                i = sof_at + 1
                self._state = _LEN
                continue
            if state == _DATA:
                take = min(self._len - len(self._data), end - i)
                self._data += data[i : i + take]
                i += take
                if len(self._data) == self._len:
                    self._state = _FCS
                continue
            byte = data[i]
            i += 1
            if state == _LEN:
                if byte > MAX_DATA:
                    self._oversized += 1
                    if byte != SOF:
                        self._state = _HUNT
                    continue
                self._len = byte
                self._state = _CMD0
            elif state == _CMD0:
                self._cmd0 = byte
                self._state = _CMD1
            elif state == _CMD1:
                self._cmd1 = byte
                self._data = bytearray()
                self._state = _DATA if self._len else _FCS
            else:
                fcs = xor8(self._data, self._len ^ self._cmd0 ^ self._cmd1)
                if fcs == byte:
                    out.append((self._cmd0, self._cmd1, bytes(self._data)))
                    self._frames += 1
                else:
                    self._crc_errors += 1
                self._state = _HUNT
        return out

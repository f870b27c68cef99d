"""TI Z-Stack MT (monitor and test) UART framing in pure Python: the specification for _mt_c.

A frame is SOF 0xFE, LEN, CMD0, CMD1, DATA (LEN bytes), FCS, where FCS is the XOR of
LEN, CMD0, CMD1 and DATA. LEN is at most 250 (``MAX_DATA``).

Three AF commands, the ones every ZigBee data frame crosses the port in, are also built and read
here (Z-Stack MT AF interface; the tests check each layout against zigpy-znp's command
definitions):

- ``AF_DATA_REQUEST_EXT`` (SREQ 0x24 0x02): DstAddrMode (1), DstAddr (8, a 16-bit address in
  the first two), DstEndpoint (1), DstPanId (2), SrcEndpoint (1), ClusterId (2), TransId (1),
  Options (1), Radius (1), Len (2), Data;
- ``AF_DATA_CONFIRM`` (AREQ 0x44 0x80): Status (1), Endpoint (1), TransId (1);
- ``AF_INCOMING_MSG`` (AREQ 0x44 0x81): GroupId (2), ClusterId (2), SrcAddr (2), SrcEndpoint (1),
  DstEndpoint (1), WasBroadcast (1), LinkQuality (1), SecurityUse (1), TimeStamp (4), TransSeqNum
  (1), Len (1), Data, MacSrcAddr (2), MsgResultRadius (1).

Multi-byte fields are little-endian.
"""

from collections.abc import Iterable

from fastpath._bytes_arg import BytesLike, as_bytes, check_int
from fastpath._crc_py import xor8
from fastpath._stats import DecoderStats

__all__ = [
    "AF_DATA_REQUEST_EXT_MAX",
    "MAX_DATA",
    "SOF",
    "Decoder",
    "af_data_confirm",
    "af_data_request_ext",
    "af_incoming_msg",
    "encode",
    "encode_many",
]

SOF = 0xFE
MAX_DATA = 250

_HUNT, _LEN, _CMD0, _CMD1, _DATA, _FCS = range(6)

AF_DATA_REQUEST_EXT_HEAD = 20  # its fields before Data
AF_DATA_REQUEST_EXT_MAX = MAX_DATA - AF_DATA_REQUEST_EXT_HEAD  # the most Data one frame carries
AF_INCOMING_MSG_HEAD = 17  # its fields before Data (Len included)
AF_INCOMING_MSG_TAIL = 3  # MacSrcAddr and MsgResultRadius


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

    - a frame whose FCS does not match counts in ``crc_errors`` and is skipped whole; with
      ``rescan=True`` its bytes after the SOF are searched again for a start of frame instead
      (a byte lost inside a frame makes it take the first bytes of the next one for its own:
      the next frame is then found inside it, as a host that drops a bad frame only up to the
      next SOF finds it);
    - ``discarded`` counts the bytes skipped while hunting for a start of frame;
    - a LEN over 250 counts in ``oversized``; the decoder hunts again from the next byte
      (a LEN byte of 0xFE is itself taken as a new start of frame).
    """

    def __init__(self, rescan: bool = False) -> None:
        self._rescan = bool(rescan)
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
                    if self._rescan:
                        self._state = _HUNT
                        again = bytes((self._len, self._cmd0, self._cmd1)) + self._data
                        out += self.feed(again + bytes((byte,)))
                        continue
                self._state = _HUNT
        return out


def af_data_request_ext(
    addr_mode: int,
    address: int,
    dst_ep: int,
    dst_pan: int,
    src_ep: int,
    cluster: int,
    tsn: int,
    options: int,
    radius: int,
    data: BytesLike,
) -> bytes:
    """Wire bytes of one AF_DATA_REQUEST_EXT frame (SOF .. FCS). ``address`` is written as the
    8-byte DstAddr field. ValueError for a field out of range or Data over
    ``AF_DATA_REQUEST_EXT_MAX`` bytes."""
    check_int(addr_mode, 0, 0xFF, "addr_mode")
    check_int(address, 0, 0xFFFFFFFFFFFFFFFF, "address")
    check_int(dst_ep, 0, 0xFF, "dst_ep")
    check_int(dst_pan, 0, 0xFFFF, "dst_pan")
    check_int(src_ep, 0, 0xFF, "src_ep")
    check_int(cluster, 0, 0xFFFF, "cluster")
    check_int(tsn, 0, 0xFF, "tsn")
    check_int(options, 0, 0xFF, "options")
    check_int(radius, 0, 0xFF, "radius")
    payload = as_bytes(data)
    if len(payload) > AF_DATA_REQUEST_EXT_MAX:
        raise ValueError(
            f"AF_DATA_REQUEST_EXT data is {len(payload)} bytes, "
            f"at most {AF_DATA_REQUEST_EXT_MAX} fit one frame"
        )
    fields = (
        bytes((addr_mode,))
        + address.to_bytes(8, "little")
        + bytes((dst_ep,))
        + dst_pan.to_bytes(2, "little")
        + bytes((src_ep,))
        + cluster.to_bytes(2, "little")
        + bytes((tsn, options, radius))
        + len(payload).to_bytes(2, "little")
    )
    return encode(0x24, 0x02, fields + payload)


def af_data_confirm(data: BytesLike) -> tuple[int, int, int] | None:
    """(Status, Endpoint, TransId) of an AF_DATA_CONFIRM's data; None unless it is 3 bytes."""
    buf = as_bytes(data)
    if len(buf) != 3:
        return None
    return buf[0], buf[1], buf[2]


def af_incoming_msg(
    data: BytesLike,
) -> tuple[int, int, int, int, int, int, int, int, int, int, bytes, int, int] | None:
    """The fields of an AF_INCOMING_MSG's data, in order: (GroupId, ClusterId, SrcAddr,
    SrcEndpoint, DstEndpoint, WasBroadcast, LinkQuality, SecurityUse, TimeStamp, TransSeqNum,
    Data, MacSrcAddr, MsgResultRadius). None when the data is not exactly one such message (a
    length that does not add up, a boolean field other than 0 or 1)."""
    buf = as_bytes(data)
    size = len(buf)
    if size < AF_INCOMING_MSG_HEAD + AF_INCOMING_MSG_TAIL:
        return None
    length = buf[AF_INCOMING_MSG_HEAD - 1]
    if size != AF_INCOMING_MSG_HEAD + length + AF_INCOMING_MSG_TAIL:
        return None
    if buf[8] > 1 or buf[10] > 1:
        return None
    end = AF_INCOMING_MSG_HEAD + length
    return (
        buf[0] | buf[1] << 8,
        buf[2] | buf[3] << 8,
        buf[4] | buf[5] << 8,
        buf[6],
        buf[7],
        buf[8],
        buf[9],
        buf[10],
        int.from_bytes(buf[11:15], "little"),
        buf[15],
        buf[AF_INCOMING_MSG_HEAD:end],
        buf[end] | buf[end + 1] << 8,
        buf[end + 2],
    )

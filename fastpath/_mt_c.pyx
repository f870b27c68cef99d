# cython: language_level=3
"""TI Z-Stack MT framing in C; same API and behaviour as _mt_py."""

from cpython.buffer cimport PyBuffer_Release
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.stdint cimport uint8_t
from libc.stdlib cimport free, realloc
from libc.string cimport memchr, memcpy

from fastpath._crc_c cimport get_bytes, int_arg, xor8_update

from fastpath._stats import DecoderStats

cdef enum:
    SOF = 0xFE
    MAX_DATA = 250
    MAX_WIRE = MAX_DATA + 5

cdef enum State:
    HUNT
    LEN
    CMD0
    CMD1
    DATA
    FCS


cdef Py_ssize_t _encode_into(uint8_t* out, object cmd0, object cmd1, object data) except -1:
    """Encode one frame into out (room for MAX_WIRE bytes); return its length."""
    cdef Py_buffer view
    cdef uint8_t c0 = <uint8_t>int_arg(cmd0, 0, 0xFF, "cmd0")
    cdef uint8_t c1 = <uint8_t>int_arg(cmd1, 0, 0xFF, "cmd1")
    cdef Py_ssize_t n
    get_bytes(data, &view)
    try:
        n = view.len
        if n > MAX_DATA:
            raise ValueError(f"MT frame data is {n} bytes, at most {MAX_DATA} allowed")
        out[0] = SOF
        out[1] = <uint8_t>n
        out[2] = c0
        out[3] = c1
        memcpy(out + 4, view.buf, n)
        out[4 + n] = xor8_update(0, out + 1, n + 3)
    finally:
        PyBuffer_Release(&view)
    return n + 5


def encode(cmd0, cmd1, data=b""):
    """Wire bytes of one MT frame. ValueError for a command byte out of range or data over 250 bytes."""
    cdef uint8_t frame[MAX_WIRE]
    cdef Py_ssize_t size = _encode_into(frame, cmd0, cmd1, data)
    return PyBytes_FromStringAndSize(<char*>frame, size)


def encode_many(frames):
    """Concatenated ``encode(cmd0, cmd1, data)`` of every (cmd0, cmd1, data) triple."""
    cdef uint8_t* buf = NULL
    cdef uint8_t* grown
    cdef Py_ssize_t size = 0, capacity = 0
    try:
        for cmd0, cmd1, data in frames:
            if capacity - size < MAX_WIRE:
                capacity = 2 * capacity + 16 * MAX_WIRE
                grown = <uint8_t*>realloc(buf, capacity)
                if grown == NULL:
                    raise MemoryError()
                buf = grown
            size += _encode_into(buf + size, cmd0, cmd1, data)
        return PyBytes_FromStringAndSize(<char*>buf, size)
    finally:
        free(buf)


cdef class Decoder:
    """Incremental MT stream decoder (see fastpath._mt_py.Decoder for the rules)."""

    cdef State _state
    cdef uint8_t _len
    cdef uint8_t _cmd0
    cdef uint8_t _cmd1
    cdef Py_ssize_t _have
    cdef uint8_t _data[MAX_DATA]
    cdef unsigned long long _frames
    cdef unsigned long long _crc_errors
    cdef unsigned long long _discarded
    cdef unsigned long long _oversized
    cdef bint _rescan

    def __init__(self, rescan=False):
        self._rescan = bool(rescan)
        self._state = HUNT
        self._len = self._cmd0 = self._cmd1 = 0
        self._have = 0
        self._frames = self._crc_errors = self._discarded = self._oversized = 0

    @property
    def stats(self):
        return DecoderStats(self._frames, self._crc_errors, self._discarded, self._oversized)

    def feed(self, chunk):
        cdef Py_buffer view
        get_bytes(chunk, &view)
        try:
            return self._feed(<const uint8_t*>view.buf, view.len)
        finally:
            PyBuffer_Release(&view)

    cdef list _feed(self, const uint8_t* p, Py_ssize_t n):
        cdef list out = []
        cdef Py_ssize_t i = 0, take
        cdef const uint8_t* hit
        cdef uint8_t b, fcs
        cdef uint8_t again[MAX_WIRE]
        cdef Py_ssize_t again_len
        while i < n:
            if self._state == HUNT:
                hit = <const uint8_t*>memchr(p + i, SOF, n - i)
                if hit == NULL:
                    self._discarded += n - i
                    break
                self._discarded += hit - (p + i)
                i = hit - p + 1
                self._state = LEN
                continue
            if self._state == DATA:
                take = min(self._len - self._have, n - i)
                memcpy(self._data + self._have, p + i, take)
                self._have += take
                i += take
                if self._have == self._len:
                    self._state = FCS
                continue
            b = p[i]
            i += 1
            if self._state == LEN:
                if b > MAX_DATA:
                    self._oversized += 1
                    if b != SOF:
                        self._state = HUNT
                    continue
                self._len = b
                self._state = CMD0
            elif self._state == CMD0:
                self._cmd0 = b
                self._state = CMD1
            elif self._state == CMD1:
                self._cmd1 = b
                self._have = 0
                self._state = DATA if self._len else FCS
            else:
                fcs = xor8_update(self._len ^ self._cmd0 ^ self._cmd1, self._data, self._len)
                if fcs == b:
                    out.append((self._cmd0, self._cmd1,
                                PyBytes_FromStringAndSize(<char*>self._data, self._len)))
                    self._frames += 1
                else:
                    self._crc_errors += 1
                    if self._rescan:
                        # the frame's bytes after its SOF, searched again for a start of frame
                        again[0] = self._len
                        again[1] = self._cmd0
                        again[2] = self._cmd1
                        memcpy(again + 3, self._data, self._len)
                        again[3 + self._len] = b
                        again_len = 4 + self._len
                        self._state = HUNT
                        out.extend(self._feed(again, again_len))
                        continue
                self._state = HUNT
        return out


cdef enum:
    AF_REQ_HEAD = 20
    AF_REQ_MAX = MAX_DATA - AF_REQ_HEAD
    AF_IN_HEAD = 17
    AF_IN_TAIL = 3


def af_data_request_ext(addr_mode, address, dst_ep, dst_pan, src_ep, cluster, tsn, options,
                        radius, data):
    """Wire bytes of one AF_DATA_REQUEST_EXT frame (SOF .. FCS); see fastpath._mt_py."""
    cdef uint8_t frame[MAX_WIRE]
    cdef Py_buffer view
    cdef uint8_t mode = <uint8_t>int_arg(addr_mode, 0, 0xFF, "addr_mode")
    cdef unsigned long long addr
    cdef uint8_t dep = <uint8_t>int_arg(dst_ep, 0, 0xFF, "dst_ep")
    cdef unsigned int pan = <unsigned int>int_arg(dst_pan, 0, 0xFFFF, "dst_pan")
    cdef uint8_t sep = <uint8_t>int_arg(src_ep, 0, 0xFF, "src_ep")
    cdef unsigned int clus = <unsigned int>int_arg(cluster, 0, 0xFFFF, "cluster")
    cdef uint8_t seq = <uint8_t>int_arg(tsn, 0, 0xFF, "tsn")
    cdef uint8_t opts = <uint8_t>int_arg(options, 0, 0xFF, "options")
    cdef uint8_t rad = <uint8_t>int_arg(radius, 0, 0xFF, "radius")
    cdef Py_ssize_t n, i
    if not isinstance(address, int):
        raise TypeError(f"address must be an int, not {type(address).__name__!r}")
    if not 0 <= address <= 0xFFFFFFFFFFFFFFFF:
        raise ValueError(f"address must be in 0..{0xFFFFFFFFFFFFFFFF}, got {address}")
    addr = address
    get_bytes(data, &view)
    try:
        n = view.len
        if n > AF_REQ_MAX:
            raise ValueError(
                f"AF_DATA_REQUEST_EXT data is {n} bytes, at most {AF_REQ_MAX} fit one frame"
            )
        frame[0] = SOF
        frame[1] = <uint8_t>(n + AF_REQ_HEAD)
        frame[2] = 0x24
        frame[3] = 0x02
        frame[4] = mode
        for i in range(8):
            frame[5 + i] = <uint8_t>((addr >> (8 * i)) & 0xFF)
        frame[13] = dep
        frame[14] = <uint8_t>(pan & 0xFF)
        frame[15] = <uint8_t>(pan >> 8)
        frame[16] = sep
        frame[17] = <uint8_t>(clus & 0xFF)
        frame[18] = <uint8_t>(clus >> 8)
        frame[19] = seq
        frame[20] = opts
        frame[21] = rad
        frame[22] = <uint8_t>(n & 0xFF)
        frame[23] = <uint8_t>(n >> 8)
        memcpy(frame + 24, view.buf, n)
        frame[24 + n] = xor8_update(0, frame + 1, n + AF_REQ_HEAD + 3)
    finally:
        PyBuffer_Release(&view)
    return PyBytes_FromStringAndSize(<char*>frame, n + AF_REQ_HEAD + 5)


def af_data_confirm(data):
    """(Status, Endpoint, TransId) of an AF_DATA_CONFIRM's data; None unless it is 3 bytes."""
    cdef Py_buffer view
    cdef const uint8_t* p
    get_bytes(data, &view)
    try:
        if view.len != 3:
            return None
        p = <const uint8_t*>view.buf
        return (p[0], p[1], p[2])
    finally:
        PyBuffer_Release(&view)


def af_incoming_msg(data):
    """The fields of an AF_INCOMING_MSG's data, or None (see fastpath._mt_py)."""
    cdef Py_buffer view
    cdef const uint8_t* p
    cdef Py_ssize_t size, length, end
    get_bytes(data, &view)
    try:
        p = <const uint8_t*>view.buf
        size = view.len
        if size < AF_IN_HEAD + AF_IN_TAIL:
            return None
        length = p[AF_IN_HEAD - 1]
        if size != AF_IN_HEAD + length + AF_IN_TAIL:
            return None
        if p[8] > 1 or p[10] > 1:
            return None
        end = AF_IN_HEAD + length
        return (
            p[0] | p[1] << 8,
            p[2] | p[3] << 8,
            p[4] | p[5] << 8,
            p[6],
            p[7],
            p[8],
            p[9],
            p[10],
            <unsigned long>p[11] | <unsigned long>p[12] << 8 | <unsigned long>p[13] << 16
            | <unsigned long>p[14] << 24,
            p[15],
            PyBytes_FromStringAndSize(<const char*>(p + AF_IN_HEAD), length),
            p[end] | p[end + 1] << 8,
            p[end + 2],
        )
    finally:
        PyBuffer_Release(&view)

# cython: language_level=3
"""Asynchronous HDLC framing (RFC 1662) in C; same API and behaviour as _hdlc_py."""

from cpython.buffer cimport PyBuffer_Release
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.stdint cimport uint8_t, uint16_t, uint32_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memchr, memcpy

from fastpath._crc_c cimport crc16_x25_update, get_bytes, int_arg

from fastpath._stats import DecoderStats

cdef enum:
    FLAG = 0x7E
    ESCAPE = 0x7D
    DEFAULT_MAX_FRAME = 4096
    MAX_FRAME_LIMIT = 1 << 24
    GOOD_RESIDUE = 0xF0B8          # register value over payload + good FCS, before the xorout

# Byte classes in a decoder's table.
cdef enum:
    ORDINARY = 0
    IS_FLAG = 1
    IS_ESCAPE = 2
    IGNORED = 3


cdef inline bint _needs_escape(uint8_t b, uint32_t accm) noexcept nogil:
    return b == FLAG or b == ESCAPE or (b < 0x20 and (accm >> b) & 1)


cdef inline Py_ssize_t _escaped_len(const uint8_t* p, Py_ssize_t n, uint32_t accm) noexcept nogil:
    cdef Py_ssize_t i, extra = 0
    for i in range(n):
        extra += _needs_escape(p[i], accm)
    return n + extra


cdef inline Py_ssize_t _put(uint8_t* out, uint8_t b, uint32_t accm) noexcept nogil:
    if _needs_escape(b, accm):
        out[0] = ESCAPE
        out[1] = b ^ 0x20
        return 2
    out[0] = b
    return 1


cdef inline uint16_t _fcs(const uint8_t* p, Py_ssize_t n) noexcept nogil:
    return crc16_x25_update(0xFFFF, p, n) ^ 0xFFFF


cdef Py_ssize_t _write_frame(uint8_t* out, const uint8_t* p, Py_ssize_t n, uint16_t fcs,
                             uint32_t accm) noexcept nogil:
    """Flag, escaped payload + fcs, flag into out (room for 2 * (n + 2) + 2); return the length."""
    cdef Py_ssize_t i, k = 1
    out[0] = FLAG
    for i in range(n):
        k += _put(out + k, p[i], accm)
    k += _put(out + k, fcs & 0xFF, accm)
    k += _put(out + k, fcs >> 8, accm)
    out[k] = FLAG
    return k + 1


def encode(payload, accm=0, *, max_frame=DEFAULT_MAX_FRAME):
    """Wire bytes of one frame: flag, escaped payload + FCS-16 (LSB first), flag.

    0x7E, 0x7D and every control character 0x00-0x1F whose bit is set in the 32-bit ``accm``
    are sent as 0x7D, byte ^ 0x20. ValueError for a payload over ``max_frame`` bytes.
    """
    cdef Py_buffer view
    cdef uint32_t map_
    cdef uint16_t fcs
    cdef Py_ssize_t size, limit
    cdef bytes out
    cdef const uint8_t* p
    cdef uint8_t tail[2]
    get_bytes(payload, &view)
    try:
        map_ = <uint32_t>int_arg(accm, 0, 0xFFFFFFFF, "accm")
        limit = int_arg(max_frame, 1, MAX_FRAME_LIMIT, "max_frame")
        if view.len > limit:
            raise ValueError(f"HDLC payload is {view.len} bytes, at most {limit} allowed")
        p = <const uint8_t*>view.buf
        fcs = _fcs(p, view.len)
        tail[0] = fcs & 0xFF
        tail[1] = fcs >> 8
        size = _escaped_len(p, view.len, map_) + _escaped_len(tail, 2, map_) + 2
        out = PyBytes_FromStringAndSize(NULL, size)
        _write_frame(<uint8_t*>PyBytes_AS_STRING(out), p, view.len, fcs, map_)
    finally:
        PyBuffer_Release(&view)
    return out


def encode_many(payloads, accm=0, *, max_frame=DEFAULT_MAX_FRAME):
    """Concatenated ``encode(payload, accm)`` of every payload."""
    cdef Py_buffer view
    cdef uint32_t map_
    cdef Py_ssize_t limit
    cdef uint8_t* buf = NULL
    cdef uint8_t* grown
    cdef Py_ssize_t size = 0, capacity = 0, need
    map_ = <uint32_t>int_arg(accm, 0, 0xFFFFFFFF, "accm")
    limit = int_arg(max_frame, 1, MAX_FRAME_LIMIT, "max_frame")
    try:
        for payload in payloads:
            get_bytes(payload, &view)
            try:
                if view.len > limit:
                    raise ValueError(f"HDLC payload is {view.len} bytes, at most {limit} allowed")
                need = 2 * (view.len + 2) + 2
                if capacity - size < need:
                    capacity = 2 * capacity + need + 4096
                    grown = <uint8_t*>realloc(buf, capacity)
                    if grown == NULL:
                        raise MemoryError()
                    buf = grown
                size += _write_frame(buf + size, <const uint8_t*>view.buf, view.len,
                                     _fcs(<const uint8_t*>view.buf, view.len), map_)
            finally:
                PyBuffer_Release(&view)
        return PyBytes_FromStringAndSize(<char*>buf, size)
    finally:
        free(buf)


cdef class Decoder:
    """Incremental RFC 1662 stream decoder (see fastpath._hdlc_py.Decoder for the rules)."""

    cdef uint8_t* _buf
    cdef uint8_t _class[256]
    cdef uint32_t _accm
    cdef Py_ssize_t _length
    cdef Py_ssize_t _limit
    cdef bint _escape
    cdef bint _skip
    cdef unsigned long long _frames
    cdef unsigned long long _crc_errors
    cdef unsigned long long _discarded
    cdef unsigned long long _oversized

    def __init__(self, accm=0, max_frame=DEFAULT_MAX_FRAME):
        cdef int b
        cdef uint8_t* grown
        cdef uint32_t accm_value
        cdef Py_ssize_t limit
        accm_value = <uint32_t>int_arg(accm, 0, 0xFFFFFFFF, "accm")
        limit = int_arg(max_frame, 1, MAX_FRAME_LIMIT, "max_frame") + 2
        grown = <uint8_t*>realloc(self._buf, limit)
        if grown == NULL:
            raise MemoryError()
        self._buf = grown
        self._accm = accm_value
        self._limit = limit
        for b in range(256):
            self._class[b] = ORDINARY
        for b in range(32):
            if (accm_value >> b) & 1:
                self._class[b] = IGNORED
        self._class[FLAG] = IS_FLAG
        self._class[ESCAPE] = IS_ESCAPE
        self._length = 0
        self._escape = False
        self._skip = False
        self._frames = self._crc_errors = self._discarded = self._oversized = 0

    def __dealloc__(self):
        free(self._buf)

    @property
    def accm(self):
        return self._accm

    @property
    def max_frame(self):
        return self._limit - 2

    @property
    def stats(self):
        return DecoderStats(self._frames, self._crc_errors, self._discarded, self._oversized)

    def feed(self, chunk):
        cdef Py_buffer view
        if self._buf == NULL:
            raise RuntimeError("Decoder.__init__ was not called")
        get_bytes(chunk, &view)
        try:
            return self._feed(<const uint8_t*>view.buf, view.len)
        finally:
            PyBuffer_Release(&view)

    cdef list _feed(self, const uint8_t* p, Py_ssize_t n):
        cdef list out = []
        cdef Py_ssize_t i = 0
        cdef Py_ssize_t length = self._length
        cdef Py_ssize_t limit = self._limit
        cdef uint8_t* buf = self._buf
        cdef const uint8_t* cls = self._class
        cdef const uint8_t* hit
        cdef uint8_t b, kind
        while i < n:
            if self._skip:
                hit = <const uint8_t*>memchr(p + i, FLAG, n - i)
                if hit == NULL:
                    break
                i = hit - p + 1
                self._skip = False
                self._escape = False
                length = 0
                continue
            b = p[i]
            i += 1
            kind = cls[b]
            if kind == IS_FLAG:
                self._length = length
                self._end_frame(out)
                length = 0
                continue
            if kind == IGNORED:
                continue
            if kind == IS_ESCAPE and not self._escape:
                self._escape = True
                continue
            if self._escape:
                b ^= 0x20
                self._escape = False
            if length >= limit:
                self._oversized += 1
                self._skip = True
                continue
            buf[length] = b
            length += 1
            while i < n and length < limit and cls[p[i]] == ORDINARY:
                buf[length] = p[i]
                length += 1
                i += 1
        self._length = length
        return out

    cdef int _end_frame(self, list out) except -1:
        cdef Py_ssize_t length = self._length
        if self._escape or length == 1:
            self._discarded += 1
        elif length:
            if crc16_x25_update(0xFFFF, self._buf, length) != GOOD_RESIDUE:
                self._crc_errors += 1
            else:
                out.append(PyBytes_FromStringAndSize(<char*>self._buf, length - 2))
                self._frames += 1
        self._length = 0
        self._escape = False
        return 0

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

    def __init__(self):
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
                self._state = HUNT
        return out

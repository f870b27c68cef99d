# cython: language_level=3
"""ASH framing (EZSP UART, Silicon Labs UG101) in C; same API and behaviour as _ash_py."""

from cpython.buffer cimport PyBuffer_Release
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.stdint cimport uint8_t, uint16_t, uint64_t
from libc.stdlib cimport free, realloc
from libc.string cimport memchr, memcpy

from fastpath._crc_c cimport crc16_ccitt_update, get_bytes, int_arg

from fastpath._stats import DecoderStats

cdef enum:
    FLAG = 0x7E
    ESCAPE = 0x7D
    XON = 0x11
    XOFF = 0x13
    SUBSTITUTE = 0x18
    CANCEL = 0x1A
    DEFAULT_MAX_DATA = 128
    SEQUENCE_LEN = 256
    MAX_RAW = SEQUENCE_LEN + 3           # control + data + CRC
    MAX_WIRE = 2 * MAX_RAW + 1           # every byte escaped, plus the flag

cdef uint8_t SEQUENCE[SEQUENCE_LEN]
cdef uint8_t RESERVED[256]


cdef void _init_tables() noexcept:
    cdef int i
    cdef uint8_t rand = 0x42
    for i in range(SEQUENCE_LEN):
        SEQUENCE[i] = rand
        rand = rand >> 1 if not rand & 1 else (rand >> 1) ^ 0xB8
    for i in range(256):
        RESERVED[i] = 0
    for i in (FLAG, ESCAPE, XON, XOFF, SUBSTITUTE, CANCEL):
        RESERVED[i] = 1


_init_tables()

RANDOM_SEQUENCE = PyBytes_FromStringAndSize(<char*>SEQUENCE, SEQUENCE_LEN)


cdef inline void _xor_sequence(uint8_t* dst, const uint8_t* src, Py_ssize_t n) noexcept nogil:
    # n <= SEQUENCE_LEN is checked by every caller.
    cdef Py_ssize_t i = 0
    cdef uint64_t a, b
    while i + 8 <= n:
        memcpy(&a, src + i, 8)
        memcpy(&b, SEQUENCE + i, 8)
        a ^= b
        memcpy(dst + i, &a, 8)
        i += 8
    while i < n:
        dst[i] = src[i] ^ SEQUENCE[i]
        i += 1


cdef inline Py_ssize_t _build_raw(uint8_t* raw, uint8_t control, const uint8_t* data,
                                  Py_ssize_t n) noexcept nogil:
    """Control + (randomised) data + big-endian CRC into raw[0 : n + 3]; n <= SEQUENCE_LEN."""
    cdef uint16_t crc
    raw[0] = control
    if control & 0x80:
        memcpy(raw + 1, data, n)
    else:
        _xor_sequence(raw + 1, data, n)
    crc = crc16_ccitt_update(0xFFFF, raw, n + 1)
    raw[n + 1] = crc >> 8
    raw[n + 2] = crc & 0xFF
    return n + 3


cdef inline Py_ssize_t _stuff(uint8_t* out, const uint8_t* raw, Py_ssize_t n) noexcept nogil:
    """Escape raw[0:n] into out (room for 2 * n bytes) and append the flag; return the length."""
    cdef Py_ssize_t i, k = 0
    cdef uint8_t b
    for i in range(n):
        b = raw[i]
        if RESERVED[b]:
            out[k] = ESCAPE
            out[k + 1] = b ^ 0x20
            k += 2
        else:
            out[k] = b
            k += 1
    out[k] = FLAG
    return k + 1


cdef Py_ssize_t _encode_into(uint8_t* out, object control, object data, Py_ssize_t max_data) except -1:
    """Encode one frame into out (room for MAX_WIRE bytes); return its length."""
    cdef uint8_t raw[MAX_RAW]
    cdef Py_buffer view
    cdef Py_ssize_t raw_len
    cdef uint8_t c = <uint8_t>int_arg(control, 0, 0xFF, "control")
    get_bytes(data, &view)
    try:
        if view.len > max_data:
            raise ValueError(f"ASH frame data is {view.len} bytes, at most {max_data} allowed")
        raw_len = _build_raw(raw, c, <const uint8_t*>view.buf, view.len)
    finally:
        PyBuffer_Release(&view)
    return _stuff(out, raw, raw_len)


def randomise(data):
    """XOR ``data`` with the ASH pseudo-random sequence (its own inverse)."""
    cdef Py_buffer view
    cdef bytes out
    get_bytes(data, &view)
    try:
        if view.len > SEQUENCE_LEN:
            raise ValueError(f"at most {SEQUENCE_LEN} bytes can be randomised, got {view.len}")
        out = PyBytes_FromStringAndSize(NULL, view.len)
        _xor_sequence(<uint8_t*>PyBytes_AS_STRING(out), <const uint8_t*>view.buf, view.len)
    finally:
        PyBuffer_Release(&view)
    return out


def encode(control, data=b"", *, max_data=DEFAULT_MAX_DATA):
    """Wire bytes of one ASH frame, flag included; the data of DATA frames is randomised.

    ValueError if ``control`` is not a byte or ``data`` is longer than ``max_data``.
    """
    cdef uint8_t raw[MAX_RAW]
    cdef Py_buffer view
    cdef Py_ssize_t raw_len, i, wire_len, limit
    cdef uint8_t c = <uint8_t>int_arg(control, 0, 0xFF, "control")
    cdef bytes out
    get_bytes(data, &view)
    try:
        limit = int_arg(max_data, 0, SEQUENCE_LEN, "max_data")
        if view.len > limit:
            raise ValueError(f"ASH frame data is {view.len} bytes, at most {limit} allowed")
        raw_len = _build_raw(raw, c, <const uint8_t*>view.buf, view.len)
    finally:
        PyBuffer_Release(&view)
    wire_len = raw_len + 1
    for i in range(raw_len):
        wire_len += RESERVED[raw[i]]
    out = PyBytes_FromStringAndSize(NULL, wire_len)
    _stuff(<uint8_t*>PyBytes_AS_STRING(out), raw, raw_len)
    return out


def encode_many(frames, *, max_data=DEFAULT_MAX_DATA):
    """Concatenated ``encode(control, data)`` of every (control, data) pair."""
    cdef Py_ssize_t limit = int_arg(max_data, 0, SEQUENCE_LEN, "max_data")
    cdef uint8_t* buf = NULL
    cdef uint8_t* grown
    cdef Py_ssize_t size = 0, capacity = 0
    try:
        for control, data in frames:
            if capacity - size < MAX_WIRE:
                capacity = 2 * capacity + 16 * MAX_WIRE
                grown = <uint8_t*>realloc(buf, capacity)
                if grown == NULL:
                    raise MemoryError()
                buf = grown
            size += _encode_into(buf + size, control, data, limit)
        return PyBytes_FromStringAndSize(<char*>buf, size)
    finally:
        free(buf)


cdef class Decoder:
    """Incremental ASH stream decoder (see fastpath._ash_py.Decoder for the rules)."""

    cdef uint8_t _buf[MAX_RAW]
    cdef Py_ssize_t _length
    cdef Py_ssize_t _limit
    cdef bint _escape
    cdef bint _skip
    cdef unsigned long long _frames
    cdef unsigned long long _crc_errors
    cdef unsigned long long _discarded
    cdef unsigned long long _oversized

    def __init__(self, *, max_data=DEFAULT_MAX_DATA):
        self._limit = int_arg(max_data, 0, SEQUENCE_LEN, "max_data") + 3
        self._length = 0
        self._escape = False
        self._skip = False
        self._frames = self._crc_errors = self._discarded = self._oversized = 0

    @property
    def max_data(self):
        return self._limit - 3

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
        cdef Py_ssize_t i = 0
        cdef Py_ssize_t length = self._length
        cdef Py_ssize_t limit = self._limit
        cdef uint8_t* buf = self._buf
        cdef const uint8_t* hit
        cdef uint8_t b
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
            if RESERVED[b]:
                if b == FLAG:
                    self._length = length
                    self._end_frame(out)
                    length = 0
                    continue
                if b == CANCEL:
                    if length or self._escape:
                        self._discarded += 1
                    length = 0
                    self._escape = False
                    continue
                if b == SUBSTITUTE:
                    self._discarded += 1
                    self._skip = True
                    continue
                if b == XON or b == XOFF:
                    continue
                if not self._escape:          # ESCAPE
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
            # The common case: a run of ordinary bytes, copied without going round the loop.
            while i < n and length < limit and not RESERVED[p[i]]:
                buf[length] = p[i]
                length += 1
                i += 1
        self._length = length
        return out

    cdef int _end_frame(self, list out) except -1:
        cdef Py_ssize_t length = self._length
        cdef Py_ssize_t size
        cdef uint8_t control
        cdef bytes data
        if self._escape or 0 < length < 3:
            self._discarded += 1
        elif length:
            if crc16_ccitt_update(0xFFFF, self._buf, length) != 0:
                self._crc_errors += 1
            else:
                control = self._buf[0]
                size = length - 3
                data = PyBytes_FromStringAndSize(NULL, size)
                if control & 0x80:
                    memcpy(PyBytes_AS_STRING(data), self._buf + 1, size)
                else:
                    _xor_sequence(<uint8_t*>PyBytes_AS_STRING(data), self._buf + 1, size)
                out.append((control, data))
                self._frames += 1
        self._length = 0
        self._escape = False
        return 0

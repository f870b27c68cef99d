# cython: language_level=3
"""Checksums in C: CRC-16/IBM-3740 (ASH), CRC-16/X-25 (HDLC FCS-16), XOR-8 (MT FCS).

Both CRCs are table driven, slicing-by-8 (eight 256-entry tables, eight bytes per step).
"""

from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.long cimport PyLong_AsLongLongAndOverflow, PyLong_Check
from libc.stdint cimport uint8_t, uint16_t, uint64_t
from libc.string cimport memcpy

cdef uint16_t CCITT[8][256]
cdef uint16_t X25[8][256]

# Buffers at least this long are checksummed without holding the GIL.
cdef Py_ssize_t NOGIL_THRESHOLD = 1 << 16


cdef void _init_tables() noexcept:
    cdef int byte, bit, k
    cdef uint16_t crc
    for byte in range(256):
        crc = <uint16_t>(byte << 8)
        for bit in range(8):
            crc = <uint16_t>((crc << 1) ^ 0x1021) if crc & 0x8000 else <uint16_t>(crc << 1)
        CCITT[0][byte] = crc
        crc = <uint16_t>byte
        for bit in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
        X25[0][byte] = crc
    for k in range(1, 8):
        for byte in range(256):
            crc = CCITT[k - 1][byte]
            CCITT[k][byte] = <uint16_t>(crc << 8) ^ CCITT[0][crc >> 8]
            crc = X25[k - 1][byte]
            X25[k][byte] = (crc >> 8) ^ X25[0][crc & 0xFF]


_init_tables()


cdef uint16_t crc16_ccitt_update(uint16_t crc, const uint8_t* p, Py_ssize_t n) noexcept nogil:
    while n >= 8:
        crc = (CCITT[7][p[0] ^ (crc >> 8)] ^ CCITT[6][p[1] ^ (crc & 0xFF)]
               ^ CCITT[5][p[2]] ^ CCITT[4][p[3]] ^ CCITT[3][p[4]]
               ^ CCITT[2][p[5]] ^ CCITT[1][p[6]] ^ CCITT[0][p[7]])
        p += 8
        n -= 8
    while n > 0:
        crc = <uint16_t>(crc << 8) ^ CCITT[0][(crc >> 8) ^ p[0]]
        p += 1
        n -= 1
    return crc


cdef uint16_t crc16_x25_update(uint16_t reg, const uint8_t* p, Py_ssize_t n) noexcept nogil:
    while n >= 8:
        reg = (X25[7][p[0] ^ (reg & 0xFF)] ^ X25[6][p[1] ^ (reg >> 8)]
               ^ X25[5][p[2]] ^ X25[4][p[3]] ^ X25[3][p[4]]
               ^ X25[2][p[5]] ^ X25[1][p[6]] ^ X25[0][p[7]])
        p += 8
        n -= 8
    while n > 0:
        reg = (reg >> 8) ^ X25[0][(reg ^ p[0]) & 0xFF]
        p += 1
        n -= 1
    return reg


cdef uint8_t xor8_update(uint8_t acc, const uint8_t* p, Py_ssize_t n) noexcept nogil:
    cdef uint64_t word, folded = 0
    while n >= 8:
        memcpy(&word, p, 8)
        folded ^= word
        p += 8
        n -= 8
    folded ^= folded >> 32
    folded ^= folded >> 16
    folded ^= folded >> 8
    acc ^= <uint8_t>folded
    while n > 0:
        acc ^= p[0]
        p += 1
        n -= 1
    return acc


cdef int get_bytes(object obj, Py_buffer* view) except -1:
    """Borrow the bytes of any C-contiguous bytes-like object (release with PyBuffer_Release)."""
    try:
        PyObject_GetBuffer(obj, view, PyBUF_SIMPLE)
    except BufferError:
        raise TypeError("a C-contiguous bytes-like object is required") from None
    return 0


cdef long long int_arg(object value, long long low, long long high, str name) except? -1:
    """Return ``value`` if it is an int within [low, high]; TypeError / ValueError otherwise."""
    cdef int overflow = 0
    cdef long long result
    if not PyLong_Check(value):
        raise TypeError(f"{name} must be an int, not {type(value).__name__!r}")
    result = PyLong_AsLongLongAndOverflow(value, &overflow)
    if overflow or result < low or result > high:
        raise ValueError(f"{name} must be in {low}..{high}, got {value}")
    return result


def crc16_ccitt(data, crc=0xFFFF):
    """CRC-16/IBM-3740 (CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no xorout).

    Incremental: ``crc16_ccitt(b, crc16_ccitt(a)) == crc16_ccitt(a + b)``.
    """
    cdef Py_buffer view
    cdef uint16_t result
    get_bytes(data, &view)
    try:
        result = <uint16_t>int_arg(crc, 0, 0xFFFF, "crc")
        if view.len >= NOGIL_THRESHOLD:
            with nogil:
                result = crc16_ccitt_update(result, <const uint8_t*>view.buf, view.len)
        else:
            result = crc16_ccitt_update(result, <const uint8_t*>view.buf, view.len)
    finally:
        PyBuffer_Release(&view)
    return result


def crc16_x25(data, crc=0):
    """CRC-16/X-25 (IBM-SDLC; the FCS-16 of RFC 1662): reflected poly 0x1021, init and xorout 0xFFFF.

    ``crc`` is a previous result to continue from (0 starts afresh):
    ``crc16_x25(b, crc16_x25(a)) == crc16_x25(a + b)``.
    """
    cdef Py_buffer view
    cdef uint16_t reg
    get_bytes(data, &view)
    try:
        reg = <uint16_t>int_arg(crc, 0, 0xFFFF, "crc") ^ 0xFFFF
        if view.len >= NOGIL_THRESHOLD:
            with nogil:
                reg = crc16_x25_update(reg, <const uint8_t*>view.buf, view.len)
        else:
            reg = crc16_x25_update(reg, <const uint8_t*>view.buf, view.len)
    finally:
        PyBuffer_Release(&view)
    return reg ^ 0xFFFF


def xor8(data, value=0):
    """XOR of all bytes, starting from ``value`` (a previous result, 0 starts afresh)."""
    cdef Py_buffer view
    cdef uint8_t acc
    get_bytes(data, &view)
    try:
        acc = <uint8_t>int_arg(value, 0, 0xFF, "value")
        acc = xor8_update(acc, <const uint8_t*>view.buf, view.len)
    finally:
        PyBuffer_Release(&view)
    return acc

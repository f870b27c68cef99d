# cython: language_level=3
"""EZSP frames of a unicast's round trip in C; same API and behaviour as _ezsp_py."""

from cpython.buffer cimport PyBuffer_Release
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.stdint cimport int8_t, uint8_t, uint16_t
from libc.string cimport memcpy

from fastpath._crc_c cimport get_bytes, int_arg

cdef enum:
    SEND_UNICAST = 0x0034
    MESSAGE_SENT_HANDLER = 0x003F
    INCOMING_MESSAGE_HANDLER = 0x0045
    MAX_MESSAGE = 254
    HEADER = 5
    SEND_UNICAST_FIXED = 16  # parameters before messageContents, its length byte included
    MESSAGE_SENT_FIXED = 17
    INCOMING_FIXED = 19


cdef inline uint16_t _u16(const uint8_t* p) noexcept nogil:
    return <uint16_t>(p[0] | (p[1] << 8))


cdef inline void _put16(uint8_t* p, uint16_t v) noexcept nogil:
    p[0] = v & 0xFF
    p[1] = v >> 8


def send_unicast_frame(
    sequence, outgoing_type, destination, profile, cluster, src_ep, dst_ep, options, group,
    aps_sequence, tag, message,
):
    """The whole ``sendUnicast`` command frame (header included); see _ezsp_py."""
    cdef Py_buffer view
    cdef uint8_t* out
    cdef bytes frame
    cdef uint8_t seq = <uint8_t>int_arg(sequence, 0, 0xFF, "sequence")
    cdef uint8_t kind = <uint8_t>int_arg(outgoing_type, 0, 0xFF, "type")
    cdef uint16_t dst = <uint16_t>int_arg(destination, 0, 0xFFFF, "destination")
    cdef uint16_t prof = <uint16_t>int_arg(profile, 0, 0xFFFF, "profile")
    cdef uint16_t clus = <uint16_t>int_arg(cluster, 0, 0xFFFF, "cluster")
    cdef uint8_t sep = <uint8_t>int_arg(src_ep, 0, 0xFF, "src_ep")
    cdef uint8_t dep = <uint8_t>int_arg(dst_ep, 0, 0xFF, "dst_ep")
    cdef uint16_t opts = <uint16_t>int_arg(options, 0, 0xFFFF, "options")
    cdef uint16_t grp = <uint16_t>int_arg(group, 0, 0xFFFF, "group")
    cdef uint8_t aseq = <uint8_t>int_arg(aps_sequence, 0, 0xFF, "aps_sequence")
    cdef uint8_t mtag = <uint8_t>int_arg(tag, 0, 0xFF, "tag")
    get_bytes(message, &view)
    try:
        if view.len > MAX_MESSAGE:
            raise ValueError(f"messageContents of {view.len} bytes is over {MAX_MESSAGE}")
        frame = PyBytes_FromStringAndSize(NULL, HEADER + SEND_UNICAST_FIXED + view.len)
        out = <uint8_t*>PyBytes_AS_STRING(frame)
        out[0] = seq
        out[1] = 0x00
        out[2] = 0x01
        _put16(out + 3, SEND_UNICAST)
        out += HEADER
        out[0] = kind
        _put16(out + 1, dst)
        _put16(out + 3, prof)
        _put16(out + 5, clus)
        out[7] = sep
        out[8] = dep
        _put16(out + 9, opts)
        _put16(out + 11, grp)
        out[13] = aseq
        out[14] = mtag
        out[15] = <uint8_t>view.len
        if view.len:
            memcpy(out + SEND_UNICAST_FIXED, view.buf, view.len)
        return frame
    finally:
        PyBuffer_Release(&view)


cdef object _decode(const uint8_t* d, Py_ssize_t n):
    if n < HEADER:
        return None
    cdef int sequence = d[0]
    cdef int frame_id = _u16(d + 3)
    cdef Py_ssize_t size = n - HEADER
    cdef const uint8_t* p = d + HEADER
    if frame_id == SEND_UNICAST:
        if size != 2:
            return None
        return (sequence, frame_id, p[0], p[1])
    if frame_id == MESSAGE_SENT_HANDLER:
        if size < MESSAGE_SENT_FIXED or size != MESSAGE_SENT_FIXED + p[MESSAGE_SENT_FIXED - 1]:
            return None
        return (
            sequence, frame_id, p[0], _u16(p + 1), _u16(p + 3), _u16(p + 5), p[7], p[8],
            _u16(p + 9), _u16(p + 11), p[13], p[14], p[15],
            PyBytes_FromStringAndSize(<const char*>(p + MESSAGE_SENT_FIXED), p[16]),
        )
    if frame_id == INCOMING_MESSAGE_HANDLER:
        if size < INCOMING_FIXED or size != INCOMING_FIXED + p[INCOMING_FIXED - 1]:
            return None
        return (
            sequence, frame_id, p[0], _u16(p + 1), _u16(p + 3), p[5], p[6], _u16(p + 7),
            _u16(p + 9), p[11], p[12], <int8_t>p[13], _u16(p + 14), p[16], p[17],
            PyBytes_FromStringAndSize(<const char*>(p + INCOMING_FIXED), p[18]),
        )
    return None


def decode_hot_frame(frame):
    """Decode a sendUnicast response, messageSentHandler or incomingMessageHandler; see _ezsp_py."""
    cdef Py_buffer view
    if type(frame) is bytes:
        return _decode(<const uint8_t*>PyBytes_AS_STRING(frame), len(<bytes>frame))
    get_bytes(frame, &view)
    try:
        return _decode(<const uint8_t*>view.buf, view.len)
    finally:
        PyBuffer_Release(&view)

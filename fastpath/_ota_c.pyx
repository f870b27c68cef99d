# cython: language_level=3
"""ZCL OTA Upgrade cluster frames in C; same API and behaviour as _ota_py."""

from cpython.buffer cimport PyBuffer_Release
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy

from fastpath._crc_c cimport get_bytes, int_arg

from fastpath._ota_py import MalformedOtaFrame, OtaRequest

cdef object _new_tuple = tuple.__new__
cdef object _OtaRequest = OtaRequest

cdef enum:
    QUERY_NEXT_IMAGE = 0x01
    IMAGE_BLOCK = 0x03
    IMAGE_PAGE = 0x04
    UPGRADE_END = 0x06
    IMAGE_NOTIFY = 0x00
    QUERY_NEXT_IMAGE_RESPONSE = 0x02
    IMAGE_BLOCK_RESPONSE = 0x05
    UPGRADE_END_RESPONSE = 0x07
    DEFAULT_RESPONSE = 0x0B
    SUCCESS = 0x00
    WAIT_FOR_DATA = 0x97
    FC_RESPONSE = 0x19
    FC_GLOBAL_RESPONSE = 0x18


cdef inline uint16_t _u16(const uint8_t* p) noexcept nogil:
    return <uint16_t>(p[0] | (p[1] << 8))


cdef inline uint32_t _u32(const uint8_t* p) noexcept nogil:
    return (<uint32_t>p[0]) | (<uint32_t>p[1] << 8) | (<uint32_t>p[2] << 16) | (<uint32_t>p[3] << 24)


cdef inline uint64_t _u64(const uint8_t* p) noexcept nogil:
    return (<uint64_t>_u32(p)) | ((<uint64_t>_u32(p + 4)) << 32)


cdef inline void _put16(uint8_t* p, uint16_t v) noexcept nogil:
    p[0] = v & 0xFF
    p[1] = v >> 8


cdef inline void _put32(uint8_t* p, uint32_t v) noexcept nogil:
    p[0] = v & 0xFF
    p[1] = (v >> 8) & 0xFF
    p[2] = (v >> 16) & 0xFF
    p[3] = v >> 24


cdef object _decode(const uint8_t* d, Py_ssize_t n):
    if n < 3:
        raise ValueError(f"a ZCL frame of {n} bytes is shorter than its header")
    if d[0] & 0x0F != 0x01:
        return None
    cdef int tsn = d[1]
    cdef int command = d[2]
    cdef Py_ssize_t length = n - 3
    cdef Py_ssize_t needed
    cdef int fc
    cdef Py_ssize_t at
    cdef object node = -1
    cdef object hardware = -1
    cdef int period = -1
    if command == IMAGE_BLOCK:
        needed = 14
    elif command == QUERY_NEXT_IMAGE:
        needed = 9
    elif command == IMAGE_PAGE:
        needed = 18
    elif command == UPGRADE_END:
        needed = 9
    else:
        return None
    if length < needed:
        raise MalformedOtaFrame(tsn, command, length, needed)
    d += 3
    if command == IMAGE_BLOCK:
        fc = d[0]
        at = 14
        if fc & 0x01:
            if length < at + 8:
                raise MalformedOtaFrame(tsn, command, length, at + 8)
            node = _u64(d + at)
            at += 8
        if fc & 0x02:
            if length < at + 2:
                raise MalformedOtaFrame(tsn, command, length, at + 2)
            period = _u16(d + at)
        return _new_tuple(_OtaRequest, (
            command, tsn, fc, _u16(d + 1), _u16(d + 3), _u32(d + 5), _u32(d + 9), d[13],
            -1, -1, -1, period, node, -1,
        ))
    if command == QUERY_NEXT_IMAGE:
        fc = d[0]
        if fc & 0x01:
            if length < 11:
                raise MalformedOtaFrame(tsn, command, length, 11)
            hardware = _u16(d + 9)
        return _new_tuple(_OtaRequest, (
            command, tsn, fc, _u16(d + 1), _u16(d + 3), _u32(d + 5), -1, -1,
            hardware, -1, -1, -1, -1, -1,
        ))
    if command == IMAGE_PAGE:
        fc = d[0]
        if fc & 0x01:
            if length < 26:
                raise MalformedOtaFrame(tsn, command, length, 26)
            node = _u64(d + 18)
        return _new_tuple(_OtaRequest, (
            command, tsn, fc, _u16(d + 1), _u16(d + 3), _u32(d + 5), _u32(d + 9), d[13],
            -1, _u16(d + 14), _u16(d + 16), -1, node, -1,
        ))
    return _new_tuple(_OtaRequest, (
        command, tsn, -1, _u16(d + 1), _u16(d + 3), _u32(d + 5), -1, -1,
        -1, -1, -1, -1, -1, d[0],
    ))


def decode_request(frame):
    """Decode a client-to-server OTA request (ZCL header included); see _ota_py.decode_request."""
    cdef Py_buffer view
    if type(frame) is bytes:
        return _decode(<const uint8_t*>PyBytes_AS_STRING(frame), len(<bytes>frame))
    get_bytes(frame, &view)
    try:
        return _decode(<const uint8_t*>view.buf, view.len)
    finally:
        PyBuffer_Release(&view)


cdef inline uint8_t _tsn(object tsn) except? 0:
    return <uint8_t>int_arg(tsn, 0, 0xFF, "tsn")


def query_next_image_response(tsn, status, manufacturer_code=0, image_type=0, file_version=0,
                              image_size=0):
    """Query Next Image Response; the image fields are sent only with status SUCCESS."""
    cdef uint8_t out[16]
    cdef uint8_t st = <uint8_t>int_arg(status, 0, 0xFF, "status")
    out[0] = FC_RESPONSE
    out[1] = _tsn(tsn)
    out[2] = QUERY_NEXT_IMAGE_RESPONSE
    out[3] = st
    if st != SUCCESS:
        return PyBytes_FromStringAndSize(<char*>out, 4)
    _put16(out + 4, <uint16_t>int_arg(manufacturer_code, 0, 0xFFFF, "manufacturer_code"))
    _put16(out + 6, <uint16_t>int_arg(image_type, 0, 0xFFFF, "image_type"))
    _put32(out + 8, <uint32_t>int_arg(file_version, 0, 0xFFFFFFFF, "file_version"))
    _put32(out + 12, <uint32_t>int_arg(image_size, 0, 0xFFFFFFFF, "image_size"))
    return PyBytes_FromStringAndSize(<char*>out, 16)


def image_block_response(tsn, manufacturer_code, image_type, file_version, file_offset, data):
    """Image Block Response, SUCCESS form: the block of image data at ``file_offset``."""
    cdef uint8_t out[17 + 255]
    cdef Py_buffer view
    cdef Py_ssize_t n
    out[0] = FC_RESPONSE
    out[1] = _tsn(tsn)
    out[2] = IMAGE_BLOCK_RESPONSE
    out[3] = SUCCESS
    _put16(out + 4, <uint16_t>int_arg(manufacturer_code, 0, 0xFFFF, "manufacturer_code"))
    _put16(out + 6, <uint16_t>int_arg(image_type, 0, 0xFFFF, "image_type"))
    _put32(out + 8, <uint32_t>int_arg(file_version, 0, 0xFFFFFFFF, "file_version"))
    _put32(out + 12, <uint32_t>int_arg(file_offset, 0, 0xFFFFFFFF, "file_offset"))
    get_bytes(data, &view)
    try:
        n = view.len
        if n > 0xFF:
            raise ValueError(f"an image block holds at most 255 bytes, got {n}")
        out[16] = <uint8_t>n
        memcpy(out + 17, view.buf, n)
    finally:
        PyBuffer_Release(&view)
    return PyBytes_FromStringAndSize(<char*>out, 17 + n)


def image_block_wait(tsn, current_time, request_time, minimum_block_period):
    """Image Block Response, WAIT_FOR_DATA form (see _ota_py.image_block_wait)."""
    cdef uint8_t out[14]
    out[0] = FC_RESPONSE
    out[1] = _tsn(tsn)
    out[2] = IMAGE_BLOCK_RESPONSE
    out[3] = WAIT_FOR_DATA
    _put32(out + 4, <uint32_t>int_arg(current_time, 0, 0xFFFFFFFF, "current_time"))
    _put32(out + 8, <uint32_t>int_arg(request_time, 0, 0xFFFFFFFF, "request_time"))
    _put16(out + 12, <uint16_t>int_arg(minimum_block_period, 0, 0xFFFF, "minimum_block_period"))
    return PyBytes_FromStringAndSize(<char*>out, 14)


def status_response(tsn, command, status):
    """A server response that carries only its status (Image Block Response ABORT, ...)."""
    cdef uint8_t out[4]
    out[0] = FC_RESPONSE
    out[1] = _tsn(tsn)
    out[2] = <uint8_t>int_arg(command, 0, 0xFF, "command")
    out[3] = <uint8_t>int_arg(status, 0, 0xFF, "status")
    return PyBytes_FromStringAndSize(<char*>out, 4)


def upgrade_end_response(tsn, manufacturer_code, image_type, file_version, current_time,
                         upgrade_time):
    """Upgrade End Response: run the image at ``upgrade_time`` (0 now, 0xFFFFFFFF wait)."""
    cdef uint8_t out[19]
    out[0] = FC_RESPONSE
    out[1] = _tsn(tsn)
    out[2] = UPGRADE_END_RESPONSE
    _put16(out + 3, <uint16_t>int_arg(manufacturer_code, 0, 0xFFFF, "manufacturer_code"))
    _put16(out + 5, <uint16_t>int_arg(image_type, 0, 0xFFFF, "image_type"))
    _put32(out + 7, <uint32_t>int_arg(file_version, 0, 0xFFFFFFFF, "file_version"))
    _put32(out + 11, <uint32_t>int_arg(current_time, 0, 0xFFFFFFFF, "current_time"))
    _put32(out + 15, <uint32_t>int_arg(upgrade_time, 0, 0xFFFFFFFF, "upgrade_time"))
    return PyBytes_FromStringAndSize(<char*>out, 19)


def image_notify(tsn, payload_type, query_jitter, manufacturer_code=0, image_type=0,
                 file_version=0):
    """Image Notify; payload type 0..3 says how many of the image fields follow the jitter."""
    cdef uint8_t out[13]
    cdef int kind = <int>int_arg(payload_type, 0, 3, "payload_type")
    out[0] = FC_RESPONSE
    out[1] = _tsn(tsn)
    out[2] = IMAGE_NOTIFY
    out[3] = <uint8_t>kind
    out[4] = <uint8_t>int_arg(query_jitter, 0, 100, "query_jitter")
    _put16(out + 5, <uint16_t>int_arg(manufacturer_code, 0, 0xFFFF, "manufacturer_code"))
    _put16(out + 7, <uint16_t>int_arg(image_type, 0, 0xFFFF, "image_type"))
    _put32(out + 9, <uint32_t>int_arg(file_version, 0, 0xFFFFFFFF, "file_version"))
    return PyBytes_FromStringAndSize(<char*>out, (5, 7, 9, 13)[kind])


def default_response(tsn, command, status):
    """ZCL Default Response (general command 0x0B) from the server for ``command``."""
    cdef uint8_t out[5]
    out[0] = FC_GLOBAL_RESPONSE
    out[1] = _tsn(tsn)
    out[2] = DEFAULT_RESPONSE
    out[3] = <uint8_t>int_arg(command, 0, 0xFF, "command")
    out[4] = <uint8_t>int_arg(status, 0, 0xFF, "status")
    return PyBytes_FromStringAndSize(<char*>out, 5)

# C-level checksum routines and argument checks shared by the compiled codecs.
from libc.stdint cimport uint8_t, uint16_t

cdef uint16_t crc16_ccitt_update(uint16_t crc, const uint8_t* p, Py_ssize_t n) noexcept nogil
cdef uint16_t crc16_x25_update(uint16_t reg, const uint8_t* p, Py_ssize_t n) noexcept nogil
cdef uint8_t xor8_update(uint8_t acc, const uint8_t* p, Py_ssize_t n) noexcept nogil
cdef int get_bytes(object obj, Py_buffer* view) except -1
cdef long long int_arg(object value, long long low, long long high, str name) except? -1

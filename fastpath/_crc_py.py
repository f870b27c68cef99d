"""Checksums in pure Python: CRC-16/IBM-3740 (ASH), CRC-16/X-25 (HDLC FCS-16), XOR-8 (MT FCS)."""

from fastpath._bytes_arg import BytesLike, as_bytes, check_int


def _msb_first_table(poly: int) -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ poly) if crc & 0x8000 else (crc << 1)
        table.append(crc & 0xFFFF)
    return tuple(table)


def _lsb_first_table(poly_reflected: int) -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly_reflected if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CCITT = _msb_first_table(0x1021)
_X25 = _lsb_first_table(0x8408)


def crc16_ccitt(data: BytesLike, crc: int = 0xFFFF) -> int:
    """CRC-16/IBM-3740 (CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no xorout).

    Incremental: ``crc16_ccitt(b, crc16_ccitt(a)) == crc16_ccitt(a + b)``.
    """
    buf = as_bytes(data)
    crc = check_int(crc, 0, 0xFFFF, "crc")
    table = _CCITT
    for byte in buf:
        crc = ((crc << 8) & 0xFFFF) ^ table[(crc >> 8) ^ byte]
    return crc


def crc16_x25(data: BytesLike, crc: int = 0) -> int:
    """CRC-16/X-25 (IBM-SDLC; the FCS-16 of RFC 1662): reflected poly 0x1021, init and xorout 0xFFFF.

    ``crc`` is a previous result to continue from (0 starts afresh):
    ``crc16_x25(b, crc16_x25(a)) == crc16_x25(a + b)``.
    """
    buf = as_bytes(data)
    reg = check_int(crc, 0, 0xFFFF, "crc") ^ 0xFFFF
    table = _X25
    for byte in buf:
        reg = (reg >> 8) ^ table[(reg ^ byte) & 0xFF]
    return reg ^ 0xFFFF


def xor8(data: BytesLike, value: int = 0) -> int:
    """XOR of all bytes, starting from ``value`` (a previous result, 0 starts afresh)."""
    buf = as_bytes(data)
    acc = check_int(value, 0, 0xFF, "value")
    # Fold the whole buffer, as one integer, in halves: O(n log n) in C rather than a loop per byte.
    length = len(buf)
    folded = int.from_bytes(buf, "little")
    while length > 1:
        half = (length + 1) // 2
        folded = (folded & ((1 << (8 * half)) - 1)) ^ (folded >> (8 * half))
        length = half
    return acc ^ folded

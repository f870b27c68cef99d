"""Checksums: check values, incremental use, argument handling, and binascii as an oracle."""

import array
import binascii

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastpath import Implementation


def test_empty_input(impl: Implementation) -> None:
    assert impl.crc16_ccitt(b"") == 0xFFFF
    assert impl.crc16_ccitt(b"", 0x1234) == 0x1234
    assert impl.crc16_x25(b"") == 0x0000
    assert impl.xor8(b"") == 0
    assert impl.xor8(b"", 0x5A) == 0x5A


@pytest.mark.parametrize("make", [bytes, bytearray, memoryview, lambda b: memoryview(bytearray(b))])
def test_accepts_any_bytes_like(impl: Implementation, make: object) -> None:
    data = make(b"123456789")  # type: ignore[operator]
    assert impl.crc16_ccitt(data) == 0x29B1
    assert impl.crc16_x25(data) == 0x906E
    assert impl.xor8(data) == 0x31


def test_multi_byte_item_buffers_are_read_as_bytes(impl: Implementation) -> None:
    words = array.array("H", [0x3231, 0x3433, 0x3635, 0x3837])
    assert impl.crc16_ccitt(words) == impl.crc16_ccitt(words.tobytes())


@pytest.mark.parametrize("bad", ["123", 123, [1, 2, 3], None])
def test_non_bytes_like_is_type_error(impl: Implementation, bad: object) -> None:
    for func in (impl.crc16_ccitt, impl.crc16_x25, impl.xor8):
        with pytest.raises(TypeError):
            func(bad)


def test_non_contiguous_buffer_is_type_error(impl: Implementation) -> None:
    strided = memoryview(b"abcdef")[::2]
    for func in (impl.crc16_ccitt, impl.crc16_x25, impl.xor8):
        with pytest.raises(TypeError):
            func(strided)


@pytest.mark.parametrize("start", [-1, 0x10000, 1 << 80])
def test_out_of_range_start_value_is_value_error(impl: Implementation, start: int) -> None:
    with pytest.raises(ValueError):
        impl.crc16_ccitt(b"x", start)
    with pytest.raises(ValueError):
        impl.crc16_x25(b"x", start)
    with pytest.raises(ValueError):
        impl.xor8(b"x", start if start != 0x10000 else 0x100)


def test_non_int_start_value_is_type_error(impl: Implementation) -> None:
    with pytest.raises(TypeError):
        impl.crc16_ccitt(b"x", 1.0)
    with pytest.raises(TypeError):
        impl.xor8(b"x", "1")


def test_long_buffer_matches_crc_hqx(impl: Implementation) -> None:
    data = bytes(range(256)) * 300  # long enough for the compiled code to release the GIL
    assert impl.crc16_ccitt(data) == binascii.crc_hqx(data, 0xFFFF)


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=300), split=st.integers(0, 300), start=st.integers(0, 0xFFFF))
def test_properties(impl: Implementation, data: bytes, split: int, start: int) -> None:
    head, tail = data[:split], data[split:]
    assert impl.crc16_ccitt(data, start) == binascii.crc_hqx(data, start)
    assert impl.crc16_ccitt(tail, impl.crc16_ccitt(head)) == impl.crc16_ccitt(data)
    assert impl.crc16_x25(tail, impl.crc16_x25(head)) == impl.crc16_x25(data)
    # X-25 is the reflected CCITT polynomial: a message followed by its FCS leaves the residue.
    fcs = impl.crc16_x25(data)
    assert impl.crc16_x25(data + fcs.to_bytes(2, "little")) == 0x0F47
    expected_xor = 0
    for byte in data:
        expected_xor ^= byte
    assert impl.xor8(data) == expected_xor
    assert impl.xor8(tail, impl.xor8(head)) == expected_xor


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=2000), start=st.integers(0, 0xFFFF))
def test_compiled_matches_pure(
    compiled: Implementation, pure: Implementation, data: bytes, start: int
) -> None:
    assert compiled.crc16_ccitt(data, start) == pure.crc16_ccitt(data, start)
    assert compiled.crc16_x25(data, start) == pure.crc16_x25(data, start)
    assert compiled.xor8(data, start & 0xFF) == pure.xor8(data, start & 0xFF)

"""ASH: control bytes, encoding limits and the stream decoder's handling of every reserved byte."""

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastpath import Implementation

RESERVED = (0x7E, 0x7D, 0x11, 0x13, 0x18, 0x1A)


def test_control_builders(impl: Implementation) -> None:
    ash = impl.ash
    assert ash.data_control(5, 3, re_tx=True) == 0x5B
    assert ash.data_control(7, 7) == 0x77
    assert ash.ack_control(3) == 0x83
    assert ash.ack_control(3, n_rdy=True) == 0x8B
    assert ash.nak_control(6) == 0xA6
    assert ash.nak_control(6, n_rdy=True) == 0xAE
    assert (ash.RST, ash.RSTACK, ash.ERROR) == (0xC0, 0xC1, 0xC2)


@pytest.mark.parametrize(("frm_num", "ack_num"), [(8, 0), (0, 8), (-1, 0), (0, -1)])
def test_control_builders_reject_out_of_range(
    impl: Implementation, frm_num: int, ack_num: int
) -> None:
    with pytest.raises(ValueError):
        impl.ash.data_control(frm_num, ack_num)
    bad_ack = ack_num if not 0 <= ack_num <= 7 else frm_num
    with pytest.raises(ValueError):
        impl.ash.ack_control(bad_ack)
    with pytest.raises(ValueError):
        impl.ash.nak_control(bad_ack)


def test_parse_control_round_trips(impl: Implementation) -> None:
    ash = impl.ash
    for frm_num in range(8):
        for ack_num in range(8):
            for re_tx in (False, True):
                kind, fields = ash.parse_control(ash.data_control(frm_num, ack_num, re_tx))
                assert kind == ash.FrameKind.DATA
                assert fields == {"frm_num": frm_num, "re_tx": int(re_tx), "ack_num": ack_num}
        for n_rdy in (False, True):
            assert ash.parse_control(ash.ack_control(frm_num, n_rdy)) == (
                ash.FrameKind.ACK,
                {"ack_num": frm_num, "n_rdy": int(n_rdy), "res": 0},
            )
            assert ash.parse_control(ash.nak_control(frm_num, n_rdy))[0] == ash.FrameKind.NAK
    assert ash.parse_control(0xC0) == (ash.FrameKind.RST, {})
    assert ash.parse_control(0xC1) == (ash.FrameKind.RSTACK, {})
    assert ash.parse_control(0xC2) == (ash.FrameKind.ERROR, {})
    for bad in (0xC3, 0xFF, 0x100, -1):
        with pytest.raises(ValueError):
            ash.parse_control(bad)


@pytest.mark.parametrize("control", [-1, 256, 1 << 70])
def test_encode_rejects_out_of_range_control(impl: Implementation, control: int) -> None:
    with pytest.raises(ValueError):
        impl.ash.encode(control, b"")


def test_encode_argument_types(impl: Implementation) -> None:
    with pytest.raises(TypeError):
        impl.ash.encode(0, "text")
    with pytest.raises(TypeError):
        impl.ash.encode("0", b"")
    with pytest.raises(TypeError):
        impl.ash.Decoder().feed("text")
    assert impl.ash.encode(0x25, bytearray(b"ab")) == impl.ash.encode(0x25, memoryview(b"ab"))


def test_data_limit(impl: Implementation) -> None:
    ash = impl.ash
    assert ash.MAX_DATA == 128
    wire = ash.encode(0x00, bytes(128))
    with pytest.raises(ValueError):
        ash.encode(0x00, bytes(129))
    with pytest.raises(ValueError):
        ash.encode(0xC1, bytes(129))
    with pytest.raises(ValueError):
        ash.encode_many([(0x00, b"ok"), (0x10, bytes(129))])
    with pytest.raises(ValueError):
        ash.encode(0x00, b"", max_data=ash.MAX_DATA_LIMIT + 1)
    with pytest.raises(ValueError):
        ash.Decoder(max_data=-1)
    decoder = ash.Decoder()
    assert decoder.max_data == 128
    assert decoder.feed(wire) == [(0x00, bytes(128))]
    oversized = ash.encode(0x00, bytes(129), max_data=129)
    assert decoder.feed(oversized + wire) == [(0x00, bytes(128))]
    assert decoder.stats == (2, 0, 0, 1)


def test_only_data_frames_are_randomised(impl: Implementation) -> None:
    ash = impl.ash
    rstack = ash.encode(ash.RSTACK, b"\x02\x0b")
    assert rstack[1:3] == b"\x02\x0b"
    data = ash.encode(0x00, b"\x02\x0b")
    assert data[1:3] == bytes([0x02 ^ 0x42, 0x0B ^ 0x21])
    assert ash.randomise(ash.randomise(b"payload")) == b"payload"
    assert ash.RANDOM_SEQUENCE[:4] == b"\x42\x21\xa8\x54"


def test_encode_many_is_concatenation(impl: Implementation) -> None:
    frames = [(0x00, b"\x7e\x7d"), (0xC0, b""), (0x83, b""), (0x25, bytearray(100))]
    assert impl.ash.encode_many(frames) == b"".join(impl.ash.encode(c, d) for c, d in frames)
    assert impl.ash.encode_many(iter([])) == b""


def _frame(impl: Implementation, data: bytes = b"\x01\x02\x03", control: int = 0x25) -> bytes:
    wire: bytes = impl.ash.encode(control, data)
    return wire


def test_cancel_discards_frame_in_progress(impl: Implementation) -> None:
    decoder = impl.ash.Decoder()
    good = _frame(impl)
    assert decoder.feed(good[:3] + b"\x1a" + good) == [(0x25, b"\x01\x02\x03")]
    assert decoder.stats == (1, 0, 1, 0)
    # A CANCEL with nothing in progress (as before RST) discards nothing.
    assert decoder.feed(b"\x1a" * 32 + _frame(impl, b"", 0xC0)) == [(0xC0, b"")]
    assert decoder.stats == (2, 0, 1, 0)


def test_substitute_marks_frame_bad_until_next_flag(impl: Implementation) -> None:
    decoder = impl.ash.Decoder()
    good = _frame(impl)
    # Even a CANCEL after SUBSTITUTE does not rescue the bytes before the next flag.
    stream = good[:2] + b"\x18" + good[2:4] + b"\x1a" + good[4:] + good
    assert decoder.feed(stream) == [(0x25, b"\x01\x02\x03")]
    assert decoder.stats == (1, 0, 1, 0)


def test_xon_xoff_are_ignored(impl: Implementation) -> None:
    decoder = impl.ash.Decoder()
    good = _frame(impl, b"\x11\x13\x00")
    stuffed = b"".join(bytes([b]) + b"\x11" for b in good[:-1]) + b"\x13" + good[-1:]
    assert decoder.feed(stuffed) == [(0x25, b"\x11\x13\x00")]
    assert decoder.stats == (1, 0, 0, 0)


def test_bad_frames_are_counted(impl: Implementation) -> None:
    decoder = impl.ash.Decoder()
    good = _frame(impl)
    corrupt = bytearray(good)
    corrupt[1] ^= 0x01
    stream = bytes(corrupt) + b"\x25\x01\x7e" + b"\x25\x01\x7d\x7e" + b"\x7e\x7e" + good
    assert decoder.feed(stream) == [(0x25, b"\x01\x02\x03")]
    assert decoder.stats == (1, 1, 2, 0)


def test_unbounded_garbage_is_one_oversized_drop(impl: Implementation) -> None:
    decoder = impl.ash.Decoder()
    garbage = bytes(range(0x30, 0x70)) * 4096  # 256 KiB without a reserved byte
    for _ in range(4):
        assert decoder.feed(garbage) == []
    assert decoder.feed(b"\x7e" + _frame(impl)) == [(0x25, b"\x01\x02\x03")]
    assert decoder.stats == (1, 0, 0, 1)


def test_escaped_reserved_bytes_survive(impl: Implementation) -> None:
    payload = bytes(RESERVED) * 10
    for control in (0x00, 0x7E, 0xC1):
        wire = impl.ash.encode(control, payload)
        assert all(b not in wire[:-1] for b in (0x7E, 0x11, 0x13, 0x18, 0x1A))
        assert impl.ash.Decoder().feed(wire) == [(control, payload)]


@pytest.fixture(scope="module")
def bellows_ash() -> Any:
    return pytest.importorskip("bellows.ash")


@settings(max_examples=150, deadline=None)
@given(
    frm_num=st.integers(0, 7),
    ack_num=st.integers(0, 7),
    re_tx=st.booleans(),
    payload=st.binary(max_size=128),
)
def test_matches_bellows(
    impl: Implementation,
    bellows_ash: Any,
    frm_num: int,
    ack_num: int,
    re_tx: bool,
    payload: bytes,
) -> None:
    frame = bellows_ash.DataFrame(frm_num=frm_num, re_tx=re_tx, ack_num=ack_num, ezsp_frame=payload)
    theirs = bytes(bellows_ash.AshProtocol._stuff_bytes(frame.to_bytes())) + b"\x7e"
    control = impl.ash.data_control(frm_num, ack_num, re_tx)
    assert impl.ash.encode(control, payload) == theirs
    assert impl.ash.Decoder().feed(theirs) == [(control, payload)]

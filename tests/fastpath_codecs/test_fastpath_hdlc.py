"""HDLC (RFC 1662): ACCM escaping both ways, aborts, limits and the stream decoder."""

import pytest

from fastpath import Implementation


def test_accm_selects_escaped_control_characters(impl: Implementation) -> None:
    payload = bytes(range(0x20)) + b"\x7e\x7d\x41"
    only_xon_xoff = (1 << 0x11) | (1 << 0x13)
    wire = impl.hdlc.encode(payload, only_xon_xoff)
    body = wire[1:-1]
    assert b"\x7d\x31" in body and b"\x7d\x33" in body
    assert b"\x11" not in body and b"\x13" not in body
    assert b"\x00\x01\x02" in body  # not marked: sent as they are
    assert b"\x7e" not in body
    assert impl.hdlc.Decoder(only_xon_xoff).feed(wire) == [payload]


def test_receiver_drops_control_characters_the_accm_marks(impl: Implementation) -> None:
    payload = b"\x00\x11hello\x13"
    accm = 0xFFFFFFFF
    wire = impl.hdlc.encode(payload, accm)
    noisy = wire[:3] + b"\x11\x13\x00" + wire[3:-1] + b"\x05" + wire[-1:]
    decoder = impl.hdlc.Decoder(accm)
    assert decoder.feed(noisy) == [payload]
    assert decoder.stats == (1, 0, 0, 0)
    # With ACCM 0 the same bytes are data, so the frame no longer checks.
    plain = impl.hdlc.Decoder(0)
    assert plain.feed(noisy) == []
    assert plain.stats == (0, 1, 0, 0)


def test_any_escaped_byte_is_accepted(impl: Implementation) -> None:
    payload = b"ABC"
    wire = impl.hdlc.encode(payload)
    over_escaped = b"\x7e" + b"".join(b"\x7d" + bytes([b ^ 0x20]) for b in wire[1:-1]) + b"\x7e"
    assert impl.hdlc.Decoder().feed(over_escaped) == [payload]


def test_abort_short_and_bad_fcs_are_counted(impl: Implementation) -> None:
    good = impl.hdlc.encode(b"payload")
    bad_fcs = bytearray(good)
    bad_fcs[3] ^= 0x40
    stream = b"\x7eabc\x7d\x7e" + b"\x7ex\x7e" + bytes(bad_fcs) + good
    decoder = impl.hdlc.Decoder()
    assert decoder.feed(stream) == [b"payload"]
    assert decoder.stats == (1, 1, 2, 0)


def test_frame_limit(impl: Implementation) -> None:
    hdlc = impl.hdlc
    assert hdlc.MAX_FRAME == 4096
    with pytest.raises(ValueError):
        hdlc.encode(bytes(hdlc.MAX_FRAME + 1))
    with pytest.raises(ValueError):
        hdlc.encode(bytes(65), max_frame=64)
    with pytest.raises(ValueError):
        hdlc.encode_many([b"", bytes(65)], max_frame=64)
    decoder = hdlc.Decoder(max_frame=64)
    assert decoder.max_frame == 64
    fits = hdlc.encode(bytes(64))
    too_big = hdlc.encode(bytes(65), max_frame=65)
    assert decoder.feed(too_big + fits) == [bytes(64)]
    assert decoder.stats == (1, 0, 0, 1)


def test_unbounded_garbage_is_one_oversized_drop(impl: Implementation) -> None:
    decoder = impl.hdlc.Decoder(max_frame=1024)
    for _ in range(8):
        assert decoder.feed(b"\x55" * 100_000) == []
    assert decoder.feed(impl.hdlc.encode(b"after")) == [b"after"]
    assert decoder.stats == (1, 0, 0, 1)


@pytest.mark.parametrize(
    ("accm", "max_frame"), [(-1, 10), (1 << 32, 10), (0, 0), (0, (1 << 24) + 1)]
)
def test_bad_arguments(impl: Implementation, accm: int, max_frame: int) -> None:
    with pytest.raises(ValueError):
        impl.hdlc.Decoder(accm, max_frame)
    with pytest.raises(ValueError):
        impl.hdlc.encode(b"x", accm, max_frame=max_frame)


def test_types(impl: Implementation) -> None:
    with pytest.raises(TypeError):
        impl.hdlc.encode("text")
    with pytest.raises(TypeError):
        impl.hdlc.Decoder().feed(None)
    assert impl.hdlc.Decoder(0xFFFFFFFF).accm == 0xFFFFFFFF


def test_encode_many_is_concatenation(impl: Implementation) -> None:
    payloads = [b"", b"\x7e\x7d\x11", bytearray(300), memoryview(b"abc")]
    for accm in (0, 0xFFFFFFFF):
        assert impl.hdlc.encode_many(payloads, accm) == b"".join(
            impl.hdlc.encode(p, accm) for p in payloads
        )

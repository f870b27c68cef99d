"""TI Z-Stack MT frames: limits, FCS errors, hunting for the start of frame."""

import pytest

from fastpath import Implementation


def test_limits_and_arguments(impl: Implementation) -> None:
    mt = impl.mt
    assert mt.MAX_DATA == 250
    assert len(mt.encode(0x24, 0x01, bytes(250))) == 255
    with pytest.raises(ValueError):
        mt.encode(0x24, 0x01, bytes(251))
    for cmd0, cmd1 in ((256, 0), (0, 256), (-1, 0)):
        with pytest.raises(ValueError):
            mt.encode(cmd0, cmd1, b"")
    with pytest.raises(TypeError):
        mt.encode(0x21, 0x01, "text")
    with pytest.raises(TypeError):
        mt.Decoder().feed(1)


def test_bad_fcs_garbage_and_length_are_counted(impl: Implementation) -> None:
    good = impl.mt.encode(0x61, 0x02, b"\x01\x02")
    bad = bytearray(good)
    bad[-1] ^= 0xFF
    # 3 garbage bytes, a frame with a bad FCS, a LEN over 250 (0xFB), then FE FE: a SOF whose
    # LEN byte is itself a SOF, which starts the good frame.
    stream = b"abc" + bytes(bad) + b"\xfe\xfb" + b"\xfe" + good
    decoder = impl.mt.Decoder()
    assert decoder.feed(stream) == [(0x61, 0x02, b"\x01\x02")]
    assert decoder.stats == (1, 1, 3, 2)


def test_encode_many_and_empty_data(impl: Implementation) -> None:
    frames = [
        (0x21, 0x01, b""),
        (0x24, 0x01, bytes(range(250))),
        (0x41, 0x80, bytearray(b"\xfe\xfe")),
    ]
    wire = impl.mt.encode_many(frames)
    assert wire == b"".join(impl.mt.encode(*f) for f in frames)
    assert impl.mt.Decoder().feed(wire) == [(c0, c1, bytes(d)) for c0, c1, d in frames]


def test_rescan_finds_the_frames_a_damaged_frame_took_for_its_own(impl: Implementation) -> None:
    first = impl.mt.encode(0x61, 0x1C, bytes(range(40)))
    second = impl.mt.encode(0x44, 0x80, b"\x00\x01\x02")
    third = impl.mt.encode(0x45, 0xFF, b"x" * 30)
    # one byte of the first frame lost: it takes the start of the next frames to make up its
    # LEN, and fails its FCS
    stream = first[:10] + first[11:] + second + third
    plain = impl.mt.Decoder()
    assert plain.feed(stream) == [(0x45, 0xFF, b"x" * 30)]  # the second went with the first
    assert plain.stats.crc_errors == 1
    rescanning = impl.mt.Decoder(rescan=True)
    frames = []
    for at in range(0, len(stream), 7):  # however the stream is split
        frames += rescanning.feed(stream[at : at + 7])
    assert frames == [(0x44, 0x80, b"\x00\x01\x02"), (0x45, 0xFF, b"x" * 30)]
    assert rescanning.stats.frames == 2 and rescanning.stats.crc_errors == 1

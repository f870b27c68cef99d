"""Property tests: round trips, compiled/pure parity over random splits, and resilience to noise."""

from itertools import pairwise
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fastpath import Implementation

EXAMPLES = settings(max_examples=120, deadline=None)

ASH_SPECIALS = st.sampled_from([0x7E, 0x7D, 0x11, 0x13, 0x18, 0x1A])
HDLC_SPECIALS = st.sampled_from([0x7E, 0x7D, 0x00, 0x11, 0x13, 0x1F])
MT_SPECIALS = st.sampled_from([0xFE, 0x00, 0xFA, 0xFB, 0xFF])

ash_frames = st.tuples(st.integers(0, 255), st.binary(max_size=128))
hdlc_payloads = st.binary(max_size=200)
mt_frames = st.tuples(st.integers(0, 255), st.integers(0, 255), st.binary(max_size=250))
accms = st.one_of(st.just(0), st.just(0xFFFFFFFF), st.integers(0, 0xFFFFFFFF))


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in pairwise(bounds)]


def _feed_all(decoder: Any, chunks: list[bytes]) -> list[Any]:
    out: list[Any] = []
    for chunk in chunks:
        out.extend(decoder.feed(chunk))
    return out


@st.composite
def noisy_stream(draw: st.DrawFn, frames: bytes, specials: st.SearchStrategy[int]) -> bytes:
    """Whole frames mixed with garbage, reserved bytes, truncations and flipped bits."""
    noise = st.one_of(
        st.binary(max_size=40),
        st.lists(specials, max_size=6).map(bytes),
        st.just(frames[: draw(st.integers(0, len(frames)))]),
    )
    parts = [frames] + draw(st.lists(noise, max_size=6))
    stream = bytearray(b"".join(draw(st.permutations(parts))))
    for _ in range(draw(st.integers(0, 4))):
        if stream:
            at = draw(st.integers(0, len(stream) - 1))
            stream[at] ^= 1 << draw(st.integers(0, 7))
    return bytes(stream)


# --- round trips ---------------------------------------------------------------------------


@EXAMPLES
@given(frames=st.lists(ash_frames, max_size=8), cuts=st.lists(st.integers(0, 2000), max_size=6))
def test_ash_round_trip(
    impl: Implementation, frames: list[tuple[int, bytes]], cuts: list[int]
) -> None:
    wire = impl.ash.encode_many(frames)
    decoder = impl.ash.Decoder()
    assert _feed_all(decoder, _split(wire, cuts)) == frames
    assert decoder.stats == (len(frames), 0, 0, 0)


@EXAMPLES
@given(
    payloads=st.lists(hdlc_payloads, max_size=6),
    accm=accms,
    cuts=st.lists(st.integers(0, 3000), max_size=6),
)
def test_hdlc_round_trip(
    impl: Implementation, payloads: list[bytes], accm: int, cuts: list[int]
) -> None:
    wire = impl.hdlc.encode_many(payloads, accm)
    decoder = impl.hdlc.Decoder(accm)
    assert _feed_all(decoder, _split(wire, cuts)) == payloads
    assert decoder.stats == (len(payloads), 0, 0, 0)


@EXAMPLES
@given(frames=st.lists(mt_frames, max_size=6), cuts=st.lists(st.integers(0, 2000), max_size=6))
def test_mt_round_trip(
    impl: Implementation, frames: list[tuple[int, int, bytes]], cuts: list[int]
) -> None:
    wire = impl.mt.encode_many(frames)
    decoder = impl.mt.Decoder()
    assert _feed_all(decoder, _split(wire, cuts)) == frames
    assert decoder.stats == (len(frames), 0, 0, 0)


# --- compiled and pure agree, byte for byte and count for count ----------------------------


@EXAMPLES
@given(data=st.data(), frames=st.lists(ash_frames, min_size=1, max_size=5))
def test_ash_parity(
    compiled: Implementation,
    pure: Implementation,
    data: st.DataObject,
    frames: list[tuple[int, bytes]],
) -> None:
    wire = compiled.ash.encode_many(frames)
    assert wire == pure.ash.encode_many(frames)
    stream = data.draw(noisy_stream(wire, ASH_SPECIALS))
    chunks = _split(stream, data.draw(st.lists(st.integers(0, 4000), max_size=8)))
    max_data = data.draw(st.sampled_from([0, 16, 128, 256]))
    ours, twin = compiled.ash.Decoder(max_data=max_data), pure.ash.Decoder(max_data=max_data)
    assert _feed_all(ours, chunks) == _feed_all(twin, chunks)
    assert ours.stats == twin.stats


@EXAMPLES
@given(data=st.data(), payloads=st.lists(hdlc_payloads, min_size=1, max_size=5), accm=accms)
def test_hdlc_parity(
    compiled: Implementation,
    pure: Implementation,
    data: st.DataObject,
    payloads: list[bytes],
    accm: int,
) -> None:
    wire = compiled.hdlc.encode_many(payloads, accm)
    assert wire == pure.hdlc.encode_many(payloads, accm)
    stream = data.draw(noisy_stream(wire, HDLC_SPECIALS))
    chunks = _split(stream, data.draw(st.lists(st.integers(0, 4000), max_size=8)))
    rx_accm = data.draw(st.sampled_from([accm, 0, 0xFFFFFFFF]))
    max_frame = data.draw(st.sampled_from([1, 50, 4096]))
    ours, twin = compiled.hdlc.Decoder(rx_accm, max_frame), pure.hdlc.Decoder(rx_accm, max_frame)
    assert _feed_all(ours, chunks) == _feed_all(twin, chunks)
    assert ours.stats == twin.stats


@EXAMPLES
@given(data=st.data(), frames=st.lists(mt_frames, min_size=1, max_size=4))
def test_mt_parity(
    compiled: Implementation,
    pure: Implementation,
    data: st.DataObject,
    frames: list[tuple[int, int, bytes]],
) -> None:
    wire = compiled.mt.encode_many(frames)
    assert wire == pure.mt.encode_many(frames)
    stream = data.draw(noisy_stream(wire, MT_SPECIALS))
    chunks = _split(stream, data.draw(st.lists(st.integers(0, 4000), max_size=8)))
    rescan = data.draw(st.booleans())
    ours, twin = compiled.mt.Decoder(rescan=rescan), pure.mt.Decoder(rescan=rescan)
    assert _feed_all(ours, chunks) == _feed_all(twin, chunks)
    assert ours.stats == twin.stats


# --- noise never raises, and the decoder finds the next good frame --------------------------


@EXAMPLES
@given(noise=st.binary(max_size=600), extra=st.lists(ASH_SPECIALS, max_size=4), frame=ash_frames)
def test_ash_resynchronises(
    impl: Implementation, noise: bytes, extra: list[int], frame: tuple[int, bytes]
) -> None:
    decoder = impl.ash.Decoder()
    decoder.feed(noise + bytes(extra))
    # Whatever came before, a flag ends it, and the next whole frame is decoded.
    assert decoder.feed(b"\x7e" + impl.ash.encode(*frame)) == [frame]


@EXAMPLES
@given(noise=st.binary(max_size=600), frame=hdlc_payloads, accm=accms)
def test_hdlc_resynchronises(impl: Implementation, noise: bytes, frame: bytes, accm: int) -> None:
    decoder = impl.hdlc.Decoder(accm, max_frame=256)
    decoder.feed(noise)
    assert decoder.feed(impl.hdlc.encode(frame, accm)) == [frame]


@EXAMPLES
@given(noise=st.binary(max_size=600), frames=st.lists(mt_frames, min_size=1, max_size=3))
def test_mt_resynchronises(
    impl: Implementation, noise: bytes, frames: list[tuple[int, int, bytes]]
) -> None:
    # MT has no flag: a frame started in the noise swallows at most 254 bytes after its SOF.
    # Padding frames free of 0xFE bring the decoder back to hunting at a true start of frame.
    clean = [(0x21, 0x01, bytes(200))] * 2
    decoder = impl.mt.Decoder()
    decoder.feed(noise)
    decoded = decoder.feed(impl.mt.encode_many(clean + frames))
    assert decoded[-len(frames) :] == frames

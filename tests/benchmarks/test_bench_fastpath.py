"""fastpath benchmarks: compiled vs pure twin vs the public anchors (bellows 1.2.1, binascii).

Run with ``python -m pytest tests/benchmarks --benchmark-only``; the summary at the end prints the
ratios against the performance targets.
"""

import binascii
import random
import time
from collections.abc import Callable
from typing import Any

import pytest

import fastpath
from fastpath import Implementation

PAYLOAD_SIZE = 100
MIB = 1 << 20
RNG = random.Random(0x5EED)
PAYLOAD = RNG.randbytes(PAYLOAD_SIZE)
IMPLEMENTATIONS = ("compiled", "pure")
ROUND_SECONDS = 2e-3  # aimed length of one timed round
CASE_SECONDS = 0.4  # aimed time spent measuring one case


def _impl(name: str) -> Implementation:
    return fastpath.load_implementation(name)  # type: ignore[arg-type]


def _run(
    benchmark: Any,
    case: str,
    who: str,
    func: Callable[..., Any],
    *args: Any,
    size: int | None = None,
) -> Any:
    """Benchmark ``func(*args)``: many calls per timed round, so the timer's own cost is amortised."""
    benchmark.group = case
    benchmark.extra_info.update({"case": case, "who": who})
    if size is not None:
        benchmark.extra_info["bytes"] = size
    func(*args)
    start = time.perf_counter()
    func(*args)
    once = max(time.perf_counter() - start, 1e-8)
    iterations = max(1, int(ROUND_SECONDS / once))
    rounds = max(5, min(100, int(CASE_SECONDS / (iterations * once))))
    return benchmark.pedantic(
        func, args=args, iterations=iterations, rounds=rounds, warmup_rounds=1
    )


def _capture(encode_one: Callable[[int, bytes], bytes]) -> tuple[bytes, int]:
    """Whole frames of 100 random bytes, as many as fit in 1 MiB; returns (stream, frame count)."""
    rng = random.Random(1)
    frames: list[bytes] = []
    size = 0
    while True:
        wire = encode_one(len(frames), rng.randbytes(PAYLOAD_SIZE))
        if size + len(wire) > MIB:
            return b"".join(frames), len(frames)
        frames.append(wire)
        size += len(wire)


# --- ASH -----------------------------------------------------------------------------------

ASH_CONTROL = fastpath.ash.data_control(2, 5)


@pytest.fixture(scope="module")
def bellows_ash() -> Any:
    return pytest.importorskip("bellows.ash")


@pytest.mark.parametrize("who", IMPLEMENTATIONS)
def test_ash_encode(benchmark: Any, who: str) -> None:
    encode = _impl(who).ash.encode
    wire = _run(benchmark, "ash_encode", who, encode, ASH_CONTROL, PAYLOAD)
    assert wire[-1] == 0x7E


def test_ash_encode_bellows(benchmark: Any, bellows_ash: Any) -> None:
    stuff, frame = bellows_ash.AshProtocol._stuff_bytes, bellows_ash.DataFrame

    def encode() -> bytes:
        return (
            bytes(stuff(frame(frm_num=2, re_tx=False, ack_num=5, ezsp_frame=PAYLOAD).to_bytes()))
            + b"\x7e"
        )

    assert _run(benchmark, "ash_encode", "bellows", encode) == fastpath.ash.encode(
        ASH_CONTROL, PAYLOAD
    )


@pytest.mark.parametrize("who", IMPLEMENTATIONS)
def test_ash_decode(benchmark: Any, who: str) -> None:
    ash = _impl(who).ash
    wire = ash.encode(ASH_CONTROL, PAYLOAD)
    decoder = ash.Decoder()
    assert _run(benchmark, "ash_decode", who, decoder.feed, wire) == [(ASH_CONTROL, PAYLOAD)]


def test_ash_decode_bellows(benchmark: Any, bellows_ash: Any) -> None:
    unstuff, parse = bellows_ash.AshProtocol._unstuff_bytes, bellows_ash.parse_frame
    body = fastpath.ash.encode(ASH_CONTROL, PAYLOAD)[:-1]
    frame = _run(benchmark, "ash_decode", "bellows", lambda: parse(unstuff(body)))
    assert frame.ezsp_frame == PAYLOAD


def _ash_capture() -> tuple[bytes, int]:
    return _capture(lambda i, data: fastpath.ash.encode(fastpath.ash.data_control(i % 8, 0), data))


@pytest.mark.parametrize("who", IMPLEMENTATIONS)
def test_ash_stream(benchmark: Any, who: str) -> None:
    capture, count = _ash_capture()
    decoder_type = _impl(who).ash.Decoder
    frames = _run(
        benchmark, "ash_stream", who, lambda: decoder_type().feed(capture), size=len(capture)
    )
    assert len(frames) == count


class _CountingEzsp:
    def __init__(self) -> None:
        self.frames = 0

    def data_received(self, data: bytes) -> None:
        self.frames += 1


def test_ash_stream_bellows(benchmark: Any, bellows_ash: Any) -> None:
    capture, count = _ash_capture()
    # bellows keeps at most 1 KiB buffered, so it is fed the way a serial port delivers: in chunks.
    chunks = [capture[i : i + 512] for i in range(0, len(capture), 512)]

    def decode() -> int:
        ezsp = _CountingEzsp()
        protocol = bellows_ash.AshProtocol(ezsp, suppress_acks=True)
        for chunk in chunks:
            protocol.data_received(chunk)
        return ezsp.frames

    assert _run(benchmark, "ash_stream", "bellows", decode, size=len(capture)) == count


# --- CRC -----------------------------------------------------------------------------------

FRAME_64 = RNG.randbytes(64)
BLOCK_1MIB = RNG.randbytes(MIB)


@pytest.mark.parametrize("who", IMPLEMENTATIONS)
def test_crc_64(benchmark: Any, who: str) -> None:
    crc = _impl(who).crc16_ccitt
    assert _run(benchmark, "crc_64", who, crc, FRAME_64) == binascii.crc_hqx(FRAME_64, 0xFFFF)


def test_crc_64_crc_hqx(benchmark: Any) -> None:
    crc_hqx = binascii.crc_hqx
    assert _run(benchmark, "crc_64", "crc_hqx", crc_hqx, FRAME_64, 0xFFFF) == fastpath.crc16_ccitt(
        FRAME_64
    )


@pytest.mark.parametrize("who", IMPLEMENTATIONS)
def test_crc_1mib(benchmark: Any, who: str) -> None:
    crc = _impl(who).crc16_ccitt
    result = _run(benchmark, "crc_1mib", who, crc, BLOCK_1MIB, size=MIB)
    assert result == binascii.crc_hqx(BLOCK_1MIB, 0xFFFF)


def test_crc_1mib_crc_hqx(benchmark: Any) -> None:
    crc_hqx = binascii.crc_hqx
    assert _run(
        benchmark, "crc_1mib", "crc_hqx", crc_hqx, BLOCK_1MIB, 0xFFFF, size=MIB
    ) == fastpath.crc16_ccitt(BLOCK_1MIB)


@pytest.mark.parametrize("who", IMPLEMENTATIONS)
def test_x25_1mib(benchmark: Any, who: str) -> None:
    crc = _impl(who).crc16_x25
    assert _run(benchmark, "x25_1mib", who, crc, BLOCK_1MIB, size=MIB) == fastpath.crc16_x25(
        BLOCK_1MIB
    )


# --- HDLC and MT ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", IMPLEMENTATIONS)
def test_hdlc_encode(benchmark: Any, who: str) -> None:
    encode = _impl(who).hdlc.encode
    assert _run(benchmark, "hdlc_encode", who, encode, PAYLOAD) == fastpath.hdlc.encode(PAYLOAD)


@pytest.mark.parametrize("who", IMPLEMENTATIONS)
def test_hdlc_decode(benchmark: Any, who: str) -> None:
    hdlc = _impl(who).hdlc
    wire = hdlc.encode(PAYLOAD)
    decoder = hdlc.Decoder()
    assert _run(benchmark, "hdlc_decode", who, decoder.feed, wire) == [PAYLOAD]


@pytest.mark.parametrize("who", IMPLEMENTATIONS)
def test_hdlc_stream(benchmark: Any, who: str) -> None:
    capture, count = _capture(lambda i, data: fastpath.hdlc.encode(data))
    decoder_type = _impl(who).hdlc.Decoder
    frames = _run(
        benchmark, "hdlc_stream", who, lambda: decoder_type().feed(capture), size=len(capture)
    )
    assert len(frames) == count


@pytest.mark.parametrize("who", IMPLEMENTATIONS)
def test_mt_encode(benchmark: Any, who: str) -> None:
    encode = _impl(who).mt.encode
    assert _run(benchmark, "mt_encode", who, encode, 0x24, 0x01, PAYLOAD)[0] == 0xFE


@pytest.mark.parametrize("who", IMPLEMENTATIONS)
def test_mt_decode(benchmark: Any, who: str) -> None:
    mt = _impl(who).mt
    wire = mt.encode(0x24, 0x01, PAYLOAD)
    decoder = mt.Decoder()
    assert _run(benchmark, "mt_decode", who, decoder.feed, wire) == [(0x24, 0x01, PAYLOAD)]


@pytest.mark.parametrize("who", IMPLEMENTATIONS)
def test_mt_stream(benchmark: Any, who: str) -> None:
    capture, count = _capture(lambda i, data: fastpath.mt.encode(0x44, 0x81, data))
    decoder_type = _impl(who).mt.Decoder
    frames = _run(
        benchmark, "mt_stream", who, lambda: decoder_type().feed(capture), size=len(capture)
    )
    assert len(frames) == count

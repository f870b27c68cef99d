"""The shared half of the radio libraries' receive-path benchmarks (``test_bench_*_rx``).

Each benchmark times one library's stock protocol class against the same class with its fastpath
codec in place, over 1 MiB of frames fed in 512-byte chunks as a serial port delivers them.
"""

import random
import time
from collections.abc import Callable
from typing import Any

MIB = 1 << 20
CHUNK = 512


def capture(encode: Callable[[int, bytes], bytes]) -> tuple[list[bytes], int]:
    """Frames with 100 random bytes each, ``encode(index, data)``, up to 1 MiB, in chunks."""
    rng = random.Random(7)
    frames: list[bytes] = []
    size = 0
    while True:
        wire = encode(len(frames), rng.randbytes(100))
        if size + len(wire) > MIB:
            stream = b"".join(frames)
            return [stream[i : i + CHUNK] for i in range(0, len(stream), CHUNK)], len(frames)
        frames.append(wire)
        size += len(wire)


class FrameCounter:
    """The layer above the protocol, counting the frames handed up to it."""

    def __init__(self) -> None:
        self.frames = 0

    def data_received(self, data: bytes) -> None:  # as bellows' EZSP layer
        self.frames += 1

    def frame_received(self, frame: Any) -> None:  # as zigpy-znp's API
        self.frames += 1


def bench_receive(
    benchmark: Any,
    case: str,
    who: str,
    encode: Callable[[int, bytes], bytes],
    protocol: Callable[[FrameCounter], Any],
) -> None:
    """Time feeding the capture through ``protocol(counter).data_received``, every frame up."""
    chunks, count = capture(encode)

    def receive() -> int:
        upper = FrameCounter()
        receiver = protocol(upper)
        for chunk in chunks:
            receiver.data_received(chunk)
        return upper.frames

    benchmark.group = case
    benchmark.extra_info.update({"case": case, "who": who, "bytes": MIB})
    start = time.perf_counter()
    assert receive() == count
    rounds = max(3, min(20, int(2.0 / max(time.perf_counter() - start, 1e-6))))
    assert benchmark.pedantic(receive, rounds=rounds, warmup_rounds=1) == count

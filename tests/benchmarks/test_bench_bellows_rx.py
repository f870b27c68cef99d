"""bellows' ASH receive path, stock vs with fastpath.ash in place (``rigs.zigbee.bellows_fastpath``).

1 MiB of in-sequence 100-byte DATA frames, fed in 512-byte chunks as a serial port delivers them,
through ``AshProtocol.data_received`` up to the EZSP layer (acknowledgements suppressed, so only
the receive path is timed). Run with ``python -m pytest tests/benchmarks --benchmark-only -k
bellows_rx``; the summary prints the ratio against the target (>= 20x).
"""

import random
import time
from typing import Any

import bellows.ash as bellows_ash
import pytest

from fastpath import ash
from rigs.zigbee import bellows_fastpath

MIB = 1 << 20
CHUNK = 512


def _capture() -> tuple[list[bytes], int]:
    rng = random.Random(7)
    frames: list[bytes] = []
    size = 0
    while True:
        wire = ash.encode(ash.data_control(len(frames) % 8, 0), rng.randbytes(100))
        if size + len(wire) > MIB:
            stream = b"".join(frames)
            return [stream[i : i + CHUNK] for i in range(0, len(stream), CHUNK)], len(frames)
        frames.append(wire)
        size += len(wire)


class _Ezsp:
    def __init__(self) -> None:
        self.frames = 0

    def data_received(self, data: bytes) -> None:
        self.frames += 1


PROTOCOLS = {
    "stock": lambda: bellows_ash.AshProtocol,
    "fastpath": bellows_fastpath._fast_protocol_class,
}


@pytest.mark.parametrize("who", sorted(PROTOCOLS))
def test_bellows_rx(benchmark: Any, who: str) -> None:
    chunks, count = _capture()
    protocol_class = PROTOCOLS[who]()

    def receive() -> int:
        ezsp = _Ezsp()
        protocol = protocol_class(ezsp, suppress_acks=True)
        for chunk in chunks:
            protocol.data_received(chunk)
        return ezsp.frames

    benchmark.group = "bellows_rx"
    benchmark.extra_info.update({"case": "bellows_rx", "who": who, "bytes": MIB})
    start = time.perf_counter()
    assert receive() == count
    rounds = max(3, min(20, int(2.0 / max(time.perf_counter() - start, 1e-6))))
    assert benchmark.pedantic(receive, rounds=rounds, warmup_rounds=1) == count

"""zigpy-znp's MT receive path, stock vs with fastpath.mt in place (``rigs.zigbee.znp_fastpath``).

1 MiB of MT frames with 100 bytes of data each (AF_INCOMING_MSG-sized), fed in 512-byte chunks as
a serial port delivers them, through ``ZnpMtProtocol.data_received`` up to zigpy-znp's API
(``frame_received``, here a counter: only the receive path is timed). Run with
``python -m pytest tests/benchmarks --benchmark-only -k znp_rx``; the summary prints the ratio.
"""

import random
import time
from typing import Any

import pytest
import zigpy_znp.uart as znp_uart

from fastpath import mt
from rigs.zigbee import znp_fastpath

MIB = 1 << 20
CHUNK = 512


def _capture() -> tuple[list[bytes], int]:
    rng = random.Random(7)
    frames: list[bytes] = []
    size = 0
    while True:
        wire = mt.encode(0x44, 0x81, rng.randbytes(100))
        if size + len(wire) > MIB:
            stream = b"".join(frames)
            return [stream[i : i + CHUNK] for i in range(0, len(stream), CHUNK)], len(frames)
        frames.append(wire)
        size += len(wire)


class _Api:
    def __init__(self) -> None:
        self.frames = 0

    def frame_received(self, frame: Any) -> None:
        self.frames += 1


PROTOCOLS = {
    "stock": lambda: znp_uart.ZnpMtProtocol,
    "fastpath": znp_fastpath._fast_protocol_class,
}


@pytest.mark.parametrize("who", sorted(PROTOCOLS))
def test_znp_rx(benchmark: Any, who: str) -> None:
    chunks, count = _capture()
    protocol_class = PROTOCOLS[who]()

    def receive() -> int:
        api = _Api()
        protocol = protocol_class(api, url="benchmark")
        for chunk in chunks:
            protocol.data_received(chunk)
        return api.frames

    benchmark.group = "znp_rx"
    benchmark.extra_info.update({"case": "znp_rx", "who": who, "bytes": MIB})
    start = time.perf_counter()
    assert receive() == count
    rounds = max(3, min(20, int(2.0 / max(time.perf_counter() - start, 1e-6))))
    assert benchmark.pedantic(receive, rounds=rounds, warmup_rounds=1) == count

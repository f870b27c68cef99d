"""bellows' ASH receive path, stock vs with fastpath.ash in place (``rigs.zigbee.bellows_fastpath``).

1 MiB of in-sequence 100-byte DATA frames, fed in 512-byte chunks as a serial port delivers them,
through ``AshProtocol.data_received`` up to the EZSP layer (acknowledgements suppressed, so only
the receive path is timed). Run with ``python -m pytest tests/benchmarks --benchmark-only -k
bellows_rx``; the summary prints the ratio against the target (>= 20x).
"""

from typing import Any

import bellows.ash as bellows_ash
import pytest
from rx_bench import bench_receive

from fastpath import ash
from rigs.zigbee import bellows_fastpath

PROTOCOLS = {
    "stock": lambda: bellows_ash.AshProtocol,
    "fastpath": bellows_fastpath._fast_protocol_class,
}


@pytest.mark.parametrize("who", sorted(PROTOCOLS))
def test_bellows_rx(benchmark: Any, who: str) -> None:
    protocol_class = PROTOCOLS[who]()
    bench_receive(
        benchmark,
        "bellows_rx",
        who,
        lambda index, data: ash.encode(ash.data_control(index % 8, 0), data),
        lambda upper: protocol_class(upper, suppress_acks=True),
    )

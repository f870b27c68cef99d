"""zigpy-znp's MT receive path, stock vs with fastpath.mt in place (``rigs.zigbee.znp_fastpath``).

1 MiB of MT frames with 100 bytes of data each (AF_INCOMING_MSG-sized), fed in 512-byte chunks as
a serial port delivers them, through ``ZnpMtProtocol.data_received`` up to zigpy-znp's API
(``frame_received``, here a counter: only the receive path is timed). Run with
``python -m pytest tests/benchmarks --benchmark-only -k znp_rx``; the summary prints the ratio.
"""

from typing import Any

import pytest
import zigpy_znp.uart as znp_uart
from rx_bench import bench_receive

from fastpath import mt
from rigs.zigbee import znp_fastpath

PROTOCOLS = {
    "stock": lambda: znp_uart.ZnpMtProtocol,
    "fastpath": znp_fastpath._fast_protocol_class,
}


@pytest.mark.parametrize("who", sorted(PROTOCOLS))
def test_znp_rx(benchmark: Any, who: str) -> None:
    protocol_class = PROTOCOLS[who]()
    bench_receive(
        benchmark,
        "znp_rx",
        who,
        lambda index, data: mt.encode(0x44, 0x81, data),
        lambda upper: protocol_class(upper, url="benchmark"),
    )

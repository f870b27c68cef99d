"""ZigBee OTA throughput through the full path: zigpy, the emulated radio link on a pty, the
emulator process and an emulated ESME. 256 KiB image, 64-byte blocks, no link pacing.

Target (DESIGN.md section 3): >= 3 MB/min. Skipped by default (``--benchmark-skip``); run with
``pytest -o addopts="" tests/benchmarks/test_ota_bench.py`` (the figures are printed).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import statistics
import time
from collections.abc import Iterator
from typing import Any

import pytest
from emulated_device_images import image_for

import fastpath
from rigs.operations import DeviceRole, TransferStatus
from rigs.zigbee import EmbeddedRig, embedded_rig

IMAGE_SIZE = 256 * 1024
TARGET_BYTES_PER_MIN = 3_000_000


@pytest.fixture(scope="module")
def rig_loop() -> Iterator[tuple[asyncio.AbstractEventLoop, EmbeddedRig]]:
    loop = asyncio.new_event_loop()
    stack = contextlib.AsyncExitStack()
    try:
        er = loop.run_until_complete(
            stack.enter_async_context(
                embedded_rig(["--ppmids", "0", "--gsmes", "0"], block_size=64)
            )
        )
        yield loop, er
    finally:
        loop.run_until_complete(stack.aclose())
        loop.close()


def test_zigbee_ota_256k(
    benchmark: Any,
    rig_loop: tuple[asyncio.AbstractEventLoop, EmbeddedRig],
    capsys: pytest.CaptureFixture[str],
) -> None:
    loop, er = rig_loop
    esme = er.by_role(DeviceRole.ESME)[0]
    versions = iter(range(0x02000000, 0x03000000))
    intervals: list[float] = []
    rates: list[float] = []
    blocks: list[int] = []

    def one_transfer() -> None:
        image = image_for(DeviceRole.ESME, IMAGE_SIZE, version=next(versions))
        stamps: list[float] = []
        result = loop.run_until_complete(
            er.rig.distribute_image(
                esme,
                image,
                progress=lambda done, total: stamps.append(time.perf_counter()),
                timeout=300,
            )
        )
        assert result.status is TransferStatus.OK, result.reason
        intervals.extend(b - a for a, b in itertools.pairwise(stamps))
        rates.append(result.bytes_per_minute)
        blocks.append(result.blocks)

    benchmark.extra_info.update(
        {"ota_case": "zigbee_ota_256k_64B", "fastpath": fastpath.IMPLEMENTATION}
    )
    benchmark.pedantic(one_transfer, rounds=3, iterations=1, warmup_rounds=0)
    mean_seconds = benchmark.stats.stats.mean
    bytes_per_min = IMAGE_SIZE * 60 / mean_seconds
    quantiles = statistics.quantiles(intervals, n=100)
    figures = {
        "bytes_per_min": round(bytes_per_min),
        "blocks_per_s": round(statistics.mean(blocks) / mean_seconds, 1),
        "block_latency_p50_ms": round(quantiles[49] * 1e3, 3),
        "block_latency_p95_ms": round(quantiles[94] * 1e3, 3),
    }
    benchmark.extra_info.update(figures)
    with capsys.disabled():
        verdict = "met" if bytes_per_min >= TARGET_BYTES_PER_MIN else "MISSED"
        print(
            f"\nZigBee OTA 256 KiB / 64 B blocks ({fastpath.IMPLEMENTATION}): "
            f"{bytes_per_min / 1e6:.2f} MB/min (target >= 3 MB/min: {verdict}), "
            f"{figures['blocks_per_s']} blocks/s, per-block p50 {figures['block_latency_p50_ms']} ms, "
            f"p95 {figures['block_latency_p95_ms']} ms"
        )

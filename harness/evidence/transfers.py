"""A transfer's figures as evidence: throughput, per-block latency percentiles, the target.

One entry of a record's ``transfers`` list. Throughput is in MB/min (1 MB = 1,000,000 bytes);
a serial transfer over a line of known rate also gives its percentage of that rate. The target of
the transfer's kind and device role (:mod:`harness.targets`) is carried with it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from harness.targets import SERIAL, Target


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile of ``values`` (None for none)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


#: upper bounds (ms) of the block latency histogram's buckets; the last bucket is unbounded
HISTOGRAM_BOUNDS_MS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)


def latency_histogram(intervals_s: Sequence[float]) -> list[list[float | None]]:
    """``[[upper_ms, count], ...]`` over :data:`HISTOGRAM_BOUNDS_MS` and an unbounded last bucket
    (``upper_ms`` None); empty buckets at either end are left out."""
    counts = [0] * (len(HISTOGRAM_BOUNDS_MS) + 1)
    for seconds in intervals_s:
        ms = seconds * 1e3
        index = next((i for i, b in enumerate(HISTOGRAM_BOUNDS_MS) if ms <= b), -1)
        counts[index] += 1
    bounds: list[float | None] = [float(b) for b in HISTOGRAM_BOUNDS_MS] + [None]
    used = [i for i, c in enumerate(counts) if c]
    if not used:
        return []
    return [[bounds[i], counts[i]] for i in range(used[0], used[-1] + 1)]


def transfer_entry(
    *,
    kind: str,
    device: str,
    role: str,
    firmware: str | None,
    bytes_sent: int,
    blocks: int,
    seconds: float,
    block_intervals_s: Sequence[float] = (),
    line_rate_bytes_per_s: float | None = None,
    target: Target | None = None,
) -> dict[str, Any]:
    """The record entry of one transfer (JSON-ready)."""
    mb_per_min = bytes_sent * 60.0 / seconds / 1e6 if seconds > 0 else 0.0
    percent = None
    if line_rate_bytes_per_s and seconds > 0:
        percent = 100.0 * bytes_sent / seconds / line_rate_bytes_per_s
    value = percent if kind == SERIAL else mb_per_min

    def ms(fraction: float) -> float | None:
        found = percentile(block_intervals_s, fraction)
        return None if found is None else round(found * 1e3, 3)

    return {
        "kind": kind,
        "device": device,
        "role": role,
        "firmware": firmware,
        "bytes": bytes_sent,
        "blocks": blocks,
        "seconds": round(seconds, 4),
        "mb_per_min": round(mb_per_min, 4),
        "percent_of_line_rate": None if percent is None else round(percent, 2),
        "block_p50_ms": ms(0.50),
        "block_p95_ms": ms(0.95),
        "block_p99_ms": ms(0.99),
        "block_latency_ms_histogram": latency_histogram(block_intervals_s),
        "target": target.value if target else None,
        "target_units": target.units if target else None,
        "target_source": target.source if target else None,
        "target_met": None if target is None or value is None else target.met_by(value),
    }

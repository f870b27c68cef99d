"""Per-block timing of image transfers: a thin wrapper round a rig's operations that notes when
each block's progress report arrives, so a scenario can record block latency percentiles."""

from __future__ import annotations

import itertools
import time
from typing import Any

from rigs.capabilities import Firmware
from rigs.operations import TransferResult


class BlockTimer:
    """Delegates every operation to ``ops``; :meth:`distribute_image` also keeps the intervals
    between consecutive block progress reports, per device (the last transfer's)."""

    def __init__(self, ops: Firmware) -> None:
        self._ops = ops
        self.intervals: dict[str, list[float]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ops, name)

    async def distribute_image(
        self, ieee: str, image: bytes, *, progress: Any = None, timeout: float = 600.0
    ) -> TransferResult:
        stamps: list[float] = []

        def on_progress(done: int, total: int) -> None:
            stamps.append(time.perf_counter())
            if progress is not None:
                progress(done, total)

        try:
            return await self._ops.distribute_image(
                ieee, image, progress=on_progress, timeout=timeout
            )
        finally:
            self.intervals[ieee] = [b - a for a, b in itertools.pairwise(stamps)]

"""Impaired links: real serial timing, latency, byte loss and bit corruption, each a setting.

:class:`Impairment` is the setting (from a device file or the command line, see
:meth:`Impairment.parse`); :class:`ImpairedLink` applies it to both directions of any
:class:`~rigs.link.Link`; :func:`relay` puts an impairment between two links.

Pacing is real time: at ``baud`` a byte takes ``bits_per_byte / baud`` seconds on the line
(10 bits: start, 8 data, stop), so a 115200-baud port moves 11.52 kB/s. Each direction has its
own line; a chunk is delivered when its last byte would have arrived, plus ``latency_s``. A lost
byte still took its time on the line; a corrupted byte has one bit flipped.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields

from rigs.link import Link, LinkClosed
from rigs.link.base import BufferedLink

_SLICE_S = 0.002  # deliver paced data in slices of this much line time
_TX_BUFFER = 4096  # bytes a writer may queue before ``write`` waits (a UART FIFO and driver buffer)


@dataclass(frozen=True)
class Impairment:
    baud: int | None = None
    latency_s: float = 0.0
    loss: float = 0.0
    corrupt: float = 0.0
    seed: int | None = None
    bits_per_byte: int = 10

    def __post_init__(self) -> None:
        if self.baud is not None and self.baud <= 0:
            raise ValueError("baud must be positive")
        if self.latency_s < 0:
            raise ValueError("latency_s must not be negative")
        for name in ("loss", "corrupt"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"{name} must be a probability in [0, 1)")
        if self.bits_per_byte <= 0:
            raise ValueError("bits_per_byte must be positive")

    @property
    def is_clear(self) -> bool:
        return self.baud is None and self.latency_s == 0 and self.loss == 0 and self.corrupt == 0

    @property
    def bytes_per_second(self) -> float | None:
        return None if self.baud is None else self.baud / self.bits_per_byte

    @classmethod
    def parse(cls, text: str) -> Impairment:
        """``"baud=115200,latency=0.02,loss=0.01,corrupt=0.001,seed=7"`` (any subset, any order)."""
        aliases = {"latency": "latency_s", "bits": "bits_per_byte"}
        known = {f.name for f in fields(cls)}
        values: dict[str, object] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, sep, raw = part.partition("=")
            key = aliases.get(key.strip(), key.strip())
            if not sep or key not in known:
                raise ValueError(
                    f"unknown impairment setting {part!r} (use {', '.join(sorted(known))})"
                )
            try:
                values[key] = int(raw) if key in ("baud", "seed", "bits_per_byte") else float(raw)
            except ValueError:
                raise ValueError(f"impairment setting {key} needs a number, not {raw!r}") from None
        return cls(**values)  # type: ignore[arg-type]


class _Line:
    """One direction: paces, delays, drops and corrupts bytes on their way to ``sink``."""

    def __init__(
        self, impairment: Impairment, rng: random.Random, sink: Callable[[bytes], Awaitable[None]]
    ) -> None:
        self.impairment = impairment
        self._rng = rng
        self._sink = sink
        self._queue: collections.deque[tuple[float, bytes, int]] = collections.deque()
        self._queued = 0
        self._wake = asyncio.Event()
        self._drained = asyncio.Event()
        self._drained.set()
        self._free_at = 0.0
        self._until_loss = self._gap(impairment.loss)
        self._until_corrupt = self._gap(impairment.corrupt)
        self.error: BaseException | None = None
        self.lost = 0
        self.corrupted = 0
        rate = impairment.bytes_per_second
        self._slice = max(1, int(rate * _SLICE_S)) if rate else 1 << 16
        self._task = asyncio.get_running_loop().create_task(self._pump())

    def _gap(self, p: float) -> int:
        """Bytes until the next event of probability ``p`` per byte (geometric)."""
        if p <= 0:
            return -1
        return int(math.log(1.0 - self._rng.random()) / math.log(1.0 - p))

    def _damage(self, data: bytes) -> bytes:
        if self._until_loss < 0 and self._until_corrupt < 0:
            return data
        out = bytearray(data)
        if self._until_corrupt >= 0:
            i = self._until_corrupt
            while i < len(out):
                out[i] ^= 1 << self._rng.randrange(8)
                self.corrupted += 1
                i += 1 + self._gap(self.impairment.corrupt)
            self._until_corrupt = i - len(out)
        if self._until_loss >= 0:
            keep = bytearray()
            start = 0
            i = self._until_loss
            while i < len(out):
                keep += out[start:i]
                self.lost += 1
                start = i + 1
                i = start + self._gap(self.impairment.loss)
            keep += out[start:]
            self._until_loss = i - len(out)
            out = keep
        return bytes(out)

    def push(self, data: bytes) -> None:
        now = time.monotonic()
        rate = self.impairment.bytes_per_second
        for start in range(0, len(data), self._slice):
            piece = data[start : start + self._slice]
            if rate:
                begin = max(now, self._free_at)
                self._free_at = begin + len(piece) / rate
                due = self._free_at + self.impairment.latency_s
            else:
                due = now + self.impairment.latency_s
            self._queue.append((due, self._damage(piece), len(piece)))
            self._queued += len(piece)
        self._drained.clear()
        self._wake.set()

    async def wait_below(self, limit: int) -> None:
        while self._queued > limit and self.error is None:
            self._drained.clear()
            await self._drained.wait()

    async def _pump(self) -> None:
        try:
            while True:
                if not self._queue:
                    self._wake.clear()
                    self._drained.set()
                    await self._wake.wait()
                    continue
                due = self._queue[0][0]
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                now = time.monotonic()
                ready = bytearray()
                while self._queue and self._queue[0][0] <= now:
                    _, piece, length = self._queue.popleft()
                    ready += piece
                    self._queued -= length
                if self._queued <= _TX_BUFFER // 2:
                    self._drained.set()
                if ready:
                    await self._sink(bytes(ready))
        except LinkClosed as exc:
            self.error = exc
            self._drained.set()

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task


class ImpairedLink(BufferedLink):
    """``inner`` as seen through an impaired line, in both directions."""

    def __init__(self, inner: Link, impairment: Impairment) -> None:
        super().__init__(inner.url, trace=None)
        self.inner = inner
        self.impairment = impairment
        seed = random.Random(impairment.seed)
        self.tx = _Line(impairment, random.Random(seed.random()), inner.write)
        self.rx = _Line(impairment, random.Random(seed.random()), self._deliver)
        self._reader = asyncio.get_running_loop().create_task(self._read_inner())

    async def _deliver(self, data: bytes) -> None:
        self._feed(data)

    async def _read_inner(self) -> None:
        try:
            while True:
                self.rx.push(await self.inner.read())
        except LinkClosed as exc:
            await self.rx.wait_below(0)
            self._feed_eof(str(exc).removeprefix(f"{self.url}: "))

    async def write(self, data: bytes) -> None:
        if self.closed:
            raise LinkClosed(f"{self.url}: {self._end or 'link closed'}")
        if self.tx.error is not None:
            raise LinkClosed(str(self.tx.error))
        self.tx.push(bytes(data))
        self.stats.bytes_out += len(data)
        await self.tx.wait_below(_TX_BUFFER)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._wake_readers()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader
        await self.tx.close()
        await self.rx.close()
        await self.inner.close()


async def relay(a: Link, b: Link, impairment: Impairment) -> None:
    """Copy bytes both ways between ``a`` and ``b`` through an impaired line, until either closes."""
    line = ImpairedLink(b, impairment)

    async def _copy(src: Link, dst: Link) -> None:
        while True:
            await dst.write(await src.read())

    tasks = [asyncio.create_task(_copy(a, line)), asyncio.create_task(_copy(line, a))]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            exc = task.exception()
            if exc is not None and not isinstance(exc, LinkClosed):
                raise exc
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await line.close()

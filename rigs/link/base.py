"""The :class:`Link` interface (an async byte stream) and the errors links raise."""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Self

from rigs.operations import RigError
from rigs.trace import TraceWriter

# why a link ended, in the words every kind of link uses
PORT_GONE = "port gone (the device or the other end of the pty went away)"
PEER_CLOSED = "connection closed by the other end"


class LinkClosed(RigError):
    """The link is closed: the far end went away, the port disappeared, or we closed it."""


class LinkOpenError(RigError):
    """A link could not be opened; the message is one line, e.g. ``cannot open /dev/ttyUSB9: no such port``."""


@dataclass
class LinkStats:
    bytes_in: int = 0
    bytes_out: int = 0
    reads: int = 0
    writes: int = 0


class Link(abc.ABC):
    """An async byte stream, whatever is underneath (a serial port, a pty, TCP, RFC 2217, a loop).

    ``read`` waits for at least one byte and returns what is there (up to ``max_bytes``);
    ``write`` returns once the bytes are handed to the transport. Both raise :class:`LinkClosed`
    once the link is gone. A ``trace`` records raw chunks in both directions (see
    :mod:`rigs.trace`).
    """

    url: str
    trace: TraceWriter | None

    def __init__(self, url: str, *, trace: TraceWriter | None = None) -> None:
        self.url = url
        self.trace = trace
        self.stats = LinkStats()

    @abc.abstractmethod
    async def read(self, max_bytes: int = 65536) -> bytes: ...

    @abc.abstractmethod
    async def write(self, data: bytes) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...

    @property
    @abc.abstractmethod
    def closed(self) -> bool: ...

    def write_nowait(self, data: bytes) -> int:
        """Write what the transport takes at once, without waiting; the number of bytes taken.

        0 when the link cannot write without waiting (the default). A caller sends the rest with
        :meth:`write`, after anything it already queued there.
        """
        return 0

    def set_receiver(
        self, on_data: Callable[[bytes], None], on_end: Callable[[LinkClosed], None]
    ) -> bool:
        """Hand received bytes to ``on_data`` as they arrive, instead of to :meth:`read`.

        For protocol decoders on the hot path: no task switch per chunk. ``on_end`` is called once
        when the link ends. False if this link only supports :meth:`read` (the default).
        """
        return False

    async def read_exactly(self, count: int, *, timeout: float) -> bytes:
        """Read exactly ``count`` bytes or raise :class:`asyncio.TimeoutError`."""
        out = bytearray()

        async def _fill() -> None:
            while len(out) < count:
                out.extend(await self.read(count - len(out)))

        await asyncio.wait_for(_fill(), timeout)
        return bytes(out)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<{type(self).__name__} {self.url} {state}>"

    def _traced_in(self, data: bytes) -> None:
        self.stats.bytes_in += len(data)
        self.stats.reads += 1
        if self.trace is not None:
            self.trace.record_raw("rx", data)

    def _traced_out(self, data: bytes) -> None:
        self.stats.bytes_out += len(data)
        self.stats.writes += 1
        if self.trace is not None:
            self.trace.record_raw("tx", data)


class BufferedLink(Link):
    """A link whose transport pushes received bytes in (``_feed``) and reports the end (``_feed_eof``)."""

    #: stop taking bytes from the transport above this many unread bytes
    high_water = 1 << 20

    def __init__(self, url: str, *, trace: TraceWriter | None = None) -> None:
        super().__init__(url, trace=trace)
        self._buffer = bytearray()
        self._readable = asyncio.Event()
        self._end: str | None = None
        self._closed = False
        self._on_data: Callable[[bytes], None] | None = None
        self._on_end: Callable[[LinkClosed], None] | None = None

    @property
    def closed(self) -> bool:
        return self._closed or self._end is not None

    def _feed(self, data: bytes) -> None:
        if self._closed:
            return
        stats = self.stats  # _traced_in, inlined (every read)
        stats.bytes_in += len(data)
        stats.reads += 1
        if self.trace is not None:
            self.trace.record_raw("rx", data)
        if self._on_data is not None:
            self._on_data(data)
            return
        self._buffer.extend(data)
        self._readable.set()

    def _feed_eof(self, reason: str) -> None:
        if self._end is None:
            self._end = reason
            if self.trace is not None:
                self.trace.note(f"link ended: {reason}")
            if self._on_end is not None:
                self._on_end(LinkClosed(f"{self.url}: {reason}"))
        self._readable.set()

    def set_receiver(
        self, on_data: Callable[[bytes], None], on_end: Callable[[LinkClosed], None]
    ) -> bool:
        self._on_data = on_data
        self._on_end = on_end
        if self._buffer:
            data = bytes(self._buffer)
            self._buffer.clear()
            on_data(data)
        if self._end is not None:
            on_end(LinkClosed(f"{self.url}: {self._end}"))
        self._resume_reading()
        return True

    def _paused_reading(self) -> bool:
        return len(self._buffer) >= self.high_water

    def _resume_reading(self) -> None:
        """Called after a read empties the buffer below the high-water mark."""

    async def read(self, max_bytes: int = 65536) -> bytes:
        while not self._buffer:
            if self._closed:
                raise LinkClosed(f"{self.url}: link closed")
            if self._end is not None:
                raise LinkClosed(f"{self.url}: {self._end}")
            self._readable.clear()
            await self._readable.wait()
        if len(self._buffer) <= max_bytes:
            data = bytes(self._buffer)
            self._buffer.clear()
        else:
            data = bytes(self._buffer[:max_bytes])
            del self._buffer[:max_bytes]
        self._resume_reading()
        return data

    def _wake_readers(self) -> None:
        self._readable.set()

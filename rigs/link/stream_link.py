"""A link over an asyncio stream pair: the server side of a TCP connection."""

from __future__ import annotations

import asyncio

from rigs.link.base import PEER_CLOSED, Link, LinkClosed
from rigs.trace import TraceWriter


class StreamLink(Link):
    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        url: str,
        trace: TraceWriter | None = None,
    ) -> None:
        super().__init__(url, trace=trace)
        self._reader = reader
        self._writer = writer
        self._closed = False
        self._end: str | None = None

    @property
    def closed(self) -> bool:
        return self._closed or self._end is not None

    async def read(self, max_bytes: int = 65536) -> bytes:
        if self._closed:
            raise LinkClosed(f"{self.url}: link closed")
        try:
            data = await self._reader.read(max_bytes)
        except (ConnectionError, OSError) as exc:
            self._end = f"connection lost ({exc})"
            raise LinkClosed(f"{self.url}: {self._end}") from None
        if not data:
            self._end = PEER_CLOSED
            raise LinkClosed(f"{self.url}: {self._end}")
        self._traced_in(data)
        return data

    async def write(self, data: bytes) -> None:
        if self.closed or self._writer.is_closing():
            raise LinkClosed(f"{self.url}: {self._end or 'link closed'}")
        try:
            self._writer.write(data)
            await self._writer.drain()
        except (ConnectionError, OSError) as exc:
            self._end = f"connection lost ({exc})"
            raise LinkClosed(f"{self.url}: {self._end}") from None
        self._traced_out(bytes(data))

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._writer.close()
        try:
            await asyncio.wait_for(self._writer.wait_closed(), 2.0)
        except (TimeoutError, ConnectionError, OSError):
            pass
        if self.trace is not None:
            self.trace.flush()


def link_from_streams(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    *,
    url: str,
    trace: TraceWriter | None = None,
) -> Link:
    """Wrap an accepted TCP connection (``asyncio.start_server``) as a :class:`Link`."""
    return StreamLink(reader, writer, url=url, trace=trace)

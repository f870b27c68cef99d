"""Links over pyserial objects that have no usable descriptor (``rfc2217://``, ``loop://``).

pyserial's RFC 2217 client keeps its own socket reader thread and hands data out through a queue;
one reader thread per link blocks on ``serial.read`` and passes chunks to the event loop. Writes go
through a single-worker executor, so they stay in order.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any

import serial

from rigs.link.base import BufferedLink, LinkClosed
from rigs.trace import TraceWriter

_POLL_S = 0.05


class ThreadedSerialLink(BufferedLink):
    def __init__(self, url: str, port: Any, *, trace: TraceWriter | None = None) -> None:
        super().__init__(url, trace=trace)
        self._port = port
        self._loop = asyncio.get_running_loop()
        self._stop = threading.Event()
        self._writer = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"link-write {url}"
        )
        port.timeout = _POLL_S
        port.write_timeout = None
        self._thread = threading.Thread(
            target=self._read_loop, name=f"link-read {url}", daemon=True
        )
        self._thread.start()

    def _deliver(self, method: Any, *args: Any) -> bool:
        try:
            self._loop.call_soon_threadsafe(method, *args)
        except RuntimeError:  # event loop closed
            return False
        return True

    def _read_loop(self) -> None:
        while not self._stop.is_set():
            try:
                waiting = self._port.in_waiting
                data = self._port.read(min(waiting, 65536) if waiting else 1)
                if data:
                    more = self._port.in_waiting
                    if more:
                        data += self._port.read(min(more, 65536))
            except (serial.SerialException, OSError, TypeError, AttributeError) as exc:
                if not self._stop.is_set():
                    self._deliver(self._feed_eof, f"port gone ({exc})")
                return
            if data and not self._deliver(self._feed, data):
                return

    async def write(self, data: bytes) -> None:
        if not data:
            return
        if self.closed:
            raise LinkClosed(f"{self.url}: {self._end or 'link closed'}")
        try:
            await self._loop.run_in_executor(self._writer, self._port.write, bytes(data))
        except (serial.SerialException, OSError) as exc:
            reason = f"write failed ({exc})"
            self._feed_eof(reason)
            raise LinkClosed(f"{self.url}: {reason}") from None
        self._traced_out(bytes(data))

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        self._wake_readers()

        def _shutdown() -> None:
            self._thread.join(2 * _POLL_S + 1.0)
            try:
                self._port.close()
            except (serial.SerialException, OSError):
                pass

        await self._loop.run_in_executor(self._writer, _shutdown)
        self._writer.shutdown(wait=False)
        if self.trace is not None:
            self.trace.flush()

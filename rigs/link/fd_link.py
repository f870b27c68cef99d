"""Links over a non-blocking file descriptor: serial ports, pty ends and TCP sockets.

The event loop watches the descriptor (``add_reader``/``add_writer``) and the link reads and
writes it with ``os.read``/``os.write``: no thread, no polling, no copy beyond the receive buffer.
"""

from __future__ import annotations

import asyncio
import errno
import os
import termios
from collections.abc import Callable

from rigs.link.base import PEER_CLOSED, PORT_GONE, BufferedLink, LinkClosed
from rigs.trace import TraceWriter

_MAX_EMPTY_READS = 1000  # consecutive 0-byte reads from a live terminal before it counts as gone


def _describe_os_error(exc: OSError) -> str:
    if exc.errno in (errno.EIO, errno.ENXIO, errno.ENODEV):
        return PORT_GONE
    if exc.errno in (errno.EPIPE, errno.ECONNRESET):
        return PEER_CLOSED
    return exc.strerror or str(exc)


class FdLink(BufferedLink):
    """A link over a non-blocking descriptor; ``on_close`` releases what owns it."""

    def __init__(
        self,
        url: str,
        fd: int,
        *,
        on_close: Callable[[], None],
        trace: TraceWriter | None = None,
        read_size: int = 65536,
        eof_reason: str = "end of stream (the other end closed)",
    ) -> None:
        super().__init__(url, trace=trace)
        self._fd = fd
        self._on_close = on_close
        self._read_size = read_size
        self._eof_reason = eof_reason
        self._loop = asyncio.get_running_loop()
        self._write_lock = asyncio.Lock()
        self._write_held = False  # write() holds the lock
        self._reading = False
        self._tty = os.isatty(fd)
        self._empty_reads = 0
        os.set_blocking(fd, False)
        self._start_reading()

    def fileno(self) -> int:
        return self._fd

    def _start_reading(self) -> None:
        if not self._reading and not self.closed:
            self._loop.add_reader(self._fd, self._on_readable)
            self._reading = True

    def _stop_reading(self) -> None:
        if self._reading:
            self._reading = False
            try:
                self._loop.remove_reader(self._fd)
            except (ValueError, OSError):  # descriptor already closed
                pass

    def _on_readable(self) -> None:
        try:
            data = os.read(self._fd, self._read_size)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._stop_reading()
            self._feed_eof(_describe_os_error(exc))
            return
        if not data:
            if self._tty and self._tty_still_there():
                return  # a wake-up with nothing to read, not an end of stream (see _tty_still_there)
            self._stop_reading()
            self._feed_eof(self._eof_reason)
            return
        self._empty_reads = 0
        on_data = self._on_data
        if on_data is not None and not self._closed:  # _feed for a receiver, inlined
            stats = self.stats
            stats.bytes_in += len(data)
            stats.reads += 1
            if self.trace is not None:
                self.trace.record_raw("rx", data)
            on_data(data)  # a receiver keeps no buffer: nothing to pause
            return
        self._feed(data)
        if self._paused_reading():
            self._stop_reading()

    def _tty_still_there(self) -> bool:
        """Whether a terminal that just gave a 0-byte read is still open at the other end.

        pyserial opens a port with VMIN = 0 and VTIME = 0, so reading a terminal that holds no
        byte returns 0 bytes, which is also what a hung-up terminal returns. A hung-up terminal
        refuses ``tcgetattr`` (EIO); a live one answers it. A wake-up that finds nothing (a race
        with the line discipline, more likely on a loaded machine) is then not taken for the port
        going away. Many empty reads in a row are taken for an end all the same, so a terminal
        that only ever reports readiness cannot spin the loop.
        """
        self._empty_reads += 1
        if self._empty_reads > _MAX_EMPTY_READS:
            return False
        try:
            termios.tcgetattr(self._fd)
        except (termios.error, OSError):
            return False
        return True

    def _resume_reading(self) -> None:
        if not self._reading and self._end is None and not self._paused_reading():
            self._start_reading()

    def write_nowait(self, data: bytes) -> int:
        if self._write_held or self._closed or self._end is not None or not data:
            return 0
        try:
            written = os.write(self._fd, data)
        except (BlockingIOError, InterruptedError):
            return 0
        except OSError:
            return 0  # write() meets the error again and reports it
        stats = self.stats  # _traced_out, inlined (every write)
        stats.bytes_out += written
        stats.writes += 1
        if self.trace is not None:
            self.trace.record_raw("tx", data[:written] if written < len(data) else data)
        return written

    async def write(self, data: bytes) -> None:
        if not data:
            return
        async with self._write_lock:
            self._write_held = True  # write_nowait's check, without a call per write
            try:
                view = memoryview(data)
                while view:
                    if self.closed:
                        raise LinkClosed(f"{self.url}: {self._end or 'link closed'}")
                    try:
                        written = os.write(self._fd, view)
                    except (BlockingIOError, InterruptedError):
                        await self._wait_writable()
                        continue
                    except OSError as exc:
                        reason = _describe_os_error(exc)
                        self._feed_eof(reason)
                        raise LinkClosed(f"{self.url}: {reason}") from None
                    view = view[written:]
                self._traced_out(bytes(data))
            finally:
                self._write_held = False

    async def _wait_writable(self) -> None:
        waiter: asyncio.Future[None] = self._loop.create_future()

        def _ready() -> None:
            if not waiter.done():
                waiter.set_result(None)

        self._loop.add_writer(self._fd, _ready)
        try:
            await waiter
        finally:
            try:
                self._loop.remove_writer(self._fd)
            except (ValueError, OSError):
                pass

    async def close(self) -> None:
        if self._closed:
            return
        self._stop_reading()
        self._closed = True
        self._wake_readers()
        try:
            self._on_close()
        except OSError:
            pass
        if self.trace is not None:
            self.trace.flush()

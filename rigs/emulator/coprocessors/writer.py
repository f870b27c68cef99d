"""The write side of a co-processor's radio port: frames queued now, written together.

A co-processor answers from synchronous code (a frame handler, an air event) while its host may be
sending a burst; writing each frame as it is made would cost one system call per frame. A
:class:`CoalescingWriter` queues the frames and one task writes whatever has queued up by its next
turn of the event loop in a single ``link.write``, in the order the frames were made.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator

from rigs.link import Link, LinkClosed

LOGGER = logging.getLogger(__name__)


class CoalescingWriter:
    """Frames for one host at a time: :meth:`start` on a link, :meth:`write`, :meth:`stop`."""

    def __init__(self) -> None:
        self._pending: list[bytes] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._link: Link | None = None
        self._holding = False  # inside batch(): queue only
        self._writing = False  # the task's link.write is in flight

    @property
    def active(self) -> bool:
        """True between :meth:`start` and :meth:`stop` (a host is there to write to)."""
        return self._task is not None

    def write(self, data: bytes) -> None:
        """Queue ``data`` for the link (kept until :meth:`start` when no link is there yet)."""
        self._pending.append(data)
        if not self._holding:
            self._wake.set()

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Frames written inside go out together at its end (:meth:`flush`)."""
        if self._holding:  # nested: the outer batch flushes
            yield
            return
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
            self.flush()

    def flush(self) -> None:
        """Write what is queued now: through ``link.write_nowait`` when the writer runs and
        nothing is in flight, the rest (or all, when the link takes nothing at once) by the
        task, in order."""
        pending = self._pending
        if not pending:
            return
        link = self._link
        if link is not None and not self._writing and self._task is not None:
            data = pending[0] if len(pending) == 1 else b"".join(pending)
            written = link.write_nowait(data)
            if written == len(data):
                pending.clear()
                return
            pending[:] = [data[written:]] if written else [data]
        self._wake.set()

    def discard(self) -> None:
        """Forget what is queued and not yet written (a new session, a reset)."""
        self._pending.clear()

    def start(self, link: Link) -> None:
        """Write to ``link`` from now on; anything queued before is discarded."""
        if self._task is not None:
            raise RuntimeError("the writer is already running")
        self._pending.clear()
        self._link = link
        self._task = asyncio.create_task(self._run(link))

    def check(self) -> None:
        """Raise what ended the writer (a link that failed), if it has ended."""
        if self._task is not None and self._task.done():
            self._task.result()

    async def stop(self) -> None:
        """Stop writing; what is still queued is discarded. Never raises: a failed link is
        :meth:`check`'s to report (a failure nobody checked is logged)."""
        task, self._task = self._task, None
        self._link = None
        self._pending.clear()
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, LinkClosed):
            try:
                await task
            except Exception as exc:  # noqa: BLE001  (whatever the link raised)
                LOGGER.info("radio port write failed: %s", exc)

    async def _run(self, link: Link) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._pending:
                data = b"".join(self._pending)
                self._pending.clear()
                self._writing = True
                try:
                    await link.write(data)
                finally:
                    self._writing = False


async def serve_reads(link: Link, take: Callable[[bytes], None]) -> None:
    """Hand every read of ``link`` to ``take`` until the link ends (raises ``LinkClosed``), or
    until ``take`` raises. Where the link hands over bytes as it receives them
    (``Link.set_receiver``), ``take`` runs right then: no task switch per read."""
    ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_data(chunk: bytes) -> None:
        if ended.done():
            return
        try:
            take(chunk)
        except Exception as exc:  # noqa: BLE001  (ends the session, as a read loop would)
            ended.set_exception(exc)

    def on_end(exc: LinkClosed) -> None:
        if not ended.done():
            ended.set_exception(exc)

    if link.set_receiver(on_data, on_end):
        await ended
    while True:
        take(await link.read(65536))

"""The host end of the emulated radio link: ASH framing, request/response matching, callbacks.

See ``docs/radio-link.md`` for the packet set. Requests carry a tag (1..255) that the co-processor
copies into its answer; unsolicited packets (received frames, join events) go to callbacks.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from fastpath import ash
from rigs.link import Link, LinkClosed, TraceWriter
from rigs.operations import RigError
from rigs.protocols import radio_link as rp
from rigs.protocols.radio_link import MAX_PACKET as MAX_DATA
from rigs.protocols.radio_link import PacketType as P

LOGGER = logging.getLogger(__name__)

RESET_TIMEOUT = 5.0

Answered = Callable[[int, bytes, Exception | None], None]
"""``send_then``'s callback: (response type, body, None), or (0, b"", the error)."""


def expire_request(future: asyncio.Future[tuple[int, bytes]]) -> None:
    """Timer callback: the answer to a request did not come in time."""
    if not future.done():
        future.set_exception(TimeoutError())


class RadioLinkError(RigError):
    """The co-processor did not answer as the radio link protocol says."""


class RadioLinkClient:
    def __init__(
        self,
        link: Link,
        *,
        on_received: Callable[[bytes], None],
        on_join: Callable[[rp.JoinNotice], None],
        on_lost: Callable[[Exception], None],
    ) -> None:
        self.link = link
        self._on_received = on_received
        self._on_join = on_join
        self._on_lost = on_lost
        self._decoder = ash.Decoder(max_data=MAX_DATA)
        self._pending: dict[int, asyncio.Future[tuple[int, bytes]]] = {}
        # send_then's requests: tag -> (callback, deadline on time.monotonic()); one sweep
        # timer expires them (no timer per request on the hot path)
        self._callbacks: dict[int, tuple[Answered, float]] = {}
        self._sweep: asyncio.TimerHandle | None = None
        self.lost: LinkClosed | None = None
        self._tag = 0
        self._frm = 0
        self._reset_done: asyncio.Future[bytes] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._out: list[bytes] = []
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._writing = False
        self.protocol_errors = 0
        self.trace: TraceWriter | None = None

    @property
    def crc_errors(self) -> int:
        return self._decoder.stats.crc_errors

    async def start(self) -> None:
        if not self.link.set_receiver(self._on_bytes, self._on_link_end):
            self._reader = asyncio.create_task(self._read_loop())
        self._writer = asyncio.create_task(self._write_loop())
        loop = asyncio.get_running_loop()
        self._reset_done = loop.create_future()
        self._write(bytes((ash.CANCEL,)) + ash.encode(ash.RST))
        try:
            await asyncio.wait_for(self._reset_done, RESET_TIMEOUT)
        except TimeoutError:
            raise RadioLinkError(
                f"{self.link.url}: no ASH RSTACK from the co-processor within {RESET_TIMEOUT:g} s"
            ) from None

    async def close(self) -> None:
        for task in (self._reader, self._writer):
            if task is not None:
                task.cancel()
        for task in (self._reader, self._writer):
            if task is not None:
                try:
                    await task
                except (asyncio.CancelledError, LinkClosed, Exception):
                    LOGGER.debug("radio link task ended", exc_info=True)
        self._fail_pending(LinkClosed(f"{self.link.url}: link closed"))
        await self.link.close()

    def _fail_pending(self, exc: Exception) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(exc)
        self._pending.clear()
        callbacks = list(self._callbacks.values())
        self._callbacks.clear()
        if self._sweep is not None:
            self._sweep.cancel()
            self._sweep = None
        for callback, _ in callbacks:
            self._call(callback, 0, b"", exc)

    @staticmethod
    def _call(callback: Answered, ptype: int, body: bytes, exc: Exception | None) -> None:
        try:
            callback(ptype, body, exc)
        except Exception:
            LOGGER.exception("radio link answer callback failed")

    async def _write_loop(self) -> None:
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                if self._out:
                    data = b"".join(self._out)
                    self._out.clear()
                    self._writing = True
                    try:
                        await self.link.write(data)
                    finally:
                        self._writing = False
        except LinkClosed as exc:
            if self.lost is None:
                self._lose(exc)

    def _write(self, frame: bytes) -> None:
        """Write at once when nothing is queued (no task switch), else queue for the writer."""
        if not self._out and not self._writing:
            written = self.link.write_nowait(frame)
            if written == len(frame):
                return
            frame = frame[written:]
        self._out.append(frame)
        self._wake.set()

    def _on_bytes(self, chunk: bytes) -> None:
        """Received bytes, straight from the link (see :meth:`Link.set_receiver`)."""
        try:
            for control, data in self._decoder.feed(chunk):  # _take, inlined (the hot path)
                if control & 0x80 == 0:
                    # _dispatch of a RECEIVED, or of an answer a callback waits for (every OTA
                    # block brings one of each), inlined with its error handling
                    ptype = data[0] if self.trace is None and len(data) >= 2 else -1
                    if ptype == P.RECEIVED:
                        try:
                            self._on_received(data[2:])
                        except (rp.ProtocolError, ValueError):
                            self.protocol_errors += 1
                            LOGGER.debug("malformed radio packet dropped", exc_info=True)
                        except Exception:
                            LOGGER.exception("handling a radio packet failed")
                        continue
                    if ptype >= 0 and ptype != P.JOIN_EVENT:
                        waiting = self._callbacks.pop(data[1], None)
                        if waiting is not None:
                            try:
                                waiting[0](ptype, data[2:], None)
                            except Exception:
                                LOGGER.exception("radio link answer callback failed")
                            continue
                    self._dispatch(data)
                elif (
                    control == ash.RSTACK
                    and self._reset_done is not None
                    and not self._reset_done.done()
                ):
                    self._reset_done.set_result(data)
        except Exception as exc:
            LOGGER.exception("radio link reader failed")
            if self.lost is None:
                self._lose(LinkClosed(f"{self.link.url}: reader failed ({type(exc).__name__})"))

    def _on_link_end(self, exc: LinkClosed) -> None:
        if self.lost is None:
            self._lose(exc)

    def _take(self, chunk: bytes) -> None:
        for control, data in self._decoder.feed(chunk):
            if control & 0x80 == 0:
                self._dispatch(data)
            elif (
                control == ash.RSTACK
                and self._reset_done is not None
                and not self._reset_done.done()
            ):
                self._reset_done.set_result(data)

    async def _read_loop(self) -> None:
        try:
            while True:
                self._take(await self.link.read(65536))
        except LinkClosed as exc:
            self._lose(exc)
        except Exception as exc:
            LOGGER.exception("radio link reader failed")
            self._lose(LinkClosed(f"{self.link.url}: reader failed ({type(exc).__name__})"))

    def _lose(self, exc: LinkClosed) -> None:
        self.lost = exc
        self._fail_pending(exc)
        self._on_lost(exc)

    def _record(self, direction: str, payload: bytes) -> None:
        assert self.trace is not None
        try:
            name = P(payload[0]).name
        except (ValueError, IndexError):
            name = "UNKNOWN"
        self.trace.record(direction, payload, frame=name)  # type: ignore[arg-type]

    def _dispatch(self, payload: bytes) -> None:
        if self.trace is not None:
            self._record("rx", payload)
        try:
            if len(payload) < 2:
                raise rp.ProtocolError("packet shorter than its 2-byte prefix")
            ptype, tag, body = payload[0], payload[1], payload[2:]  # rp.split, inlined
            if ptype == P.RECEIVED:
                self._on_received(body)  # the RECEIVED body, decoded by the receiver
            elif ptype == P.JOIN_EVENT:
                self._on_join(rp.JoinNotice.decode(body))
            else:
                waiting = self._callbacks.pop(tag, None)
                if waiting is not None:
                    try:  # _call, inlined (every SEND's confirmation)
                        waiting[0](ptype, body, None)
                    except Exception:
                        LOGGER.exception("radio link answer callback failed")
                    return
                future = self._pending.pop(tag, None)
                if future is not None and not future.done():
                    future.set_result((ptype, body))
        except (rp.ProtocolError, ValueError):
            self.protocol_errors += 1
            LOGGER.debug("malformed radio packet dropped", exc_info=True)
        except Exception:
            LOGGER.exception("handling a radio packet failed")

    def _next_tag(self) -> int:
        if self.lost is not None:
            raise self.lost
        pending, callbacks = self._pending, self._callbacks
        tag = self._tag
        for _ in range(255):
            tag = tag % 255 + 1
            if tag not in pending and tag not in callbacks:
                self._tag = tag
                return tag
        raise RadioLinkError("more than 254 requests outstanding on the radio link")

    def _send_packet(self, ptype: P, tag: int, body: bytes) -> None:
        payload = bytes((ptype, tag)) + body
        if self.trace is not None:
            self._record("tx", payload)
        self._write(ash.encode(self._frm << 4, payload, max_data=MAX_DATA))
        self._frm = (self._frm + 1) & 7

    def send_nowait(self, ptype: P, body: bytes = b"") -> asyncio.Future[tuple[int, bytes]]:
        """Queue a request; the future gets (response type, body)."""
        tag = self._next_tag()
        future: asyncio.Future[tuple[int, bytes]] = asyncio.get_running_loop().create_future()
        self._pending[tag] = future
        self._send_packet(ptype, tag, body)
        return future

    def send_then(self, ptype: P, body: bytes, answered: Answered, timeout: float) -> None:
        """Queue a request; ``answered`` is called with its answer, or with ``TimeoutError``
        after ``timeout`` seconds (within one more second), or with the link's loss.

        The hot path's form of :meth:`send_nowait`: no future and no timer per request."""
        callbacks = self._callbacks
        tag = self._tag % 255 + 1  # _next_tag's first choice, inlined
        if self.lost is None and tag not in callbacks and tag not in self._pending:
            self._tag = tag
        else:
            tag = self._next_tag()
        callbacks[tag] = (answered, time.monotonic() + timeout)
        if self._sweep is None:
            self._sweep = asyncio.get_running_loop().call_later(1.0, self._expire_callbacks)
        if self.trace is not None:
            self._send_packet(ptype, tag, body)
            return
        # _send_packet and _write, inlined
        frame = ash.encode(self._frm << 4, bytes((ptype, tag)) + body, max_data=MAX_DATA)
        self._frm = (self._frm + 1) & 7
        if not self._out and not self._writing:
            written = self.link.write_nowait(frame)
            if written == len(frame):
                return
            frame = frame[written:]
        self._out.append(frame)
        self._wake.set()

    def _expire_callbacks(self) -> None:
        self._sweep = None
        now = time.monotonic()
        expired = [tag for tag, (_, deadline) in self._callbacks.items() if deadline <= now]
        for tag in expired:
            callback, _ = self._callbacks.pop(tag)
            self._call(callback, 0, b"", TimeoutError())
        if self._callbacks:
            self._sweep = asyncio.get_running_loop().call_later(1.0, self._expire_callbacks)

    async def request(
        self, ptype: P, body: bytes = b"", *, expect: P | None = None, timeout: float = 5.0
    ) -> bytes:
        future = self.send_nowait(ptype, body)
        timer = asyncio.get_running_loop().call_later(timeout, expire_request, future)
        try:
            rtype, rbody = await future
        except TimeoutError:
            raise RadioLinkError(f"no answer to {ptype.name} within {timeout:g} s") from None
        finally:
            timer.cancel()
        if rtype == P.ERROR:
            raise RadioLinkError(f"{ptype.name} refused: {rbody[1:].decode(errors='replace')}")
        if expect is not None and rtype != expect:
            raise RadioLinkError(
                f"{ptype.name} answered with 0x{rtype:02X}, expected {expect.name}"
            )
        return rbody

    async def request_status(
        self, ptype: P, body: bytes = b"", *, timeout: float = 5.0
    ) -> rp.Status:
        rbody = await self.request(ptype, body, expect=P.STATUS, timeout=timeout)
        if len(rbody) != 1:
            raise RadioLinkError(f"malformed STATUS answer to {ptype.name}")
        return rp.Status(rbody[0])

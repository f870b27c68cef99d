"""The client side of the test port: numbered requests over a link, matched to their answers.

One reader task decodes every frame from the link. An answer is matched to its request by
sequence number and command, so duplicated, late and out-of-order answers are harmless (they are
counted and traced). A request that gets no answer in time is sent again with the same sequence
number; the device answers a repeat from its memory without running it twice.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastpath import hdlc
from rigs.link import Link, LinkClosed
from rigs.operations import DeviceTimeout, RigError
from rigs.serial.framing import FrameDecoder
from rigs.serial.protocol import (
    MAX_PAYLOAD,
    TRACE_DECODER,
    Command,
    ProtocolError,
    Request,
    Response,
    Status,
    decode_response,
    describe,
    name_of,
    redact_payload,
)
from rigs.trace import Direction, TraceWriter

RECENT_FRAMES = 16


class TestPortError(RigError):
    """A test-port operation failed; carries the last frames seen (redacted) for the evidence."""

    __test__ = False  # a library class, not a pytest test class

    def __init__(
        self,
        message: str,
        *,
        device: str | None = None,
        recent_frames: list[str] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message, device=device)
        self.recent_frames = list(recent_frames or [])
        self.status = status


class TestPortTimeout(TestPortError, DeviceTimeout):
    """The device did not answer in time."""

    __test__ = False  # a library class, not a pytest test class


@dataclass
class ClientStats:
    requests: int = 0
    frames_sent: int = 0
    retransmissions: int = 0
    answers: int = 0
    unmatched: int = 0
    bad_frames: int = 0
    bad_messages: int = 0
    notices: int = 0


NoticeHandler = Callable[[Response], None]


class TestPortClient:
    """Requests and answers over one link; start with :meth:`start`, end with :meth:`close`."""

    __test__ = False  # a library class, not a pytest test class

    def __init__(
        self, link: Link, *, trace: TraceWriter | None = None, name: str | None = None
    ) -> None:
        self.link = link
        self.name = name or link.url
        self.trace = trace
        if trace is not None:
            trace.use_decoder(TRACE_DECODER, redact=redact_payload)
        self.stats = ClientStats()
        self._frames = FrameDecoder()
        # a new client starts numbering somewhere else than the last one (section 5)
        self._seq = secrets.randbelow(0xFFFF)
        self._pending: dict[int, tuple[int, asyncio.Future[Response]]] = {}
        # (direction, redacted payload) or (direction, text); described only when asked for
        self._recent: collections.deque[tuple[str, bytes | str]] = collections.deque(
            maxlen=RECENT_FRAMES
        )
        self._notice_handlers: list[NoticeHandler] = []
        self._reader: asyncio.Task[None] | None = None
        self._ended: str | None = None

    # --- life cycle --------------------------------------------------------------------------

    def start(self) -> None:
        if self._reader is None:
            self._reader = asyncio.get_running_loop().create_task(
                self._read_loop(), name=f"test-port {self.name}"
            )

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
            self._reader = None
        self._fail_pending(f"{self.name}: client closed")
        await self.link.close()
        if self.trace is not None:
            self.trace.flush()

    @property
    def alive(self) -> bool:
        return self._ended is None and not self.link.closed

    @property
    def recent_frames(self) -> list[str]:
        return [
            f"{direction}: {item if isinstance(item, str) else describe(item)}"
            for direction, item in self._recent
        ]

    def on_notice(self, handler: NoticeHandler) -> Callable[[], None]:
        """Call ``handler`` for every notice; returns a function that removes it."""
        self._notice_handlers.append(handler)
        return lambda: (
            self._notice_handlers.remove(handler) if handler in self._notice_handlers else None
        )

    def error(self, message: str, *, status: int | None = None) -> TestPortError:
        return TestPortError(
            message, device=self.name, recent_frames=self.recent_frames, status=status
        )

    def timed_out(self, message: str) -> TestPortTimeout:
        return TestPortTimeout(message, device=self.name, recent_frames=self.recent_frames)

    # --- sending -----------------------------------------------------------------------------

    def _next_seq(self) -> int:
        self._seq = (self._seq + 1) & 0xFFFF
        while self._seq in self._pending or self._seq == 0:
            self._seq = (self._seq + 1) & 0xFFFF
        return self._seq

    def submit(
        self, command: int, body: bytes = b""
    ) -> tuple[int, bytes, asyncio.Future[Response]]:
        """Register a request and return (seq, wire frame, future answer); :meth:`transmit` sends it."""
        if self._ended is not None:
            raise LinkClosed(f"{self.name}: {self._ended}")
        seq = self._next_seq()
        payload = Request(command, seq, body).encode()
        future: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        self._pending[seq] = (command, future)
        self.stats.requests += 1
        self._note("tx", payload)
        return seq, hdlc.encode(payload, max_frame=MAX_PAYLOAD), future

    async def transmit(self, frame: bytes, *, retransmission: bool = False) -> None:
        if retransmission:
            self.stats.retransmissions += 1
            if self.trace is not None:
                self.trace.record("tx", b"", frame="retransmission")
        self.stats.frames_sent += 1
        await self.link.write(frame)

    async def open_session(self) -> None:
        """Send HELLO without waiting for it: the device forgets the answers it remembers for
        repeats, so none of them is taken for an answer to this client's requests (section 5)."""
        seq, frame, future = self.submit(Command.HELLO)
        future.add_done_callback(lambda _: self.forget(seq))
        await self.transmit(frame)

    def forget(self, seq: int) -> None:
        """Stop waiting for ``seq`` (an answer arriving later is counted as unmatched)."""
        entry = self._pending.pop(seq, None)
        if entry is not None and not entry[1].done():
            entry[1].cancel()

    async def request(
        self,
        command: int,
        body: bytes = b"",
        *,
        timeout: float = 5.0,
        attempt_timeout: float = 1.0,
        expect_ok: bool = True,
    ) -> Response:
        """Send a request and wait for its answer, repeating it after ``attempt_timeout``.

        Raises :class:`TestPortTimeout` after ``timeout``, :class:`TestPortError` for a non-OK
        status when ``expect_ok``, :class:`LinkClosed` when the link goes away.
        """
        label = name_of(Command, command, "command ")
        deadline = time.monotonic() + timeout
        seq, frame, future = self.submit(command, body)
        tries = 0
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise self.timed_out(f"{label}: no answer after {tries} tries in {timeout:g} s")
                await self.transmit(frame, retransmission=tries > 0)
                tries += 1
                done, _ = await asyncio.wait({future}, timeout=min(attempt_timeout, left))
                if done:
                    break
        finally:
            self.forget(seq)
        response = future.result()
        if expect_ok and not response.ok:
            _, reason = response.error()
            raise self.error(
                f"{label}: {name_of(Status, response.status, 'status ')}"
                + (f": {reason}" if reason else ""),
                status=response.status,
            )
        return response

    # --- receiving ---------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        try:
            while True:
                chunk = await self.link.read()
                for payload in self._frames.feed(chunk):
                    self._on_payload(payload)
                dropped = self._frames.take_damaged()
                if dropped:
                    self.stats.bad_frames += dropped
                    self._recent.append(("rx", f"{dropped} damaged frame(s) dropped"))
                    if self.trace is not None:
                        self.trace.record(
                            "rx", b"", error="damaged frame dropped (FCS error, abort or oversize)"
                        )
        except LinkClosed as exc:
            self._ended = str(exc).removeprefix(f"{self.link.url}: ")
            if self.trace is not None:
                self.trace.record("note", b"", error=f"link lost: {self._ended}")
            self._fail_pending(f"{self.name}: link lost: {self._ended}")

    def _on_payload(self, payload: bytes) -> None:
        self._note("rx", payload)
        try:
            response = decode_response(payload)
        except ProtocolError as exc:
            self.stats.bad_messages += 1
            if self.trace is not None:
                self.trace.record("rx", b"", error=f"not a test-port answer: {exc}")
            return
        if response.is_notice:
            self.stats.notices += 1
            loop = asyncio.get_running_loop()
            for handler in list(self._notice_handlers):
                # scheduled like an answer's done-callbacks, so handlers see the line's order
                loop.call_soon(handler, response)
            return
        entry = self._pending.get(response.seq)
        if entry is None or entry[0] != response.command or entry[1].done():
            self.stats.unmatched += 1
            if self.trace is not None:
                self.trace.record(
                    "rx",
                    b"",
                    error=f"answer seq={response.seq} matches no open request (late or duplicate)",
                )
            return
        self.stats.answers += 1
        entry[1].set_result(response)

    def _fail_pending(self, reason: str) -> None:
        for _, future in list(self._pending.values()):
            if not future.done():
                future.set_exception(LinkClosed(reason))
                future.exception()  # retrieved here so an abandoned future does not warn
        self._pending.clear()

    def _note(self, direction: Direction, payload: bytes) -> None:
        self._recent.append((direction, redact_payload(payload)))
        if self.trace is not None:
            self.trace.record(direction, payload, frame=describe(payload))

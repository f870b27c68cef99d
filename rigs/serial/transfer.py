"""Windowed image transfer over the test port (selective repeat with cumulative progress).

Up to ``window`` blocks are in flight. Every block answer carries the device's contiguous
``next`` offset. A block is sent again when
- its answer does not come within the retransmission timeout (adaptive, from measured round trips),
- an answer to a block sent *after* it arrives while it is still unconfirmed and below no
  ``next`` (frames on a serial line stay in order, so it was lost: a gap),
- the device reports a damaged frame (FRAME_ERROR notice): the oldest unanswered block goes again,
- the device answers GAP (it could not buffer the block) or OUT_OF_RANGE (the block reached it
  damaged past the 16-bit FCS).
After a device restart (BOOTED notice or NO_SESSION) the image is offered again and the transfer
continues from what the device reports it holds. When more than a quarter of the blocks are lost,
the image is offered again with half the block size (a lossy line passes short frames). A complete
image the device finds damaged (BAD_HASH) is sent again from the start, at most twice.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import time
from dataclasses import dataclass, field

from rigs.link import LinkClosed
from rigs.operations import ProgressCallback, TransferResult, TransferStatus
from rigs.serial import bodies
from rigs.serial.client import TestPortClient, TestPortError, TestPortTimeout
from rigs.serial.protocol import Command, Response, Status

MIN_RTO = 0.15
MAX_RTO = 5.0
INITIAL_RTO = 1.0
MAX_TRIES_PER_BLOCK = 12
MAX_RESUMES = 32
MAX_HASH_FAILURES = 2
MIN_BLOCK = 32
SHRINK_AFTER_SENDS = 16
SHRINK_LOSS_RATE = 0.25


@dataclass
class _InFlight:
    offset: int
    seq: int
    order: int
    sent_at: float


@dataclass
class _Window:
    """What is in flight in one offer session."""

    confirmed: int  # the device holds every byte below this
    next_new: int  # the next block never sent in this session
    resend: set[int] = field(default_factory=set)
    done_ahead: set[int] = field(default_factory=set)  # answered blocks above `confirmed`
    flight: dict[int, _InFlight] = field(default_factory=dict)  # by sequence number
    by_offset: dict[int, int] = field(default_factory=dict)  # offset -> sequence number
    last_answer: float = field(default_factory=time.monotonic)
    sends: int = 0
    losses: int = 0

    def drop(self, entry: _InFlight) -> None:
        self.flight.pop(entry.seq, None)
        if self.by_offset.get(entry.offset) == entry.seq:
            del self.by_offset[entry.offset]

    def oldest(self) -> _InFlight | None:
        return min(self.flight.values(), key=lambda e: e.order, default=None)

    def deadline(self, rto: float) -> float:
        """The retransmission timer covers the oldest block and restarts on every answer."""
        oldest = self.oldest()
        if oldest is None:
            return time.monotonic() + rto
        return max(oldest.sent_at, self.last_answer) + rto


class _Restart(Exception):
    """The device restarted: offer again and resume."""


class _Shrink(Exception):
    """Too many blocks are lost at this block size: offer again with smaller blocks."""


class _Rto:
    """Retransmission timeout from smoothed round-trip samples (RFC 6298 style)."""

    def __init__(self) -> None:
        self.srtt: float | None = None
        self.rttvar = 0.0
        self.value = INITIAL_RTO

    def sample(self, rtt: float) -> None:
        if self.srtt is None:
            self.srtt, self.rttvar = rtt, rtt / 2
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - rtt)
            self.srtt = 0.875 * self.srtt + 0.125 * rtt
        self.value = min(MAX_RTO, max(MIN_RTO, self.srtt + 4 * self.rttvar))

    def back_off(self) -> None:
        self.value = min(MAX_RTO, self.value * 2)


class ImageSender:
    """Sends one image; create one per transfer."""

    def __init__(
        self,
        client: TestPortClient,
        image: bytes,
        *,
        block_size: int = 1024,
        window: int = 8,
        progress: ProgressCallback | None = None,
        request_timeout: float = 20.0,
    ) -> None:
        self.client = client
        self.image = image
        self.sha256 = hashlib.sha256(image).digest()
        self.block_size = block_size
        self._first_block = block_size
        self.window = max(1, window)
        self.progress = progress
        self.request_timeout = request_timeout
        self.rto = _Rto()
        self.retries = 0
        self.resumes = 0
        self.blocks = 0
        self.bytes_sent = 0
        self._order = 0
        self._tries: dict[int, int] = {}
        self.shrinks = 0
        self.hash_failures = 0
        self._events: asyncio.Queue[tuple[_InFlight | None, Response | BaseException]] = (
            asyncio.Queue()
        )

    async def run(self, timeout: float) -> TransferResult:
        started = time.monotonic()
        try:
            await asyncio.wait_for(self._run(), timeout)
        except TimeoutError:
            return self._result(
                TransferStatus.TIMEOUT, started, f"not finished within {timeout:g} s"
            )
        except _Rejected as exc:
            return self._result(TransferStatus.REJECTED, started, str(exc))
        except TestPortTimeout as exc:
            return self._result(TransferStatus.TIMEOUT, started, str(exc))
        except (TestPortError, LinkClosed) as exc:
            return self._result(TransferStatus.FAILED, started, str(exc))
        return self._result(TransferStatus.OK, started, "")

    def _result(self, status: TransferStatus, started: float, reason: str) -> TransferResult:
        return TransferResult(
            status=status,
            bytes_sent=self.bytes_sent,
            blocks=self.blocks,
            seconds=time.monotonic() - started,
            retries=self.retries,
            resumes=self.resumes,
            reason=reason,
        )

    async def _run(self) -> None:
        remove = self.client.on_notice(self._on_notice)
        try:
            while True:
                try:
                    await self._session()
                    return
                except _Shrink:
                    self.block_size = max(MIN_BLOCK, self.block_size // 2)
                    self.shrinks += 1
                except _Restart:
                    self.resumes += 1
                    if self.resumes > MAX_RESUMES:
                        raise self.client.error(
                            f"device restarted {self.resumes} times during the transfer"
                        ) from None
        finally:
            remove()

    def _on_notice(self, notice: Response) -> None:
        if notice.status in (Status.BOOTED, Status.FRAME_ERROR):
            self._events.put_nowait((None, notice))

    async def _offer(self) -> bodies.OfferReply:
        offer = bodies.Offer(len(self.image), self.sha256, self.block_size)
        try:
            answer = await self.client.request(
                Command.IMAGE_OFFER,
                bodies.encode_offer(offer),
                timeout=self.request_timeout,
                attempt_timeout=self._attempt_timeout(),
            )
        except TestPortError as exc:
            if exc.status == Status.REJECTED:
                raise _Rejected(str(exc)) from None
            raise
        return bodies.decode_offer_reply(answer.body)

    async def _session(self) -> None:
        reply = await self._offer()
        self._tries.clear()
        while not self._events.empty():  # notices from before this offer are history
            self._events.get_nowait()
        size = len(self.image)
        block = reply.block_size
        self.block_size = block
        # the window is kept in bytes: smaller blocks after a shrink may fly in larger numbers
        wanted = max(self.window, self.window * self._first_block // block)
        window = max(1, min(wanted, reply.window))
        state = _Window(confirmed=reply.resume_offset, next_new=reply.resume_offset)
        self._report(state.confirmed)
        try:
            while state.confirmed < size:
                await self._fill(state, block, window, size, reply.window)
                wait_for = state.deadline(self.rto.value) - time.monotonic()
                try:
                    entry, event = await asyncio.wait_for(self._events.get(), max(0.0, wait_for))
                except TimeoutError:
                    self._expire(state)
                    continue
                if isinstance(event, BaseException):
                    raise event
                if entry is None:
                    if event.status == Status.BOOTED:
                        raise _Restart()
                    self._resend_oldest(state)  # the device saw a damaged frame
                    continue
                self._on_answer(state, entry, event, block)
        finally:
            for seq in list(state.flight):
                self.client.forget(seq)
        await self._finish()

    async def _fill(
        self, state: _Window, block: int, window: int, size: int, device_window: int
    ) -> None:
        # the device buffers at most `device_window` blocks from the one holding `confirmed`
        horizon = state.confirmed - state.confirmed % block + device_window * block
        while len(state.flight) < window:
            pending = sorted(o for o in state.resend if o not in state.by_offset)
            if pending:
                offset = pending[0]
                state.resend.discard(offset)
            elif state.next_new < min(size, horizon):
                offset = state.next_new
                state.next_new += block
                if offset in state.done_ahead:
                    continue
            else:
                return
            await self._send(state, offset, block)

    def _on_answer(self, state: _Window, entry: _InFlight, answer: Response, block: int) -> None:
        if state.flight.get(entry.seq) is not entry:
            return  # abandoned before its answer came
        state.drop(entry)
        state.last_answer = time.monotonic()
        if answer.status == Status.NO_SESSION:
            raise _Restart()
        if answer.status == Status.GAP:
            state.resend.add(entry.offset)
            return
        if answer.status == Status.OUT_OF_RANGE and self._tries[entry.offset] < MAX_TRIES_PER_BLOCK:
            # the block is well formed here, so the device got it damaged past the FCS
            # (16 bits miss one damaged frame in 65536): send it again
            state.resend.add(entry.offset)
            self._lost(state)
            return
        if not answer.ok:
            _, reason = answer.error()
            raise self.client.error(
                f"IMAGE_BLOCK at {entry.offset}: status 0x{answer.status:02X}: {reason}",
                status=answer.status,
            )
        if self._tries[entry.offset] == 1:
            self.rto.sample(state.last_answer - entry.sent_at)
        device_next = bodies.decode_next_offset(answer.body)
        if device_next > state.confirmed:
            state.confirmed = device_next
            self._report(device_next)
        state.done_ahead.add(entry.offset)
        state.done_ahead = {o for o in state.done_ahead if o + block > state.confirmed}
        state.resend = {
            o for o in state.resend if o + block > state.confirmed and o not in state.done_ahead
        }
        for other in list(state.flight.values()):
            if other.offset + block <= state.confirmed or other.offset in state.done_ahead:
                self._forget(state, other)
            elif other.order < entry.order:
                # sent before the block just answered and still unanswered: lost on the way
                self._forget(state, other)
                state.resend.add(other.offset)
                self._lost(state)

    async def _finish(self) -> None:
        answer = await self.client.request(
            Command.IMAGE_END,
            timeout=self.request_timeout,
            attempt_timeout=self._attempt_timeout(),
            expect_ok=False,
        )
        if answer.status == Status.NO_SESSION:
            raise _Restart()
        if answer.status == Status.BAD_HASH and self.hash_failures < MAX_HASH_FAILURES:
            # a block damaged past the FCS was stored; the device discarded the image
            self.hash_failures += 1
            raise _Restart()
        if answer.status in (Status.BAD_HASH, Status.REJECTED):
            raise _Rejected(f"device refused the image: {answer.error()[1]}")
        if not answer.ok:
            raise self.client.error(
                f"IMAGE_END: status 0x{answer.status:02X}: {answer.error()[1]}",
                status=answer.status,
            )
        status = bodies.decode_image_status(answer.body)
        if status.sha256 != self.sha256:
            raise self.client.error("device holds an image whose SHA-256 differs from the one sent")

    async def _send(self, state: _Window, offset: int, block: int) -> None:
        data = self.image[offset : offset + block]
        seq, frame, future = self.client.submit(
            Command.IMAGE_BLOCK, bodies.encode_block(offset, data)
        )
        tries = self._tries.get(offset, 0) + 1
        self._tries[offset] = tries
        self._order += 1
        entry = _InFlight(offset, seq, self._order, time.monotonic())
        state.flight[seq] = entry
        state.by_offset[offset] = seq
        state.sends += 1
        future.add_done_callback(functools.partial(self._answered, entry))
        await self.client.transmit(frame, retransmission=tries > 1)
        self.blocks += 1
        self.bytes_sent += len(data)

    def _answered(self, entry: _InFlight, future: asyncio.Future[Response]) -> None:
        if future.cancelled():
            return
        exc = future.exception()
        self._events.put_nowait((entry, exc if exc is not None else future.result()))

    def _expire(self, state: _Window) -> None:
        oldest = state.oldest()
        if oldest is None or state.deadline(self.rto.value) > time.monotonic():
            return
        if self._tries[oldest.offset] >= MAX_TRIES_PER_BLOCK:
            raise self.client.timed_out(
                f"IMAGE_BLOCK at {oldest.offset}: no answer after {self._tries[oldest.offset]} tries"
            )
        self.rto.back_off()
        state.last_answer = time.monotonic()
        self._resend_oldest(state)

    def _resend_oldest(self, state: _Window) -> None:
        oldest = state.oldest()
        if oldest is not None:
            self._forget(state, oldest)
            state.resend.add(oldest.offset)
            self._lost(state)

    def _lost(self, state: _Window) -> None:
        """Count a block sent again; on a line that loses too many, use smaller blocks."""
        self.retries += 1
        state.losses += 1
        if (
            state.sends >= SHRINK_AFTER_SENDS
            and state.losses > SHRINK_LOSS_RATE * state.sends
            and self.block_size > MIN_BLOCK
        ):
            raise _Shrink()

    def _forget(self, state: _Window, entry: _InFlight) -> None:
        """Stop waiting on this send (an answer that still comes is ignored)."""
        state.drop(entry)
        self.client.forget(entry.seq)

    def _attempt_timeout(self) -> float:
        """How long one try of a control request waits: the block round trip, at least 0.3 s."""
        return max(0.3, self.rto.value)

    def _report(self, done: int) -> None:
        if self.progress is not None:
            self.progress(min(done, len(self.image)), len(self.image))


class _Rejected(Exception):
    """The device refused the image; reported as TransferStatus.REJECTED."""

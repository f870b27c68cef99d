"""The device side of the test port: serves a :class:`TestPortDevice` on a link.

It decodes HDLC frames, answers each request in arrival order, answers a repeated request (same
sequence number, command and body) from its memory without running it again, keeps a bounded
reorder window of image blocks that arrive ahead of a lost one, reports damaged frames with a
FRAME_ERROR notice, and announces itself (and every device restart) with a BOOTED notice.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from fastpath import hdlc
from rigs.link import Link, LinkClosed
from rigs.operations import RigError
from rigs.serial import bodies
from rigs.serial.device import DeviceReset, TestPortDevice, TestPortRefusal
from rigs.serial.framing import FrameDecoder
from rigs.serial.protocol import (
    MAX_BLOCK,
    MAX_EVENTS_PER_READ,
    MAX_PAYLOAD,
    TRACE_DECODER,
    VERSION,
    Command,
    ProtocolError,
    Request,
    Response,
    Status,
    decode_request,
    describe,
    error_response,
    notice,
    redact_payload,
)
from rigs.trace import TraceWriter

DEFAULT_WINDOW = 32
_REPLAY_MEMORY = 64


@dataclass
class ResponderStats:
    requests: int = 0
    replayed: int = 0
    bad_frames: int = 0
    bad_messages: int = 0
    resets: int = 0


@dataclass
class _Session:
    size: int
    sha256: bytes
    block_size: int
    next_offset: int
    ahead: dict[int, bytes] = field(default_factory=dict)


class TestPortResponder:
    """Serve ``device`` on ``link`` until the link closes (see :meth:`serve`)."""

    __test__ = False  # a library class, not a pytest test class

    def __init__(
        self,
        device: TestPortDevice,
        link: Link,
        *,
        trace: TraceWriter | None = None,
        max_block: int = 1024,
        window: int = DEFAULT_WINDOW,
        announce: bool = True,
    ) -> None:
        self.device = device
        self.link = link
        self.trace = trace
        if trace is not None:
            trace.use_decoder(TRACE_DECODER, redact=redact_payload)
        self.max_block = min(max_block, MAX_BLOCK)
        self.window = max(1, min(window, 255))
        self.stats = ResponderStats()
        self._announce = announce
        self._frames = FrameDecoder()
        self._session: _Session | None = None
        self._replay: OrderedDict[tuple[int, int], tuple[bytes, bytes]] = OrderedDict()
        self._boot = device.boot_count
        self._handlers: dict[int, Callable[[Request], Response]] = {
            Command.HELLO: self._hello,
            Command.IDENTIFY: self._identify,
            Command.READ_FIRMWARE: self._read_firmware,
            Command.IMAGE_OFFER: self._offer,
            Command.IMAGE_BLOCK: self._block,
            Command.IMAGE_STATUS: self._image_status,
            Command.IMAGE_END: self._image_end,
            Command.ACTIVATE: self._activate,
            Command.CANCEL_ACTIVATION: self._cancel,
            Command.READ_SITE_ID: self._site_id,
            Command.VERIFY_PIN: self._verify_pin,
            Command.PIN_STATUS: self._pin_status,
            Command.READ_EVENTS: self._events,
        }

    async def serve(self) -> str:
        """Answer requests until the link closes; returns why it ended."""
        try:
            if self._announce:
                await self._send([notice(Status.BOOTED, self.device.boot_count)])
            while True:
                chunk = await self.link.read()
                answers = self.handle_bytes(chunk)
                if answers:
                    await self._send_encoded(answers)
        except LinkClosed as exc:
            return str(exc)

    def handle_bytes(self, chunk: bytes) -> list[bytes]:
        """Payloads to send back for a chunk of received bytes (responses and notices, in order).

        The chunk is fed one frame at a time, so a FRAME_ERROR notice goes out exactly where the
        damaged frame sat among the answers; the client relies on that order.
        """
        out: list[bytes] = []
        if not getattr(self.device, "answering", True):
            return out  # a device without power (or hung) hears nothing and says nothing
        start = 0
        end = len(chunk)
        while start < end:
            flag = chunk.find(b"\x7e", start)
            stop = end if flag < 0 else flag + 1
            for payload in self._frames.feed(chunk[start:stop]):
                out.extend(self._handle_payload(payload))
            start = stop
            count = self._frames.take_damaged()
            if count:
                self.stats.bad_frames += count
                if self.trace is not None:
                    self.trace.record("rx", b"", error=f"{count} damaged frame(s) dropped")
                out.append(notice(Status.FRAME_ERROR, count).encode())
        return out

    def _handle_payload(self, payload: bytes) -> list[bytes]:
        if self.trace is not None:
            self.trace.record("rx", payload, frame=describe(payload))
        out: list[bytes] = []
        if self.device.boot_count != self._boot:
            out.extend(self._restarted())
        try:
            request = _decode(payload)
        except _VersionMismatch as exc:
            self.stats.bad_messages += 1
            return out + [exc.response.encode()]
        except ProtocolError:
            self.stats.bad_messages += 1
            return out
        self.stats.requests += 1
        if request.command == Command.HELLO:
            # a client starting a session: answers remembered for another client's repeats must
            # not be taken for answers to this one's requests (HELLO has no effect to repeat)
            self._replay.clear()
        key = (request.seq, request.command)
        digest = hashlib.sha256(payload).digest()
        remembered = self._replay.get(key)
        if remembered is not None and remembered[0] == digest:
            self.stats.replayed += 1
            return out + [remembered[1]]
        try:
            response = self._dispatch(request)
        except DeviceReset:
            self.stats.resets += 1
            return out + self._restarted()
        encoded = response.encode()
        self._replay[key] = (digest, encoded)
        self._replay.move_to_end(key)
        while len(self._replay) > _REPLAY_MEMORY:
            self._replay.popitem(last=False)
        return out + [encoded]

    def _restarted(self) -> list[bytes]:
        self._boot = self.device.boot_count
        self._session = None
        self._replay.clear()
        return [notice(Status.BOOTED, self._boot).encode()]

    def _dispatch(self, request: Request) -> Response:
        handler = self._handlers.get(request.command)
        if handler is None:
            return error_response(
                request, Status.UNKNOWN_COMMAND, f"unknown command 0x{request.command:02X}"
            )
        try:
            return handler(request)
        except TestPortRefusal as refusal:
            return error_response(request, refusal.status, refusal.reason, refusal.detail)
        except ProtocolError as exc:
            return error_response(request, Status.BAD_REQUEST, str(exc))
        except (ValueError, RigError) as exc:
            return error_response(request, Status.INTERNAL_ERROR, str(exc)[:200])
        except (ArithmeticError, LookupError, TypeError, OSError) as exc:
            # a device fault must not end the port: the request is answered, the next one served
            return error_response(
                request, Status.INTERNAL_ERROR, f"{type(exc).__name__}: {str(exc)[:160]}"
            )

    async def _send(self, responses: list[Response]) -> None:
        await self._send_encoded([r.encode() for r in responses])

    async def _send_encoded(self, payloads: list[bytes]) -> None:
        if self.trace is not None:
            for payload in payloads:
                self.trace.record("tx", payload, frame=describe(payload))
        await self.link.write(hdlc.encode_many(payloads, max_frame=MAX_PAYLOAD))

    # --- handlers ---------------------------------------------------------------------------

    @staticmethod
    def _ok(request: Request, body: bytes = b"") -> Response:
        return Response(request.command, request.seq, Status.OK, body)

    def _hello(self, request: Request) -> Response:
        hello = bodies.Hello(VERSION, self.max_block, self.window, self.device.boot_count)
        return self._ok(request, bodies.encode_hello(hello))

    def _identify(self, request: Request) -> Response:
        body = bodies.encode_identity(
            self.device.identity(), self.device.firmware(), self.device.held()
        )
        return self._ok(request, body)

    def _read_firmware(self, request: Request) -> Response:
        return self._ok(request, bodies.encode_firmware(self.device.firmware()))

    def _offer(self, request: Request) -> Response:
        offer = bodies.decode_offer(request.body)
        if offer.size == 0:
            raise TestPortRefusal(Status.REJECTED, "empty image")
        if offer.block_size == 0:
            raise ProtocolError("block size 0")
        block_size = min(offer.block_size, self.max_block)
        received = self.device.offer_image(offer.size, offer.sha256)
        self._session = _Session(offer.size, offer.sha256, block_size, received)
        reply = bodies.OfferReply(block_size, received - received % block_size, self.window)
        return self._ok(request, bodies.encode_offer_reply(reply))

    def _block(self, request: Request) -> Response:
        offset, data = bodies.decode_block(request.body)
        session = self._session
        if session is None:
            raise TestPortRefusal(Status.NO_SESSION, "no image offer since the device started")
        expected = min(session.block_size, session.size - offset) if offset < session.size else 0
        if offset % session.block_size or offset >= session.size or len(data) != expected:
            raise TestPortRefusal(
                Status.OUT_OF_RANGE,
                f"block at {offset} of {len(data)} bytes does not fit the offer",
                detail=session.next_offset,
            )
        if offset + len(data) <= session.next_offset or offset in session.ahead:
            return self._ok(request, bodies.encode_next_offset(session.next_offset))
        if offset > session.next_offset:
            aligned = session.next_offset - session.next_offset % session.block_size
            if offset - aligned >= self.window * session.block_size:
                raise TestPortRefusal(Status.GAP, "block too far ahead", detail=session.next_offset)
            session.ahead[offset] = data
            return self._ok(request, bodies.encode_next_offset(session.next_offset))
        self._store(session, offset, data)
        while True:
            covering = session.next_offset - session.next_offset % session.block_size
            pending = session.ahead.pop(covering, None)
            if pending is None or session.next_offset >= session.size:
                break
            self._store(session, covering, pending)
        return self._ok(request, bodies.encode_next_offset(session.next_offset))

    def _store(self, session: _Session, offset: int, data: bytes) -> None:
        """Write the part of a block at or after the device's current end."""
        skip = session.next_offset - offset
        session.next_offset = self.device.write_block(session.next_offset, data[skip:])

    def _image_status(self, request: Request) -> Response:
        status = bodies.image_status_of(self.device.held(), self.device.transfer_state())
        return self._ok(request, bodies.encode_image_status(status))

    def _image_end(self, request: Request) -> Response:
        session = self._session
        if session is None:
            raise TestPortRefusal(Status.NO_SESSION, "no image offer since the device started")
        if session.next_offset < session.size:
            raise TestPortRefusal(
                Status.INCOMPLETE,
                f"{session.next_offset} of {session.size} bytes received",
                detail=session.next_offset,
            )
        self._session = None
        held = self.device.finish_image()
        return self._ok(request, bodies.encode_image_status(bodies.image_status_of(held, None)))

    def _activate(self, request: Request) -> Response:
        activation = bodies.decode_activate(request.body)
        result = self.device.activate(activation.at, activation.expected_sha256)
        return self._ok(request, bodies.encode_activation(result))

    def _cancel(self, request: Request) -> Response:
        return self._ok(request, bodies.encode_activation(self.device.cancel_activation()))

    def _site_id(self, request: Request) -> Response:
        return self._ok(request, bodies.encode_site_id(self.device.site_id()))

    def _verify_pin(self, request: Request) -> Response:
        pin = bodies.decode_pin(request.body)
        return self._ok(request, bodies.encode_pin_reply(self.device.verify_pin(pin)))

    def _pin_status(self, request: Request) -> Response:
        return self._ok(request, bodies.encode_pin_status(self.device.pin_status()))

    def _events(self, request: Request) -> Response:
        first, max_count = bodies.decode_events_request(request.body)
        events = list(self.device.events())
        count = max(0, min(max_count, MAX_EVENTS_PER_READ))
        chosen = [e for e in events if e.index >= first][:count]
        body = bodies.encode_events(len(events), chosen, limit=MAX_PAYLOAD - 16)
        return self._ok(request, body)


class _VersionMismatch(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def _decode(payload: bytes) -> Request:
    if len(payload) >= 4 and payload[0] != VERSION:
        seq = int.from_bytes(payload[2:4], "big")
        request = Request(payload[1] & 0x7F, seq)
        raise _VersionMismatch(
            error_response(
                request,
                Status.UNSUPPORTED_VERSION,
                f"this device speaks version {VERSION}",
                VERSION,
            )
        )
    return decode_request(payload)

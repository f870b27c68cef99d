"""The air as the EZSP co-processor sees it: the emulator's devices behind :class:`CoProcessor`.

The emulator's :class:`~rigs.emulator.coprocessors.link_protocol.LinkProtocolCoProcessor` owns
the devices, their joins and APS delivery, and takes requests as radio-link packets
(``docs/radio-link.md``). This adapter speaks those packets for the EZSP front end: it hands requests in and sorts what comes out into
answers (by tag), transmission confirmations and unsolicited events (received frames, joins).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from rigs.emulator.coprocessors.link_protocol import LinkProtocolCoProcessor as CoProcessor
from rigs.protocols import radio_link as rp
from rigs.protocols.radio_link import PacketType as P

LOGGER = logging.getLogger(__name__)

Confirm = Callable[[rp.Status], None]


class AirEvents(Protocol):
    def received(self, frame: rp.Received) -> None: ...

    def joined(self, notice: rp.JoinNotice) -> None: ...


class CoProcessorAir:
    """Requests to the devices' air, through the emulator's co-processor model."""

    def __init__(self, coprocessor: CoProcessor, events: AirEvents) -> None:
        self._coprocessor = coprocessor
        self._events = events
        self._tag = 0
        self._answers: list[tuple[int, int, bytes]] = []
        self._confirms: dict[int, Confirm] = {}
        coprocessor.attach(self._from_air)

    def close(self) -> None:
        self._coprocessor.detach()

    def _next_tag(self) -> int:
        for _ in range(255):
            self._tag = self._tag % 255 + 1
            if self._tag not in self._confirms:
                return self._tag
        raise RuntimeError("every transmission tag is in use")

    def _from_air(self, payload: bytes) -> None:
        try:
            ptype, tag, body = rp.split(payload)
        except rp.ProtocolError:
            LOGGER.error("the air answered a malformed packet")
            return
        if ptype == P.RECEIVED:
            self._events.received(rp.Received.decode(body))
        elif ptype == P.JOIN_EVENT:
            self._events.joined(rp.JoinNotice.decode(body))
        elif ptype == P.SEND_CONFIRM and tag in self._confirms:
            confirm = self._confirms.pop(tag)
            confirm(rp.Status(body[0]))
        else:
            self._answers.append((ptype, tag, body))

    def _request(self, ptype: P, body: bytes = b"") -> bytes:
        tag = self._next_tag()
        self._answers.clear()
        self._coprocessor.handle(rp.packet(ptype, tag, body))
        for answer_type, answer_tag, answer in self._answers:
            if answer_tag == tag:
                if answer_type == P.ERROR:
                    raise RuntimeError(f"the air refused packet 0x{ptype:02X}: {answer[1:]!r}")
                return answer
        raise RuntimeError(f"the air did not answer packet 0x{ptype:02X}")

    def _status(self, ptype: P, body: bytes = b"") -> rp.Status:
        return rp.Status(self._request(ptype, body)[0])

    def form(self, params: rp.NetworkParameters) -> rp.Status:
        """A new network with ``params``: every device leaves it until it joins again."""
        return self._status(P.FORM_NETWORK, params.encode())

    def start(self) -> rp.Status:
        return self._status(P.START_NETWORK)

    def leave(self) -> rp.Status:
        return self._status(P.LEAVE_NETWORK)

    def permit(self, seconds: int) -> rp.Status:
        return self._status(P.PERMIT_JOIN, bytes((max(0, min(255, seconds)),)))

    def add_endpoint(self, endpoint: rp.Endpoint) -> rp.Status:
        return self._status(P.ADD_ENDPOINT, endpoint.encode())

    def send(self, frame: rp.Send, confirm: Confirm) -> None:
        """Transmit ``frame``; ``confirm`` gets its fate (now, or later for a silent device)."""
        tag = self._next_tag()
        self._confirms[tag] = confirm
        self._answers.clear()
        self._coprocessor.handle(rp.packet(P.SEND, tag, frame.encode()))
        if any(t == tag and kind == P.ERROR for kind, t, _ in self._answers):
            self._confirms.pop(tag)(rp.Status.INVALID_REQUEST)

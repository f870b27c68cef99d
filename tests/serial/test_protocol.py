"""The message layout and body codecs, and the specification's examples checked against them."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastpath import hdlc
from rigs.operations import (
    ActivationResult,
    ActivationStatus,
    DeviceIdentity,
    DeviceRole,
    FirmwareVersion,
    HeldImage,
    PinCheck,
    PinStatus,
    PinVerification,
)
from rigs.serial import bodies
from rigs.serial.device import DeviceEvent
from rigs.serial.protocol import (
    MAX_PAYLOAD,
    Command,
    ProtocolError,
    Request,
    Response,
    Status,
    decode_request,
    decode_response,
    describe,
    encode_error,
    notice,
    redact_payload,
)

SPEC = Path(__file__).resolve().parents[2] / "docs" / "test-port.md"


def _spec_examples() -> list[tuple[str, bytes, bytes]]:
    text = SPEC.read_text(encoding="utf-8")
    found = re.findall(
        r"\*\*(.+?)\*\*\n\n```\npayload: ([0-9A-F ]+)\nwire: +([0-9A-F ]+)\n```", text
    )
    return [(title, bytes.fromhex(p), bytes.fromhex(w)) for title, p, w in found]


def test_the_specification_has_examples() -> None:
    assert len(_spec_examples()) >= 12


@pytest.mark.parametrize(("title", "payload", "wire"), _spec_examples(), ids=lambda v: str(v)[:40])
def test_specification_examples_are_exact(title: str, payload: bytes, wire: bytes) -> None:
    assert hdlc.encode(payload, max_frame=MAX_PAYLOAD) == wire
    assert hdlc.Decoder(max_frame=MAX_PAYLOAD).feed(wire) == [payload]


def test_specification_examples_mean_what_they_say() -> None:
    examples = {
        title.split(":")[0].split(",")[0]: payload for title, payload, _ in _spec_examples()
    }
    assert decode_request(examples["HELLO request"]) == Request(Command.HELLO, 1)
    hello = decode_response(examples["HELLO answer"])
    assert bodies.decode_hello(hello.body) == bodies.Hello(1, 1024, 32, 1)
    offer = bodies.decode_offer(decode_request(examples["IMAGE_OFFER request"]).body)
    assert offer == bodies.Offer(65536, hashlib.sha256(b"").digest(), 1024)
    block = decode_request(examples["IMAGE_BLOCK request"])
    assert bodies.decode_block(block.body) == (0x400, b"\x7e\x7d\x00\x11")
    gap = decode_response(examples["IMAGE_BLOCK answer"])
    assert gap.command == Command.IMAGE_BLOCK
    activate = bodies.decode_activate(decode_request(examples["ACTIVATE request"]).body)
    assert activate.at == dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
    pin = decode_request(examples["VERIFY_PIN request"])
    assert bodies.decode_pin(pin.body) == "1234"
    wrong = decode_response(examples["VERIFY_PIN answer"])
    assert bodies.decode_pin_reply(wrong.body) == PinVerification(PinCheck.WRONG, 4)
    booted = decode_response(examples["BOOTED notice"])
    assert booted.is_notice and booted.status == Status.BOOTED and booted.error() == (2, "")


def test_requests_and_responses_keep_apart() -> None:
    request = Request(Command.IDENTIFY, 0xBEEF, b"x").encode()
    response = Response(Command.IDENTIFY, 0xBEEF, Status.OK, b"y").encode()
    assert decode_request(request) == Request(Command.IDENTIFY, 0xBEEF, b"x")
    assert decode_response(response) == Response(Command.IDENTIFY, 0xBEEF, Status.OK, b"y")
    with pytest.raises(ProtocolError, match="is a response"):
        decode_request(response)
    with pytest.raises(ProtocolError, match="is a request"):
        decode_response(request)
    with pytest.raises(ProtocolError, match="version 2"):
        decode_request(b"\x02\x01\x00\x01")
    with pytest.raises(ProtocolError, match="shorter than its header"):
        decode_response(b"\x01\x81\x00")


def test_short_bodies_are_protocol_errors() -> None:
    with pytest.raises(ProtocolError, match="field needs"):
        bodies.decode_offer(b"\x00\x00\x01\x00" + bytes(10))
    with pytest.raises(ProtocolError, match="PIN length"):
        bodies.decode_pin(b"\x00")
    with pytest.raises(ProtocolError, match="unknown device role"):
        bodies.decode_identity(b"\x09" + bytes(40))


def test_identity_round_trip() -> None:
    identity = DeviceIdentity("00124B0001ABCDEF", DeviceRole.GSME, "G1", "Acme", 0x1234, 7, 3)
    reply = bodies.decode_identity(
        bodies.encode_identity(identity, FirmwareVersion(5, "00000005"), None)
    )
    assert reply == bodies.IdentityReply(identity, FirmwareVersion(5, "00000005"), None)
    held = HeldImage(9, 100, bytes(32), bytes(range(32)))
    assert (
        bodies.decode_identity(
            bodies.encode_identity(identity, FirmwareVersion(5, "x"), held)
        ).held_file_version
        == 9
    )


def test_image_status_round_trip() -> None:
    held = HeldImage(0x202, 4096, hashlib.sha256(b"a").digest(), hashlib.sha256(b"b").digest())
    status = bodies.image_status_of(held, None)
    assert bodies.decode_image_status(bodies.encode_image_status(status)).held_image() == held
    nothing = bodies.decode_image_status(
        bodies.encode_image_status(bodies.image_status_of(None, None))
    )
    assert nothing.held_image() is None and nothing.size == 0


@pytest.mark.parametrize(
    "result",
    [
        ActivationResult(ActivationStatus.ACTIVATED, running=FirmwareVersion(2, "00000002")),
        ActivationResult(
            ActivationStatus.SCHEDULED,
            at=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
            running=FirmwareVersion(1, "00000001"),
        ),
        ActivationResult(ActivationStatus.CANCELLED, running=FirmwareVersion(1, "00000001")),
        ActivationResult(
            ActivationStatus.CANCELLED,
            running=FirmwareVersion(1, "00000001"),
            reason="nothing scheduled",
        ),
    ],
)
def test_activation_round_trip(result: ActivationResult) -> None:
    assert bodies.decode_activation(bodies.encode_activation(result)) == result


def test_pin_and_events_round_trip() -> None:
    assert bodies.decode_pin(bodies.encode_pin("0042")) == "0042"
    with pytest.raises(ValueError):
        bodies.encode_pin("")
    status = PinStatus(is_default=True, locked=False, attempts_left=3)
    assert bodies.decode_pin_status(bodies.encode_pin_status(status)) == status
    with pytest.raises(ValueError, match="default"):
        bodies.encode_pin_status(PinStatus(is_default=None, locked=False, attempts_left=3))
    events = [
        DeviceEvent(i, dt.datetime(2026, 1, 1, tzinfo=dt.UTC), 30 + i, f"e{i}") for i in range(3)
    ]
    assert bodies.decode_events(bodies.encode_events(7, events)) == (7, events)


@given(st.text(alphabet="0123456789", min_size=1, max_size=16), st.integers(1, 0xFFFF))
def test_redaction_removes_every_pin(pin: str, seq: int) -> None:
    payload = Request(Command.VERIFY_PIN, seq, bodies.encode_pin(pin)).encode()
    redacted = redact_payload(payload)
    assert redacted[:4] == payload[:4]
    assert pin.encode() not in redacted[4:]
    assert "pin=<redacted>" in describe(payload) and pin not in describe(payload).split("seq=")[0]
    assert (
        redact_payload(Request(Command.HELLO, seq).encode()) == Request(Command.HELLO, seq).encode()
    )


def test_a_request_repr_never_shows_a_pin() -> None:
    request = Request(Command.VERIFY_PIN, 9, bodies.encode_pin("86420135"))
    assert "86420135" not in repr(request) and "pin=<redacted>" in repr(request)
    assert "86420135" not in str([request])


def test_describe_is_one_line_for_anything() -> None:
    assert describe(b"\x01") == "short frame (1 bytes)"
    assert describe(Request(Command.IMAGE_BLOCK, 3, b"\x00\x00\x04\x00" + bytes(10)).encode()) == (
        "IMAGE_BLOCK seq=3 offset=1024 len=10"
    )
    failing = Response(Command.IMAGE_BLOCK, 3, Status.GAP, encode_error(1024, "too far")).encode()
    assert describe(failing) == "IMAGE_BLOCK seq=3 status=GAP detail=1024 reason='too far'"
    assert (
        describe(notice(Status.FRAME_ERROR, 2).encode())
        == "NOTICE seq=0 status=FRAME_ERROR detail=2"
    )


def test_an_events_answer_always_fits_a_frame() -> None:
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    long = [DeviceEvent(i, at, 1, "\u00e9" * 300) for i in range(32)]
    body = bodies.encode_events(32, long, limit=MAX_PAYLOAD - 16)
    total, events = bodies.decode_events(body)
    assert total == 32 and 0 < len(events) < 32
    assert len(body) <= MAX_PAYLOAD - 16
    assert events[0].text == "\u00e9" * 127  # cut at 255 bytes, on a character boundary

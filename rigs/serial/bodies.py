"""Bodies of each test-port command and answer, as bytes and back (both sides use them)."""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass

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
from rigs.serial.device import DeviceEvent, TransferState
from rigs.serial.protocol import (
    MAX_PIN_LENGTH,
    NO_VERSION,
    ImageState,
    Outcome,
    PinResult,
    ProtocolError,
    Reader,
    Role,
    epoch_seconds,
    from_epoch,
    lv,
)

_ROLE_CODES = {DeviceRole.PPMID: Role.PPMID, DeviceRole.ESME: Role.ESME, DeviceRole.GSME: Role.GSME}
_ROLES: dict[int, DeviceRole] = {code: role for role, code in _ROLE_CODES.items()}
_ZERO_HASH = bytes(32)


# HELLO --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hello:
    version: int
    max_block: int
    window: int
    boot_count: int


def encode_hello(hello: Hello) -> bytes:
    return struct.pack(
        ">BHBH", hello.version, hello.max_block, hello.window, hello.boot_count & 0xFFFF
    )


def decode_hello(body: bytes) -> Hello:
    r = Reader(body)
    return Hello(r.u8(), r.u16(), r.u8(), r.u16())


# IDENTIFY -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentityReply:
    identity: DeviceIdentity
    running: FirmwareVersion
    held_file_version: int | None


def encode_identity(
    identity: DeviceIdentity, running: FirmwareVersion, held: HeldImage | None
) -> bytes:
    return (
        bytes([_ROLE_CODES[identity.role]])
        + bytes.fromhex(identity.ieee)
        + struct.pack(
            ">HHHII",
            identity.manufacturer_code,
            identity.image_type,
            identity.hardware_version,
            running.file_version,
            held.file_version if held is not None else NO_VERSION,
        )
        + lv(identity.model)
        + lv(identity.manufacturer)
        + lv(running.build_id)
    )


def decode_identity(body: bytes) -> IdentityReply:
    r = Reader(body)
    role_code = r.u8()
    if role_code not in _ROLES:
        raise ProtocolError(f"unknown device role code {role_code}")
    ieee = r.take(8).hex().upper()
    manufacturer_code, image_type, hardware_version = r.u16(), r.u16(), r.u16()
    running_version, held_version = r.u32(), r.u32()
    model, manufacturer, build_id = r.text(), r.text(), r.text()
    identity = DeviceIdentity(
        ieee=ieee,
        role=_ROLES[role_code],
        model=model,
        manufacturer=manufacturer,
        manufacturer_code=manufacturer_code,
        image_type=image_type,
        hardware_version=hardware_version,
    )
    return IdentityReply(
        identity,
        FirmwareVersion(running_version, build_id),
        None if held_version == NO_VERSION else held_version,
    )


# READ_FIRMWARE ------------------------------------------------------------------------------


def encode_firmware(version: FirmwareVersion) -> bytes:
    return struct.pack(">I", version.file_version) + lv(version.build_id)


def decode_firmware(body: bytes) -> FirmwareVersion:
    r = Reader(body)
    return FirmwareVersion(r.u32(), r.text())


# IMAGE_OFFER --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    size: int
    sha256: bytes
    block_size: int


@dataclass(frozen=True)
class OfferReply:
    block_size: int
    resume_offset: int
    window: int


def encode_offer(offer: Offer) -> bytes:
    if len(offer.sha256) != 32:
        raise ValueError("sha256 must be 32 bytes")
    return struct.pack(">I", offer.size) + offer.sha256 + struct.pack(">H", offer.block_size)


def decode_offer(body: bytes) -> Offer:
    r = Reader(body)
    return Offer(r.u32(), r.take(32), r.u16())


def encode_offer_reply(reply: OfferReply) -> bytes:
    return struct.pack(">HIB", reply.block_size, reply.resume_offset, reply.window)


def decode_offer_reply(body: bytes) -> OfferReply:
    r = Reader(body)
    return OfferReply(r.u16(), r.u32(), r.u8())


# IMAGE_BLOCK --------------------------------------------------------------------------------


def encode_block(offset: int, data: bytes) -> bytes:
    return struct.pack(">I", offset) + data


def decode_block(body: bytes) -> tuple[int, bytes]:
    r = Reader(body)
    return r.u32(), r.rest()


def encode_next_offset(next_offset: int) -> bytes:
    return struct.pack(">I", next_offset)


def decode_next_offset(body: bytes) -> int:
    return Reader(body).u32()


# IMAGE_STATUS / IMAGE_END -------------------------------------------------------------------


@dataclass(frozen=True)
class ImageStatus:
    state: ImageState
    size: int
    received: int
    sha256: bytes
    file_version: int | None
    manufacturer_image_sha256: bytes | None

    def held_image(self) -> HeldImage | None:
        if self.state is not ImageState.HELD or self.file_version is None:
            return None
        return HeldImage(
            file_version=self.file_version,
            size=self.size,
            sha256=self.sha256,
            manufacturer_image_sha256=self.manufacturer_image_sha256 or _ZERO_HASH,
        )


def image_status_of(held: HeldImage | None, receiving: TransferState | None) -> ImageStatus:
    if receiving is not None:
        return ImageStatus(
            ImageState.RECEIVING, receiving.size, receiving.received, receiving.sha256, None, None
        )
    if held is not None:
        return ImageStatus(
            ImageState.HELD,
            held.size,
            held.size,
            held.sha256,
            held.file_version,
            held.manufacturer_image_sha256,
        )
    return ImageStatus(ImageState.NONE, 0, 0, _ZERO_HASH, None, None)


def encode_image_status(status: ImageStatus) -> bytes:
    return (
        struct.pack(">BII", status.state, status.size, status.received)
        + status.sha256
        + struct.pack(">I", NO_VERSION if status.file_version is None else status.file_version)
        + (status.manufacturer_image_sha256 or _ZERO_HASH)
    )


def decode_image_status(body: bytes) -> ImageStatus:
    r = Reader(body)
    state_code, size, received = r.u8(), r.u32(), r.u32()
    try:
        state = ImageState(state_code)
    except ValueError:
        raise ProtocolError(f"unknown image state {state_code}") from None
    sha = r.take(32)
    version = r.u32()
    mfr = r.take(32)
    return ImageStatus(
        state,
        size,
        received,
        sha,
        None if version == NO_VERSION else version,
        None if state is not ImageState.HELD else mfr,
    )


# ACTIVATE / CANCEL_ACTIVATION ---------------------------------------------------------------


@dataclass(frozen=True)
class ActivateRequest:
    at: dt.datetime | None
    expected_sha256: bytes | None


def encode_activate(request: ActivateRequest) -> bytes:
    mode = 0 if request.at is None else 1
    seconds = 0 if request.at is None else epoch_seconds(request.at)
    body = struct.pack(">Bq", mode, seconds)
    if request.expected_sha256 is not None:
        if len(request.expected_sha256) != 32:
            raise ValueError("expected_sha256 must be 32 bytes")
        body += request.expected_sha256
    return body


def decode_activate(body: bytes) -> ActivateRequest:
    r = Reader(body)
    mode, seconds = r.u8(), r.i64()
    if mode not in (0, 1):
        raise ProtocolError(f"activation mode {mode} is neither 0 (now) nor 1 (at a time)")
    expected = r.take(32) if r.remaining else None
    return ActivateRequest(None if mode == 0 else from_epoch(seconds), expected)


_OUTCOMES = {
    ActivationStatus.ACTIVATED: Outcome.ACTIVATED,
    ActivationStatus.SCHEDULED: Outcome.SCHEDULED,
    ActivationStatus.CANCELLED: Outcome.CANCELLED,
}
_STATUSES: dict[Outcome, ActivationStatus] = {code: status for status, code in _OUTCOMES.items()}


def encode_activation(result: ActivationResult) -> bytes:
    if result.status is ActivationStatus.CANCELLED and result.reason == "nothing scheduled":
        outcome = Outcome.NOTHING_SCHEDULED
    elif result.status in _OUTCOMES:
        outcome = _OUTCOMES[result.status]
    else:
        raise ValueError(f"activation status {result.status.value} has no OK answer")
    running = result.running or FirmwareVersion(NO_VERSION, "")
    seconds = 0 if result.at is None else epoch_seconds(result.at)
    return struct.pack(">BqI", outcome, seconds, running.file_version) + lv(running.build_id)


def decode_activation(body: bytes) -> ActivationResult:
    r = Reader(body)
    outcome_code, seconds, version = r.u8(), r.i64(), r.u32()
    build_id = r.text()
    try:
        outcome = Outcome(outcome_code)
    except ValueError:
        raise ProtocolError(f"unknown activation outcome {outcome_code}") from None
    running = None if version == NO_VERSION else FirmwareVersion(version, build_id)
    at = from_epoch(seconds) if outcome is Outcome.SCHEDULED else None
    if outcome is Outcome.NOTHING_SCHEDULED:
        return ActivationResult(
            ActivationStatus.CANCELLED, running=running, reason="nothing scheduled"
        )
    return ActivationResult(_STATUSES[outcome], at=at, running=running)


# READ_SITE_ID -------------------------------------------------------------------------------


def encode_site_id(site_id: str) -> bytes:
    return lv(site_id)


def decode_site_id(body: bytes) -> str:
    return Reader(body).text()


# VERIFY_PIN / PIN_STATUS --------------------------------------------------------------------


def encode_pin(pin: str) -> bytes:
    raw = pin.encode("ascii", "strict")
    if not 1 <= len(raw) <= MAX_PIN_LENGTH:
        raise ValueError(f"a PIN has 1 to {MAX_PIN_LENGTH} characters")
    return bytes([len(raw)]) + raw


def decode_pin(body: bytes) -> str:
    r = Reader(body)
    length = r.u8()
    if not 1 <= length <= MAX_PIN_LENGTH:
        raise ProtocolError(f"PIN length must be 1 to {MAX_PIN_LENGTH}")
    raw = r.take(length)
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        raise ProtocolError("PIN is not ASCII") from None


_PIN_RESULTS = {
    PinCheck.CORRECT: PinResult.CORRECT,
    PinCheck.WRONG: PinResult.WRONG,
    PinCheck.LOCKED: PinResult.LOCKED,
}
_PIN_CHECKS: dict[int, PinCheck] = {code: check for check, code in _PIN_RESULTS.items()}


def encode_pin_reply(result: PinVerification) -> bytes:
    return bytes([_PIN_RESULTS[result.result], max(0, min(255, result.attempts_left))])


def decode_pin_reply(body: bytes) -> PinVerification:
    r = Reader(body)
    code, attempts = r.u8(), r.u8()
    if code not in _PIN_CHECKS:
        raise ProtocolError(f"unknown PIN result {code}")
    return PinVerification(_PIN_CHECKS[code], attempts)


def encode_pin_status(status: PinStatus) -> bytes:
    if status.is_default is None:
        raise ValueError("the test port's PIN status always says whether the PIN is a default")
    flags = (1 if status.is_default else 0) | (2 if status.locked else 0)
    return bytes([flags, max(0, min(255, status.attempts_left))])


def decode_pin_status(body: bytes) -> PinStatus:
    r = Reader(body)
    flags, attempts = r.u8(), r.u8()
    return PinStatus(bool(flags & 1), bool(flags & 2), attempts)


# READ_EVENTS --------------------------------------------------------------------------------


def encode_events_request(first: int, max_count: int) -> bytes:
    return struct.pack(">IB", first, max_count)


def decode_events_request(body: bytes) -> tuple[int, int]:
    r = Reader(body)
    return r.u32(), r.u8()


def encode_event(event: DeviceEvent) -> bytes:
    text = event.text.encode("utf-8")[:255].decode("utf-8", "ignore")
    return struct.pack(">IqH", event.index, epoch_seconds(event.at), event.code) + lv(text)


def encode_events(total: int, events: list[DeviceEvent], *, limit: int | None = None) -> bytes:
    """The READ_EVENTS answer; with ``limit``, only as many events as fit in that many bytes."""
    encoded: list[bytes] = []
    size = 5
    for event in events:
        item = encode_event(event)
        if limit is not None and size + len(item) > limit:
            break
        encoded.append(item)
        size += len(item)
    return struct.pack(">IB", total, len(encoded)) + b"".join(encoded)


def decode_events(body: bytes) -> tuple[int, list[DeviceEvent]]:
    r = Reader(body)
    total, count = r.u32(), r.u8()
    events = []
    for _ in range(count):
        index, seconds, code = r.u32(), r.i64(), r.u16()
        events.append(DeviceEvent(index, from_epoch(seconds), code, r.text()))
    return total, events

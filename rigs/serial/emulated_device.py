"""A small, complete device model behind a test port: firmware slots, image reception that survives
a restart, activation now or at a time (injectable clock), site id, engineering-menu PIN with
lockout, an event log, and fault injection (restart after a number of received bytes).

It implements :class:`rigs.serial.device.TestPortDevice` and is served on a pty or TCP port by
:class:`rigs.serial.responder.TestPortResponder` (see :mod:`rigs.serial.serve`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rigs.operations import (
    ActivationResult,
    ActivationStatus,
    DeviceIdentity,
    DeviceRole,
    FirmwareVersion,
    HeldImage,
    PinCheck,
    PinVerification,
)
from rigs.serial.device import DeviceEvent, DeviceReset, PinStatus, TestPortRefusal, TransferState
from rigs.serial.protocol import Status

OTA_MAGIC = 0x0BEEF11E
OTA_HEADER_MIN = 56
SIGNATURE_TAG = b"\x00\x40"
SIGNATURE_LENGTH = 64
DEFAULT_PINS = frozenset({"0000", "1234"})
PIN_ATTEMPTS = 5


class EventCode:
    BOOT = 1
    IMAGE_OFFERED = 10
    IMAGE_HELD = 11
    IMAGE_REJECTED = 12
    ACTIVATED = 20
    ACTIVATION_SCHEDULED = 21
    ACTIVATION_CANCELLED = 22
    ACTIVATION_REFUSED = 23
    PIN_CORRECT = 30
    PIN_WRONG = 31
    PIN_LOCKED = 32


@dataclass(frozen=True)
class OtaHeader:
    header_length: int
    manufacturer_code: int
    image_type: int
    file_version: int
    total_size: int


def parse_ota_header(image: bytes) -> OtaHeader:
    """The fields of a ZigBee OTA file header the device checks; ValueError if it is not one."""
    if len(image) < OTA_HEADER_MIN:
        raise ValueError(f"image of {len(image)} bytes is shorter than an OTA header")
    magic, _version, header_length, _control, manufacturer, image_type, file_version = (
        struct.unpack_from("<IHHHHHI", image)
    )
    if magic != OTA_MAGIC:
        raise ValueError("not a ZigBee OTA file (no 0x0BEEF11E identifier)")
    if not OTA_HEADER_MIN <= header_length <= len(image):
        raise ValueError(f"OTA header length {header_length} is out of range")
    total_size = struct.unpack_from("<I", image, 52)[0]
    if total_size != len(image):
        raise ValueError(f"OTA header says {total_size} bytes, image has {len(image)}")
    return OtaHeader(header_length, manufacturer, image_type, file_version, total_size)


def manufacturer_image(image: bytes, header: OtaHeader) -> bytes:
    """The manufacturer image: after the OTA header, without a trailing ``00 40`` + 64-byte signature."""
    body = image[header.header_length :]
    tail = SIGNATURE_LENGTH + len(SIGNATURE_TAG)
    if len(body) > tail and body[-tail:-SIGNATURE_LENGTH] == SIGNATURE_TAG:
        body = body[:-tail]
    return body


def build_id_of(file_version: int) -> str:
    return f"{file_version:08X}"


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class EmulatedTestPortDevice:
    """A PPMID, ESME or GSME as its test port sees it."""

    def __init__(
        self,
        *,
        ieee: str,
        role: DeviceRole = DeviceRole.PPMID,
        model: str = "EMU-PPMID-1",
        manufacturer: str = "smets1-hil emulator",
        manufacturer_code: int = 0x1234,
        image_type: int = 0x0001,
        hardware_version: int = 1,
        file_version: int = 0x00000101,
        site_id: str = "1234567890123",
        pin: str = "1234",
        default_pins: frozenset[str] = DEFAULT_PINS,
        max_image_size: int = 4 * 1024 * 1024,
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        self._identity = DeviceIdentity(
            ieee=ieee.upper(),
            role=role,
            model=model,
            manufacturer=manufacturer,
            manufacturer_code=manufacturer_code,
            image_type=image_type,
            hardware_version=hardware_version,
        )
        self._running = FirmwareVersion(file_version, build_id_of(file_version))
        self._site_id = site_id
        self._pin = pin
        self._default_pins = default_pins
        self._attempts_left = PIN_ATTEMPTS
        self.max_image_size = max_image_size
        self.clock = clock
        self._boot_count = 1
        self._events: list[DeviceEvent] = []
        # flash: survives a restart
        self._partial: bytearray | None = None
        self._partial_size = 0
        self._partial_sha = b""
        self._held: HeldImage | None = None
        self._scheduled: dt.datetime | None = None
        # RAM: lost on a restart
        self._offer_active = False
        # fault injection
        self.reset_after_bytes: int | None = None
        self.damage_byte_at: int | None = None  # flip a bit of this image byte when stored, once
        self._log(EventCode.BOOT, "device started")

    def __repr__(self) -> str:
        return f"<EmulatedTestPortDevice {self._identity.role.value} {self._identity.ieee}>"

    # --- fault injection and clock -----------------------------------------------------------

    def reset(self) -> None:
        """Restart: the offer in progress is forgotten; flash (partial and held image) stays."""
        self._boot_count += 1
        self._offer_active = False
        self._log(EventCode.BOOT, "device restarted")

    def _tick(self) -> None:
        if self._scheduled is not None and self.clock() >= self._scheduled:
            self._scheduled = None
            self._run_held("scheduled activation")

    # --- TestPortDevice ----------------------------------------------------------------------

    @property
    def boot_count(self) -> int:
        return self._boot_count

    def identity(self) -> DeviceIdentity:
        return self._identity

    def firmware(self) -> FirmwareVersion:
        self._tick()
        return self._running

    def held(self) -> HeldImage | None:
        self._tick()
        return self._held

    def transfer_state(self) -> TransferState | None:
        if self._partial is None:
            return None
        return TransferState(self._partial_size, len(self._partial), self._partial_sha)

    def offer_image(self, size: int, sha256: bytes) -> int:
        if size > self.max_image_size:
            self._log(
                EventCode.IMAGE_REJECTED, f"image of {size} bytes is over {self.max_image_size}"
            )
            raise TestPortRefusal(
                Status.REJECTED, f"image of {size} bytes is larger than {self.max_image_size}"
            )
        self._offer_active = True
        if self._partial is not None and self._partial_size == size and self._partial_sha == sha256:
            return len(self._partial)
        self._partial = bytearray()
        self._partial_size = size
        self._partial_sha = bytes(sha256)
        self._log(EventCode.IMAGE_OFFERED, f"image of {size} bytes offered")
        return 0

    def write_block(self, offset: int, data: bytes) -> int:
        if not self._offer_active or self._partial is None:
            raise TestPortRefusal(Status.NO_SESSION, "no image offer since the device started")
        if offset != len(self._partial) or offset + len(data) > self._partial_size:
            raise TestPortRefusal(
                Status.OUT_OF_RANGE, f"block at {offset} is not at {len(self._partial)}"
            )
        limit = self.reset_after_bytes
        if limit is not None and len(self._partial) + len(data) > limit:
            self.reset_after_bytes = None
            keep = max(0, limit - len(self._partial))
            self._partial += data[:keep]
            self.reset()
            raise DeviceReset()
        damage = self.damage_byte_at
        if damage is not None and offset <= damage < offset + len(data):
            self.damage_byte_at = None
            spoiled = bytearray(data)
            spoiled[damage - offset] ^= 0x10
            data = bytes(spoiled)
        self._partial += data
        return len(self._partial)

    def finish_image(self) -> HeldImage:
        if self._partial is None or len(self._partial) != self._partial_size:
            raise TestPortRefusal(Status.INCOMPLETE, "the image is not complete")
        image = bytes(self._partial)
        self._partial = None
        self._offer_active = False
        if hashlib.sha256(image).digest() != self._partial_sha:
            self._log(EventCode.IMAGE_REJECTED, "image SHA-256 does not match the offer")
            raise TestPortRefusal(
                Status.BAD_HASH, "SHA-256 of the received image does not match the offer"
            )
        try:
            header = parse_ota_header(image)
        except ValueError as exc:
            self._log(EventCode.IMAGE_REJECTED, str(exc))
            raise TestPortRefusal(Status.REJECTED, str(exc)) from None
        ident = self._identity
        if (
            header.manufacturer_code != ident.manufacturer_code
            or header.image_type != ident.image_type
        ):
            reason = (
                f"image is for manufacturer 0x{header.manufacturer_code:04X} type 0x{header.image_type:04X}, "
                f"device is 0x{ident.manufacturer_code:04X} type 0x{ident.image_type:04X}"
            )
            self._log(EventCode.IMAGE_REJECTED, reason)
            raise TestPortRefusal(Status.REJECTED, reason)
        self._held = HeldImage(
            file_version=header.file_version,
            size=len(image),
            sha256=hashlib.sha256(image).digest(),
            manufacturer_image_sha256=hashlib.sha256(manufacturer_image(image, header)).digest(),
        )
        self._scheduled = None
        self._log(EventCode.IMAGE_HELD, f"image {build_id_of(header.file_version)} held")
        return self._held

    def activate(self, at: dt.datetime | None, expected_sha256: bytes | None) -> ActivationResult:
        self._tick()
        held = self._held
        if held is None:
            self._log(EventCode.ACTIVATION_REFUSED, "activation refused: no image held")
            raise TestPortRefusal(Status.NO_IMAGE, "no image held")
        if expected_sha256 is not None and expected_sha256 != held.manufacturer_image_sha256:
            self._log(
                EventCode.ACTIVATION_REFUSED,
                "activation refused: hash does not match the held image",
            )
            raise TestPortRefusal(Status.HASH_MISMATCH, "hash does not match the held image")
        if at is not None and at > self.clock():
            self._scheduled = at
            self._log(EventCode.ACTIVATION_SCHEDULED, f"activation scheduled for {at.isoformat()}")
            return ActivationResult(ActivationStatus.SCHEDULED, at=at, running=self._running)
        self._run_held("activation")
        return ActivationResult(ActivationStatus.ACTIVATED, running=self._running)

    def _run_held(self, why: str) -> None:
        held = self._held
        if held is None:
            return
        self._running = FirmwareVersion(held.file_version, build_id_of(held.file_version))
        self._held = None
        self._log(EventCode.ACTIVATED, f"{why}: running {self._running.build_id}")

    def cancel_activation(self) -> ActivationResult:
        self._tick()
        if self._scheduled is None:
            return ActivationResult(
                ActivationStatus.CANCELLED, running=self._running, reason="nothing scheduled"
            )
        self._scheduled = None
        self._log(EventCode.ACTIVATION_CANCELLED, "scheduled activation cancelled")
        return ActivationResult(ActivationStatus.CANCELLED, running=self._running)

    def site_id(self) -> str:
        return self._site_id

    def verify_pin(self, pin: str) -> PinVerification:
        if self._attempts_left == 0:
            self._log(EventCode.PIN_LOCKED, "PIN verification refused: locked")
            return PinVerification(PinCheck.LOCKED, 0)
        if pin == self._pin:
            self._attempts_left = PIN_ATTEMPTS
            self._log(EventCode.PIN_CORRECT, "PIN verified")
            return PinVerification(PinCheck.CORRECT, self._attempts_left)
        self._attempts_left -= 1
        if self._attempts_left == 0:
            self._log(EventCode.PIN_LOCKED, "wrong PIN: locked")
            return PinVerification(PinCheck.LOCKED, 0)
        self._log(EventCode.PIN_WRONG, f"wrong PIN: {self._attempts_left} attempts left")
        return PinVerification(PinCheck.WRONG, self._attempts_left)

    def pin_status(self) -> PinStatus:
        return PinStatus(
            self._pin in self._default_pins, self._attempts_left == 0, self._attempts_left
        )

    def events(self) -> Sequence[DeviceEvent]:
        return tuple(self._events)

    def _log(self, code: int, text: str) -> None:
        self._events.append(DeviceEvent(len(self._events), self.clock(), code, text))

"""An emulated device as its serial test port sees it: a :class:`~rigs.serial.device.TestPortDevice`.

:class:`DeviceTestPort` serves an :class:`~rigs.emulator.device.EmulatedDevice` through the test
port's interface (``docs/test-port.md``), so the emulator hosts one device behind two ports: an
image sent over the test port is the image the ZigBee side reports as held, an activation on either
side changes the running version both report, and PIN attempts on either side count toward the
same lockout. What belongs to the test port alone lives here: whether an offer is current (lost
on a restart) and two faults for tests (a restart after a number of received bytes, one damaged
byte).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

from rigs.emulator.device import ActivationOutcome, EmulatedDevice, Reception
from rigs.emulator.ota_image import ImageFormatError, parse_header
from rigs.operations import (
    ActivationResult,
    ActivationStatus,
    DeviceIdentity,
    FirmwareVersion,
    HeldImage,
    PinStatus,
    PinVerification,
)
from rigs.serial.device import DeviceEvent, DeviceReset, TestPortRefusal, TransferState
from rigs.serial.protocol import Status


class DeviceTestPort:
    """The :class:`~rigs.serial.device.TestPortDevice` of one emulated device."""

    __test__ = False  # a library class, not a pytest test class

    def __init__(self, device: EmulatedDevice) -> None:
        self.device = device
        self._offer_boot: int | None = None  # boot count when the current offer was made
        # fault injection
        self.reset_after_bytes: int | None = None  # restart once this many bytes are held
        self.damage_byte_at: int | None = None  # flip a bit of this image byte when stored, once

    def __repr__(self) -> str:
        return f"<DeviceTestPort {self.device.profile.role.value} {self.device.ieee}>"

    @property
    def ieee(self) -> str:
        return self.device.ieee

    @property
    def answering(self) -> bool:
        """False while the device's power is off or its firmware hangs: the responder then hears
        and says nothing."""
        return self.device.answering

    def reset(self) -> None:
        """Restart the device keeping its state: the offer in progress is gone, flash stays."""
        self.device.restart(keep_state=True)

    # --- TestPortDevice ------------------------------------------------------------------------

    @property
    def boot_count(self) -> int:
        return self.device.boot_count

    def identity(self) -> DeviceIdentity:
        p = self.device.profile
        return DeviceIdentity(
            ieee=self.device.ieee,
            role=p.role,
            model=p.model,
            manufacturer=p.manufacturer,
            manufacturer_code=p.manufacturer_code,
            image_type=p.image_type,
            hardware_version=p.hardware_version,
        )

    def firmware(self) -> FirmwareVersion:
        self.device.tick()
        return FirmwareVersion(self.device.running_version, self.device.build_id)

    def held(self) -> HeldImage | None:
        self.device.tick()
        held = self.device.held
        if held is None:
            return None
        d = held.digest
        return HeldImage(d.file_version, d.size, d.sha256, d.manufacturer_image_sha256)

    def transfer_state(self) -> TransferState | None:
        reception = self.device.reception
        if reception is None:
            return None
        return TransferState(reception.size, len(reception.data), reception.sha256)

    def offer_image(self, size: int, sha256: bytes) -> int:
        device = self.device
        limit = device.profile.max_image_size
        if size > limit:
            device.log("image-refused", f"offered image of {size} bytes is larger than {limit}")
            raise TestPortRefusal(Status.REJECTED, f"image of {size} bytes is larger than {limit}")
        self._offer_boot = device.boot_count
        reception = device.reception
        if reception is not None and reception.size == size and reception.sha256 == sha256:
            return len(reception.data)
        device.reception = Reception(size, bytes(sha256))
        device.log("image-offered", f"{size} bytes over the test port")
        return 0

    def write_block(self, offset: int, data: bytes) -> int:
        device = self.device
        reception = device.reception
        if reception is None or self._offer_boot != device.boot_count:
            raise TestPortRefusal(Status.NO_SESSION, "no image offer since the device started")
        if offset != len(reception.data) or offset + len(data) > reception.size:
            raise TestPortRefusal(
                Status.OUT_OF_RANGE, f"block at {offset} is not at {len(reception.data)}"
            )
        limit = self.reset_after_bytes
        if limit is not None and len(reception.data) + len(data) > limit:
            self.reset_after_bytes = None
            reception.data += data[: max(0, limit - len(reception.data))]
            self.reset()
            raise DeviceReset()
        damage = self.damage_byte_at
        if damage is not None and offset <= damage < offset + len(data):
            self.damage_byte_at = None
            spoiled = bytearray(data)
            spoiled[damage - offset] ^= 0x10
            data = bytes(spoiled)
            device.log("fault", f"image byte {damage} stored altered")
        reception.data += data
        return len(reception.data)

    def finish_image(self) -> HeldImage:
        device = self.device
        reception = device.reception
        if reception is None or len(reception.data) != reception.size:
            raise TestPortRefusal(Status.INCOMPLETE, "the image is not complete")
        image = bytes(reception.data)
        device.reception = None
        self._offer_boot = None
        if hashlib.sha256(image).digest() != reception.sha256:
            device.log("image-refused", "image SHA-256 does not match the offer")
            raise TestPortRefusal(
                Status.BAD_HASH, "SHA-256 of the received image does not match the offer"
            )
        try:
            header = parse_header(image)
        except ImageFormatError as exc:
            reason = f"not a ZigBee OTA file: {exc}"
            device.log("image-refused", reason)
            raise TestPortRefusal(Status.REJECTED, reason) from None
        refusal = device.check_header(header, len(image))
        if refusal is not None:
            device.log("image-refused", refusal)
            raise TestPortRefusal(Status.REJECTED, refusal)
        try:
            device.hold(image, header)
        except ImageFormatError as exc:
            device.log("image-refused", str(exc))
            raise TestPortRefusal(Status.REJECTED, str(exc)) from None
        held = self.held()
        assert held is not None
        return held

    def activate(self, at: dt.datetime | None, expected_sha256: bytes | None) -> ActivationResult:
        device = self.device
        device.tick()
        held = device.held
        if held is None:
            device.log("activation-refused", "no image held")
            raise TestPortRefusal(Status.NO_IMAGE, "no image held")
        if expected_sha256 is not None and expected_sha256 != held.digest.manufacturer_image_sha256:
            device.log("activation-refused", "hash does not match the held image")
            raise TestPortRefusal(Status.HASH_MISMATCH, "hash does not match the held image")
        outcome = device.activate_at(at)
        if outcome is ActivationOutcome.SCHEDULED:
            return ActivationResult(ActivationStatus.SCHEDULED, at=at, running=self.firmware())
        return ActivationResult(ActivationStatus.ACTIVATED, running=self.firmware())

    def cancel_activation(self) -> ActivationResult:
        self.device.tick()
        if not self.device.cancel_activation():
            return ActivationResult(
                ActivationStatus.CANCELLED, running=self.firmware(), reason="nothing scheduled"
            )
        return ActivationResult(ActivationStatus.CANCELLED, running=self.firmware())

    def site_id(self) -> str:
        site_id = self.device.spec.site_id
        if site_id is None:
            raise TestPortRefusal(Status.UNKNOWN_COMMAND, "this device holds no site id")
        return site_id

    def verify_pin(self, pin: str) -> PinVerification:
        self._need_pin()
        result, attempts_left = self.device.verify_pin(pin)
        return PinVerification(result, attempts_left)

    def pin_status(self) -> PinStatus:
        self._need_pin()
        d = self.device
        return PinStatus(d.pin_is_default(), d.pin_locked, d.pin_attempts_left)

    def events(self) -> Sequence[DeviceEvent]:
        return tuple(DeviceEvent(e.index, e.at, e.code, e.text) for e in self.device.events)

    def _need_pin(self) -> None:
        if not self.device.has_pin:
            raise TestPortRefusal(Status.UNKNOWN_COMMAND, "this device has no engineering-menu PIN")

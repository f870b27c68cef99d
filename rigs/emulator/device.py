"""An emulated SMETS1 device's own state, whatever port it is reached through.

:class:`EmulatedDevice` holds the firmware slots (running version, held image, scheduled
activation), the site id, the engineering-menu PIN with its lockout, and an event log. Its methods
are the only way to change that state, so the same device can be served over the emulated radio
(``rigs.emulator.zigbee_node``) or a serial test port.

PIN values are never logged, never put in ``repr`` and never in :meth:`snapshot`.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any

from rigs.emulator.clock import DeviceClock
from rigs.emulator.ota_image import ImageDigest, ImageFormatError, OtaHeader, digest
from rigs.emulator.profiles import DeviceProfile
from rigs.emulator.zcl_frames import ZIGBEE_EPOCH, from_zigbee_time
from rigs.operations import PinCheck

MAX_PIN_FAILURES = 5


@dataclass(frozen=True)
class Faults:
    """Fault injection for one device (see docs/device-file.md)."""

    drop_blocks: frozenset[int] = frozenset()  # 1-based numbers of block responses lost
    corrupt_blocks: frozenset[int] = frozenset()  # block responses whose data arrives altered
    reboot_at_offset: int | None = None
    reboot_silent_seconds: float = 1.0
    reboot_keeps_state: bool = True
    response_delay: float = 0.0  # seconds added before every answer


@dataclass(frozen=True)
class DeviceSpec:
    """One device as the device file describes it."""

    ieee: str  # 16 upper-case hex digits
    nwk: int
    profile: DeviceProfile
    file_version: int
    site_id: str | None = None
    pin: str | None = field(default=None, repr=False)
    factory_pin: str | None = field(default=None, repr=False)
    faults: Faults = Faults()


@dataclass(frozen=True)
class HeldImage:
    digest: ImageDigest
    manufacturer_code: int
    image_type: int
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class Event:
    at: str  # ISO time on the device clock
    kind: str
    detail: str = ""


class ActivationOutcome(str, enum.Enum):
    ACTIVATED = "activated"
    SCHEDULED = "scheduled"
    WAITING = "waiting"
    NO_IMAGE = "no-image"


class EmulatedDevice:
    def __init__(self, spec: DeviceSpec, clock: DeviceClock) -> None:
        self.spec = spec
        self.profile = spec.profile
        self.clock = clock
        self.running_version = spec.file_version
        self.held: HeldImage | None = None
        self.activation_at: dt.datetime | None = None
        self._pin = spec.pin
        self._factory_pin = spec.factory_pin
        self._pin_failures = 0
        self.events: list[Event] = []

    def __repr__(self) -> str:
        return f"<EmulatedDevice {self.profile.role.value} {self.spec.ieee}>"

    @property
    def ieee(self) -> str:
        return self.spec.ieee

    @property
    def build_id(self) -> str:
        """Basic sw_build_id: the running file version as 8 hex digits."""
        return f"{self.running_version:08X}"

    def log(self, kind: str, detail: str = "") -> None:
        self.events.append(Event(self.clock.now().isoformat(), kind, detail))
        del self.events[:-500]

    # firmware -----------------------------------------------------------------------------

    def check_header(self, header: OtaHeader, advertised_size: int) -> str | None:
        """Why this device refuses an image with this header, or None if it accepts it."""
        p = self.profile
        if header.manufacturer_code != p.manufacturer_code:
            return (
                f"manufacturer 0x{header.manufacturer_code:04X} is not the device's "
                f"0x{p.manufacturer_code:04X}"
            )
        if header.image_type != p.image_type:
            return f"image type 0x{header.image_type:04X} is not the device's 0x{p.image_type:04X}"
        low, high = header.min_hardware_version, header.max_hardware_version
        if low is not None and high is not None and not low <= p.hardware_version <= high:
            return f"hardware version {p.hardware_version} outside {low}..{high}"
        if header.total_size != advertised_size:
            return (
                f"header total size {header.total_size} differs from offered size {advertised_size}"
            )
        if header.total_size > p.max_image_size:
            return f"image of {header.total_size} bytes exceeds the {p.max_image_size} accepted"
        return None

    def hold(self, data: bytes, header: OtaHeader) -> HeldImage:
        try:
            image_digest = digest(data)
        except ImageFormatError as exc:
            raise ImageFormatError(f"image refused: {exc}") from exc
        self.held = HeldImage(image_digest, header.manufacturer_code, header.image_type, data)
        self.activation_at = None
        self.log("image-held", f"version 0x{header.file_version:08X}, {len(data)} bytes")
        return self.held

    def activate(self) -> bool:
        if self.held is None:
            return False
        previous = self.running_version
        self.running_version = self.held.digest.file_version
        self.held = None
        self.activation_at = None
        self.log("activated", f"0x{previous:08X} -> 0x{self.running_version:08X}")
        return True

    def apply_upgrade_time(self, current_time: int, upgrade_time: int) -> ActivationOutcome:
        """Act on the times of an Upgrade End Response (ZigBee UTC seconds since 2000)."""
        if self.held is None:
            return ActivationOutcome.NO_IMAGE
        if upgrade_time == 0xFFFFFFFF:
            if self.activation_at is not None:
                self.log("activation-cancelled")
            self.activation_at = None
            return ActivationOutcome.WAITING
        now = self.clock.now()
        if "upgrade_time_is_offset" in self.profile.quirks:
            at = now + dt.timedelta(seconds=max(0, upgrade_time - current_time))
        else:
            at = from_zigbee_time(upgrade_time) if upgrade_time else ZIGBEE_EPOCH
        if at <= now:
            self.activate()
            return ActivationOutcome.ACTIVATED
        self.activation_at = at
        self.log("activation-scheduled", at.isoformat())
        return ActivationOutcome.SCHEDULED

    def tick(self) -> bool:
        """Run a scheduled activation whose time has come; True if one ran."""
        if self.activation_at is not None and self.clock.now() >= self.activation_at:
            return self.activate()
        return False

    def lose_volatile_state(self) -> None:
        """What a reboot without retained state loses: the held image and any schedule."""
        self.held = None
        self.activation_at = None

    # PIN ----------------------------------------------------------------------------------

    @property
    def has_pin(self) -> bool:
        return self.profile.engineering_pin and self._pin is not None

    @property
    def pin_locked(self) -> bool:
        return self._pin_failures >= MAX_PIN_FAILURES

    @property
    def pin_attempts_left(self) -> int:
        return max(0, MAX_PIN_FAILURES - self._pin_failures)

    def verify_pin(self, pin: str) -> tuple[PinCheck, int]:
        if self.pin_locked:
            self.log("pin-verify", "refused: locked")
            return PinCheck.LOCKED, 0
        if self._pin is not None and pin == self._pin:
            self._pin_failures = 0
            self.log("pin-verify", "correct")
            return PinCheck.CORRECT, MAX_PIN_FAILURES
        self._pin_failures += 1
        if self.pin_locked:
            self.log("pin-lockout", f"after {MAX_PIN_FAILURES} wrong attempts")
            return PinCheck.LOCKED, 0
        self.log("pin-verify", "wrong")
        return PinCheck.WRONG, MAX_PIN_FAILURES - self._pin_failures

    def set_pin(self, new_pin: str) -> None:
        """Privileged change (the SMSO configuration tool); clears any lockout."""
        if not (4 <= len(new_pin) <= 8 and new_pin.isdigit()):
            raise ValueError("a PIN is 4 to 8 digits")
        self._pin = new_pin
        self._pin_failures = 0
        self.log("pin-set")

    def pin_is_default(self) -> bool:
        return self._pin is not None and self._pin == self._factory_pin

    # reporting ----------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        held = self.held
        return {
            "ieee": self.ieee,
            "role": self.profile.role.value,
            "profile": self.profile.name,
            "running_version": self.running_version,
            "build_id": self.build_id,
            "held": None
            if held is None
            else {
                "file_version": held.digest.file_version,
                "size": held.digest.size,
                "sha256": held.digest.sha256.hex(),
                "manufacturer_image_sha256": held.digest.manufacturer_image_sha256.hex(),
            },
            "activation_at": None if self.activation_at is None else self.activation_at.isoformat(),
            "site_id": self.spec.site_id,
            "pin_locked": self.pin_locked,
            "pin_is_default": self.pin_is_default() if self.has_pin else None,
            "events": [e.__dict__ for e in self.events[-50:]],
        }

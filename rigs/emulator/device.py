"""An emulated SMETS1 device's own state, whatever port it is reached through.

:class:`EmulatedDevice` holds the firmware slots (running version, held image, scheduled
activation), an image being received over the test port, the site id, the engineering-menu PIN
with its lockout, the boot count and an event log. Its methods are the only way to change that
state, so the same device is served over the emulated radio (``rigs.emulator.zigbee_node``) and
over its serial test port (``rigs.emulator.test_port_device``) and both see one device.

PIN values are never logged, never put in ``repr`` and never in :meth:`snapshot`.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rigs.emulator.clock import DeviceClock
from rigs.emulator.ota_image import ImageDigest, ImageFormatError, OtaHeader, digest
from rigs.emulator.profiles import DeviceProfile
from rigs.emulator.zcl_frames import ZIGBEE_EPOCH, from_zigbee_time
from rigs.impair import Impairment
from rigs.operations import PinCheck

MAX_PIN_FAILURES = 5
EVENTS_KEPT = 500

# event kinds and the codes the test port reports them with (docs/test-port.md, "In this project")
EVENT_CODES = {
    "boot": 1,
    "reboot": 2,
    "joined": 3,
    "download-started": 10,
    "download-resumed": 11,
    "download-aborted": 12,
    "download-stalled": 13,
    "image-offered": 14,
    "image-held": 15,
    "image-refused": 16,
    "activated": 20,
    "activation-scheduled": 21,
    "activation-cancelled": 22,
    "activation-refused": 23,
    "pin-correct": 30,
    "pin-wrong": 31,
    "pin-locked": 32,
    "pin-set": 33,
    "fault": 40,
}


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
    test_port_impairment: Impairment | None = None  # of the serial test port's line


@dataclass(frozen=True)
class HeldImage:
    digest: ImageDigest
    manufacturer_code: int
    image_type: int
    data: bytes = field(repr=False)


def is_pin(text: str) -> bool:
    """An engineering-menu PIN is 4 to 8 digits."""
    return 4 <= len(text) <= 8 and text.isdigit()


def state_time(moment: dt.datetime) -> str:
    """A device-clock time for the state report: ISO 8601 to the millisecond (shorter runs of
    digits also keep a timestamp from being mistaken for a secret in a trace scan)."""
    return moment.isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Event:
    index: int  # counts from 0 over the life of the device
    at: dt.datetime  # on the device clock
    kind: str  # a key of EVENT_CODES
    detail: str = ""

    @property
    def code(self) -> int:
        return EVENT_CODES.get(self.kind, 0)

    @property
    def text(self) -> str:
        return f"{self.kind}: {self.detail}" if self.detail else self.kind

    def as_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "at": state_time(self.at),
            "kind": self.kind,
            "detail": self.detail,
        }


@dataclass
class Reception:
    """An image arriving over the test port; kept across a restart that keeps state."""

    size: int
    sha256: bytes
    data: bytearray = field(default_factory=bytearray, repr=False)


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
        self.boot_count = 1
        self.powered = True  # off: the device answers on no port (see power_off)
        self.hung = False  # a hung firmware: powered but silent until its power is cycled
        self.reception: Reception | None = None
        self.events: list[Event] = []
        self._event_count = 0
        self._activation_listeners: list[Callable[[], None]] = []
        self.log("boot", "device started")

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
        self.events.append(Event(self._event_count, self.clock.now(), kind, detail))
        self._event_count += 1
        del self.events[:-EVENTS_KEPT]

    def on_activated(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` whenever a held image starts running (by any port or on schedule)."""
        self._activation_listeners.append(listener)

    def restart(self, keep_state: bool = True) -> None:
        """A reboot: the boot count moves on; without kept state the held and partial images go."""
        self.boot_count += 1
        self.log("reboot", "state kept" if keep_state else "state lost")
        if not keep_state:
            self.lose_volatile_state()

    def power_off(self) -> None:
        """Power gone: the device answers on no port until :meth:`power_on`. Flash stays (running
        and held image, an image partly received, PIN); what its ports held in RAM is lost."""
        if self.powered:
            self.powered = False
            self.log("power", "off")

    def power_on(self) -> None:
        """Power back: the device boots the image it runs and keeps the image it holds (a hung
        firmware is over)."""
        if not self.powered:
            self.powered = True
            self.hung = False
            self.restart(keep_state=True)

    def hang(self) -> None:
        """The firmware hangs: the device stays powered but answers on no port and runs no
        schedule until its power is cycled (a fault for tests)."""
        if self.powered and not self.hung:
            self.hung = True
            self.log("hang", "firmware stopped answering")

    @property
    def answering(self) -> bool:
        """True when the device hears and answers on its ports (powered, firmware not hung)."""
        return self.powered and not self.hung

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
        for listener in self._activation_listeners:
            listener()
        return True

    def activate_at(self, at: dt.datetime | None) -> ActivationOutcome:
        """Run the held image now (``at`` None or not in the future) or schedule it for ``at``."""
        if self.held is None:
            return ActivationOutcome.NO_IMAGE
        if at is None or at <= self.clock.now():
            self.activate()
            return ActivationOutcome.ACTIVATED
        self.activation_at = at
        self.log("activation-scheduled", at.isoformat())
        return ActivationOutcome.SCHEDULED

    def cancel_activation(self) -> bool:
        """Drop a scheduled activation (the image stays held); False if none was scheduled."""
        if self.activation_at is None:
            return False
        self.activation_at = None
        self.log("activation-cancelled")
        return True

    def apply_upgrade_time(self, current_time: int, upgrade_time: int) -> ActivationOutcome:
        """Act on the times of an Upgrade End Response (ZigBee UTC seconds since 2000)."""
        if self.held is None:
            return ActivationOutcome.NO_IMAGE
        if upgrade_time == 0xFFFFFFFF:
            self.cancel_activation()
            return ActivationOutcome.WAITING
        now = self.clock.now()
        if "upgrade_time_is_offset" in self.profile.quirks:
            at = now + dt.timedelta(seconds=max(0, upgrade_time - current_time))
        else:
            at = from_zigbee_time(upgrade_time) if upgrade_time else ZIGBEE_EPOCH
        return self.activate_at(at)

    def tick(self) -> bool:
        """Run a scheduled activation whose time has come; True if one ran. A device without
        power or with a hung firmware runs nothing."""
        if not self.answering:
            return False
        if self.activation_at is not None and self.clock.now() >= self.activation_at:
            return self.activate()
        return False

    def lose_volatile_state(self) -> None:
        """What a reboot without retained state loses: held and partial images, any schedule."""
        self.held = None
        self.activation_at = None
        self.reception = None

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
            self.log("pin-locked", "verification refused")
            return PinCheck.LOCKED, 0
        if self._pin is not None and pin == self._pin:
            self._pin_failures = 0
            self.log("pin-correct")
            return PinCheck.CORRECT, MAX_PIN_FAILURES
        self._pin_failures += 1
        if self.pin_locked:
            self.log("pin-locked", f"after {MAX_PIN_FAILURES} wrong attempts")
            return PinCheck.LOCKED, 0
        self.log("pin-wrong", f"{self.pin_attempts_left} attempts left")
        return PinCheck.WRONG, MAX_PIN_FAILURES - self._pin_failures

    def set_pin(self, new_pin: str) -> None:
        """Privileged change (the SMSO configuration tool); clears any lockout."""
        if not is_pin(new_pin):
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
            "activation_at": None if self.activation_at is None else state_time(self.activation_at),
            "site_id": self.spec.site_id,
            "pin_locked": self.pin_locked,
            "pin_is_default": self.pin_is_default() if self.has_pin else None,
            "boot_count": self.boot_count,
            "events": [e.as_json() for e in self.events[-50:]],
        }

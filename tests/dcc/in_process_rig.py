"""A small in-process rig of emulated SMETS1 devices that offers every capability of rigs.capabilities but power.

Each device keeps real state: identity and model, a running firmware slot and a held slot, the
image header checks a device makes on receipt, activation now or at a time on the rig clock,
site id, and an engineering PIN with lockout. Faults can be injected per device (refuse transfers,
fail activation, time out). Time only passes when the test moves the shared clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from harness.firmware import ImageError, parse_image
from rigs.eui64 import canonical_eui64
from rigs.operations import (
    ActivationResult,
    ActivationStatus,
    DeviceIdentity,
    DeviceRole,
    DeviceTimeout,
    FirmwareVersion,
    HeldImage,
    PinCheck,
    PinStatus,
    PinVerification,
    ProgressCallback,
    RigError,
    TransferResult,
    TransferStatus,
)

BLOCK_SIZE = 64
PIN_ATTEMPTS = 3
DEFAULT_PINS = frozenset({"1234", "0000"})


class SettableClock:
    """An aware-UTC clock that moves only when told to."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, delta: dt.timedelta) -> None:
        self.now += delta


@dataclass
class _Held:
    file_version: int
    build_id: str
    raw: bytes
    manufacturer_image: bytes


@dataclass
class EmulatedDevice:
    identity: DeviceIdentity
    running_version: int
    running_build: str
    site_id: str = ""
    pin: str = "1234"
    held: _Held | None = None
    scheduled_at: dt.datetime | None = None
    attempts_left: int = PIN_ATTEMPTS
    refuse_transfers: bool = False
    fail_activation: bool = False
    unresponsive: bool = False
    history: list[str] = field(default_factory=list)


class InProcessRig:
    """The identity, firmware, PIN and site-id capabilities over in-process emulated devices."""

    def __init__(self, clock: Callable[[], dt.datetime]) -> None:
        self.clock = clock
        self.devices: dict[str, EmulatedDevice] = {}

    def add_device(
        self,
        ieee: str,
        role: DeviceRole,
        *,
        manufacturer_code: int,
        image_type: int,
        hardware_version: int,
        running_version: int = 0x00000100,
        running_build: str = "1.0.0",
        model: str = "emulated",
    ) -> EmulatedDevice:
        identity = DeviceIdentity(
            ieee=canonical_eui64(ieee),
            role=role,
            model=model,
            manufacturer="smets1-hil",
            manufacturer_code=manufacturer_code,
            image_type=image_type,
            hardware_version=hardware_version,
        )
        device = EmulatedDevice(identity, running_version, running_build)
        self.devices[identity.ieee] = device
        return device

    def _device(self, ieee: str) -> EmulatedDevice:
        try:
            device = self.devices.get(canonical_eui64(ieee))
        except ValueError:
            device = None
        if device is None:
            raise RigError("no such device on this rig", device=ieee)
        if device.unresponsive:
            raise DeviceTimeout("no answer", device=ieee)
        self._run_scheduled(device)
        return device

    def _run_scheduled(self, device: EmulatedDevice) -> None:
        if device.scheduled_at is not None and device.scheduled_at <= self.clock():
            device.scheduled_at = None
            self._switch(device)

    def _switch(self, device: EmulatedDevice) -> bool:
        if device.held is None or device.fail_activation:
            return False
        device.running_version = device.held.file_version
        device.running_build = device.held.build_id
        device.history.append(f"activated {device.held.build_id}")
        device.held = None
        return True

    # --- capabilities ---------------------------------------------------------------------------

    async def identify(self, ieee: str, *, timeout: float = 10.0) -> DeviceIdentity:
        return self._device(ieee).identity

    async def distribute_image(
        self,
        ieee: str,
        image: bytes,
        *,
        progress: ProgressCallback | None = None,
        timeout: float = 600.0,
    ) -> TransferResult:
        device = self._device(ieee)
        ident = device.identity
        try:
            parsed = parse_image(image)
        except ImageError as exc:
            return TransferResult(TransferStatus.REJECTED, 0, 0, 0.0, reason=str(exc))
        header = parsed.header
        if device.refuse_transfers:
            return TransferResult(TransferStatus.FAILED, 0, 0, 0.0, reason="transfer aborted")
        if (
            header.manufacturer_code != ident.manufacturer_code
            or header.image_type != ident.image_type
            or not header.accepts_hardware(ident.hardware_version)
        ):
            return TransferResult(
                TransferStatus.REJECTED, 0, 0, 0.0, reason="image header does not match device"
            )
        sent = 0
        blocks = 0
        while sent < len(image):
            sent += min(BLOCK_SIZE, len(image) - sent)
            blocks += 1
            if progress is not None:
                progress(sent, len(image))
        device.held = _Held(
            file_version=header.file_version,
            build_id=f"{header.file_version:08X}",
            raw=bytes(image),
            manufacturer_image=parsed.manufacturer_image,
        )
        device.scheduled_at = None
        device.history.append(f"received {header.file_version:08X}")
        return TransferResult(TransferStatus.OK, bytes_sent=sent, blocks=blocks, seconds=0.0)

    async def read_firmware_version(self, ieee: str, *, timeout: float = 10.0) -> FirmwareVersion:
        device = self._device(ieee)
        return FirmwareVersion(device.running_version, device.running_build)

    async def read_held_image(self, ieee: str, *, timeout: float = 10.0) -> HeldImage | None:
        held = self._device(ieee).held
        if held is None:
            return None
        return HeldImage(
            file_version=held.file_version,
            size=len(held.raw),
            sha256=hashlib.sha256(held.raw).digest(),
            manufacturer_image_sha256=hashlib.sha256(held.manufacturer_image).digest(),
        )

    async def activate(
        self, ieee: str, at: dt.datetime | None = None, *, timeout: float = 30.0
    ) -> ActivationResult:
        device = self._device(ieee)
        if device.held is None:
            return ActivationResult(ActivationStatus.NO_IMAGE)
        if at is not None and at > self.clock():
            device.scheduled_at = at
            return ActivationResult(ActivationStatus.SCHEDULED, at=at)
        if not self._switch(device):
            return ActivationResult(ActivationStatus.FAILED, reason="image did not start")
        return ActivationResult(
            ActivationStatus.ACTIVATED,
            at=self.clock(),
            running=FirmwareVersion(device.running_version, device.running_build),
        )

    async def cancel_activation(self, ieee: str, *, timeout: float = 10.0) -> ActivationResult:
        device = self._device(ieee)
        if device.scheduled_at is None:
            return ActivationResult(ActivationStatus.NO_IMAGE, reason="nothing scheduled")
        device.scheduled_at = None
        return ActivationResult(ActivationStatus.CANCELLED)

    async def read_site_id(self, ieee: str, *, timeout: float = 10.0) -> str:
        return self._device(ieee).site_id

    async def verify_pin(self, ieee: str, pin: str, *, timeout: float = 10.0) -> PinVerification:
        device = self._device(ieee)
        if device.attempts_left == 0:
            return PinVerification(PinCheck.LOCKED, 0)
        if pin == device.pin:
            device.attempts_left = PIN_ATTEMPTS
            return PinVerification(PinCheck.CORRECT, device.attempts_left)
        device.attempts_left -= 1
        result = PinCheck.LOCKED if device.attempts_left == 0 else PinCheck.WRONG
        return PinVerification(result, device.attempts_left)

    async def pin_is_default(self, ieee: str, *, timeout: float = 10.0) -> bool:
        return self._device(ieee).pin in DEFAULT_PINS

    async def read_pin_status(self, ieee: str, *, timeout: float = 10.0) -> PinStatus:
        device = self._device(ieee)
        return PinStatus(
            device.pin in DEFAULT_PINS, device.attempts_left == 0, device.attempts_left
        )

    async def set_pin(self, ieee: str, new_pin: str, *, timeout: float = 10.0) -> None:
        self._device(ieee).pin = new_pin

"""A small in-process emulated GSME rig: the PIN and site-id capabilities (rigs.capabilities).

A state model of each GSME's engineering menu: one PIN, a wrong-attempt counter that locks the menu
after ``lockout_after`` wrong verifications (a correct one resets the count; a privileged PIN change
sets a fresh PIN and count), the device's own "is the PIN a default?" answer (which some devices do
not support), its PIN status (attempts left, locked; which some devices cannot report either), and
the Metering site id. Every call is recorded without PIN values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from rigs.operations import (
    ActivationResult,
    DeviceIdentity,
    FirmwareVersion,
    HeldImage,
    PinCheck,
    PinStatus,
    PinVerification,
    ProgressCallback,
    RigError,
    TransferResult,
)

FACTORY_DEFAULTS: frozenset[str] = frozenset({"0000", "1234", "1111", "9999"})


@dataclass
class GsmeState:
    pin: str
    site_id: str = "7654321"
    defaults: frozenset[str] = FACTORY_DEFAULTS
    supports_default_query: bool = True
    reports_pin_status: bool = True
    lockout_after: int = 5
    wrong: int = 0
    locked: bool = False
    refuse_pin_change: bool = False
    wrong_verifications: int = 0  # ever, for the tests
    pin_changes: int = 0

    @property
    def attempts_left(self) -> int:
        return 0 if self.locked else self.lockout_after - self.wrong


@dataclass
class EmulatedGsmeRig:
    """Offers :class:`rigs.capabilities.Pin`, :class:`~rigs.capabilities.PinChange` and :class:`~rigs.capabilities.SiteId`."""

    devices: dict[str, GsmeState] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)  # (operation, ieee), never a PIN

    def add(self, ieee: str, state: GsmeState) -> GsmeState:
        self.devices[ieee] = state
        return state

    def _device(self, ieee: str) -> GsmeState:
        try:
            return self.devices[ieee]
        except KeyError:
            raise RigError("no such device", device=ieee) from None

    async def read_site_id(self, ieee: str, *, timeout: float = 10.0) -> str:
        self.calls.append(("read_site_id", ieee))
        return self._device(ieee).site_id

    async def verify_pin(self, ieee: str, pin: str, *, timeout: float = 10.0) -> PinVerification:
        self.calls.append(("verify_pin", ieee))
        device = self._device(ieee)
        if device.locked:
            return PinVerification(PinCheck.LOCKED, 0)
        if pin == device.pin:
            device.wrong = 0
            return PinVerification(PinCheck.CORRECT, device.attempts_left)
        device.wrong += 1
        device.wrong_verifications += 1
        if device.wrong >= device.lockout_after:
            device.locked = True
        return PinVerification(PinCheck.WRONG, device.attempts_left)

    async def pin_is_default(self, ieee: str, *, timeout: float = 10.0) -> bool:
        self.calls.append(("pin_is_default", ieee))
        device = self._device(ieee)
        if not device.supports_default_query:
            raise RigError("the device does not support the default-PIN query", device=ieee)
        return device.pin in device.defaults

    async def read_pin_status(self, ieee: str, *, timeout: float = 10.0) -> PinStatus:
        self.calls.append(("read_pin_status", ieee))
        device = self._device(ieee)
        if not device.reports_pin_status:
            raise RigError("the device does not report its PIN status", device=ieee)
        is_default = device.pin in device.defaults if device.supports_default_query else None
        return PinStatus(is_default, device.locked, device.attempts_left)

    async def set_pin(self, ieee: str, new_pin: str, *, timeout: float = 10.0) -> None:
        self.calls.append(("set_pin", ieee))
        device = self._device(ieee)
        if device.refuse_pin_change:
            raise RigError("PIN change refused", device=ieee)
        device.pin = new_pin
        device.wrong = 0
        device.locked = False
        device.pin_changes += 1

    # The identity and firmware capabilities are not part of this model.

    async def identify(self, ieee: str, *, timeout: float = 10.0) -> DeviceIdentity:
        raise RigError("not modelled", device=ieee)

    async def distribute_image(
        self,
        ieee: str,
        image: bytes,
        *,
        progress: ProgressCallback | None = None,
        timeout: float = 600.0,
    ) -> TransferResult:
        raise RigError("not modelled", device=ieee)

    async def read_firmware_version(self, ieee: str, *, timeout: float = 10.0) -> FirmwareVersion:
        raise RigError("not modelled", device=ieee)

    async def read_held_image(self, ieee: str, *, timeout: float = 10.0) -> HeldImage | None:
        raise RigError("not modelled", device=ieee)

    async def activate(
        self, ieee: str, at: dt.datetime | None = None, *, timeout: float = 30.0
    ) -> ActivationResult:
        raise RigError("not modelled", device=ieee)

    async def cancel_activation(self, ieee: str, *, timeout: float = 10.0) -> ActivationResult:
        raise RigError("not modelled", device=ieee)


def rig_with(devices: Iterable[tuple[str, GsmeState]]) -> EmulatedGsmeRig:
    rig = EmulatedGsmeRig()
    for ieee, state in devices:
        rig.add(ieee, state)
    return rig

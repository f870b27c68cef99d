"""What a rig can do for a device, as small capability protocols.

A driver implements the capabilities its transport offers and no others: the ZigBee rig offers
all of them but power, the serial test port offers identity, firmware, PIN checks and the site id
but not the privileged PIN change, a power switch offers only :class:`Power`. A caller asks only
for what it uses (the DCC model for :class:`Firmware`, the configuration tool for :class:`Pin`
and :class:`PinChange`), so a rig that lacks a capability is rejected by the type checker, not
by a method that raises.

Every operation is async, has a timeout, and returns a typed result or raises
:class:`~rigs.operations.RigError`. PIN values are accepted as arguments but never stored on
results, logged or put in exception messages. The value types live in :mod:`rigs.operations`.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

from rigs.operations import (
    ActivationResult,
    DeviceIdentity,
    FirmwareVersion,
    HeldImage,
    PinStatus,
    PinVerification,
    ProgressCallback,
    TransferResult,
)

__all__ = ["Firmware", "Identity", "Pin", "PinChange", "Power", "SiteId"]


@runtime_checkable
class Identity(Protocol):
    """Who a device is (role, model, manufacturer, image type)."""

    async def identify(self, ieee: str, *, timeout: float = 10.0) -> DeviceIdentity: ...


@runtime_checkable
class Firmware(Protocol):
    """Firmware on a device: what it runs, what it holds, sending an image and activating it."""

    async def distribute_image(
        self,
        ieee: str,
        image: bytes,
        *,
        progress: ProgressCallback | None = None,
        timeout: float = 600.0,
    ) -> TransferResult:
        """Send an OTA image to the device, which holds it without running it."""
        ...

    async def read_firmware_version(
        self, ieee: str, *, timeout: float = 10.0
    ) -> FirmwareVersion: ...

    async def read_held_image(self, ieee: str, *, timeout: float = 10.0) -> HeldImage | None: ...

    async def activate(
        self, ieee: str, at: dt.datetime | None = None, *, timeout: float = 30.0
    ) -> ActivationResult:
        """Run the held image now (``at`` None) or schedule it at ``at`` on the device clock."""
        ...

    async def cancel_activation(self, ieee: str, *, timeout: float = 10.0) -> ActivationResult: ...


@runtime_checkable
class Pin(Protocol):
    """The engineering menu PIN as any user may check it."""

    async def verify_pin(
        self, ieee: str, pin: str, *, timeout: float = 10.0
    ) -> PinVerification: ...

    async def pin_is_default(self, ieee: str, *, timeout: float = 10.0) -> bool: ...

    async def read_pin_status(self, ieee: str, *, timeout: float = 10.0) -> PinStatus:
        """How many PIN attempts are left and whether the menu is locked; costs no attempt."""
        ...


@runtime_checkable
class PinChange(Protocol):
    """The privileged PIN change, as the SMSO configuration tool makes it."""

    async def set_pin(self, ieee: str, new_pin: str, *, timeout: float = 10.0) -> None: ...


@runtime_checkable
class SiteId(Protocol):
    """The MPAN (ESME) or MPRN (GSME) a meter reports."""

    async def read_site_id(self, ieee: str, *, timeout: float = 10.0) -> str: ...


@runtime_checkable
class Power(Protocol):
    """A device's power supply, as a power switch (labgrid's power drivers, the emulator's power
    control) offers it.

    Off: the device goes silent and loses its volatile state. On: it boots its running image and
    keeps the image it held, as flash would.
    """

    async def power_on(self, ieee: str, *, timeout: float = 10.0) -> None: ...

    async def power_off(self, ieee: str, *, timeout: float = 10.0) -> None: ...

    async def power_cycle(
        self, ieee: str, *, off_seconds: float = 1.0, timeout: float = 20.0
    ) -> None: ...

    async def power_state(self, ieee: str, *, timeout: float = 10.0) -> bool:
        """True when the device is powered."""
        ...

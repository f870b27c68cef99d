"""What a device must offer to be served on a test port (:class:`TestPortDevice`), and its types.

The responder (:mod:`rigs.serial.responder`) turns test-port requests into calls on this
interface; an emulated device implements it, and a firmware engineer can read it as the list of
things the test port reaches inside the device.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from rigs.operations import (
    ActivationResult,
    DeviceIdentity,
    FirmwareVersion,
    HeldImage,
    PinStatus,
    PinVerification,
)
from rigs.serial.protocol import Status


class TestPortRefusal(Exception):
    """The device refuses a request; the responder answers with ``status`` and ``reason``."""

    __test__ = False  # a library class, not a pytest test class

    def __init__(self, status: Status, reason: str, *, detail: int = 0) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.detail = detail


class DeviceReset(Exception):
    """The device restarted while handling a request: no answer goes out, sessions are gone."""


@dataclass(frozen=True)
class TransferState:
    """An image being received: how big it is, its SHA-256, and how much is stored contiguously."""

    size: int
    received: int
    sha256: bytes


@dataclass(frozen=True)
class DeviceEvent:
    """One entry of the device's event log (never holds a PIN)."""

    index: int
    at: dt.datetime
    code: int
    text: str


@runtime_checkable
class TestPortDevice(Protocol):
    """A device as its test port sees it."""

    @property
    def boot_count(self) -> int:
        """Incremented on every (re)start; the responder drops its sessions when it changes."""
        ...

    def identity(self) -> DeviceIdentity: ...

    def firmware(self) -> FirmwareVersion: ...

    def held(self) -> HeldImage | None: ...

    def transfer_state(self) -> TransferState | None: ...

    def offer_image(self, size: int, sha256: bytes) -> int:
        """Start (or resume) receiving an image; returns the offset to continue from.

        The same size and SHA-256 as a partly received image resume it; anything else starts
        over. Raises :class:`TestPortRefusal` (REJECTED) for an image the device cannot take.
        """
        ...

    def write_block(self, offset: int, data: bytes) -> int:
        """Store ``data`` at ``offset`` (always the current end); returns bytes now received.

        May raise :class:`DeviceReset` (fault injection) or :class:`TestPortRefusal`.
        """
        ...

    def finish_image(self) -> HeldImage:
        """Check the complete image (SHA-256, header) and hold it; raises :class:`TestPortRefusal`."""
        ...

    def activate(self, at: dt.datetime | None, expected_sha256: bytes | None) -> ActivationResult:
        """Run the held image now or schedule it; refuses (NO_IMAGE, HASH_MISMATCH) otherwise."""
        ...

    def cancel_activation(self) -> ActivationResult: ...

    def site_id(self) -> str: ...

    def verify_pin(self, pin: str) -> PinVerification: ...

    def pin_status(self) -> PinStatus: ...

    def events(self) -> Sequence[DeviceEvent]: ...

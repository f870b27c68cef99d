"""The value types rig operations take and return, and the errors they raise.

The operations themselves are the capability protocols of :mod:`rigs.capabilities` (identity,
firmware, PIN, site id, power), which every rig kind's driver implements as far as its transport
allows. Operations raise :class:`RigError` (never a raw transport or zigpy exception); PIN values
are never stored on results, logged or put in exception messages.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass


class DeviceRole(str, enum.Enum):
    """SMETS1 device types the harness knows."""

    PPMID = "PPMID"
    ESME = "ESME"
    GSME = "GSME"


class RigError(Exception):
    """An operation on a device failed (timeout, device refused, link lost)."""

    def __init__(self, message: str, *, device: str | None = None) -> None:
        super().__init__(message if device is None else f"{device}: {message}")
        self.device = device


class DeviceTimeout(RigError):
    """The device did not answer in time."""


# A rig may give an operation up to this many times the time limit it was asked for (the ZigBee
# rig does on a radio port losing bytes: docs/coprocessors.md); a caller's own backstop around an
# operation allows for it (:func:`backstop`). Our setting.
LIMIT_FACTOR_MAX = 3.0
BACKSTOP_MARGIN_S = 30.0


def backstop(timeout: float) -> float:
    """How long a caller waits for an operation asked to finish within ``timeout`` before it
    gives the operation up itself: the longest limit a rig may grant it, and a margin."""
    return LIMIT_FACTOR_MAX * timeout + BACKSTOP_MARGIN_S


@dataclass(frozen=True)
class FirmwareVersion:
    """What a device reports it is running."""

    file_version: int  # ZigBee OTA current_file_version (32 bits)
    build_id: str  # Basic sw_build_id (the DUIS FirmwareVersion form, 1-8 characters)


@dataclass(frozen=True)
class HeldImage:
    """An image a device has received and holds, not yet running."""

    file_version: int
    size: int
    sha256: bytes  # SHA-256 of the whole OTA file as received
    manufacturer_image_sha256: bytes  # SHA-256 of the manufacturer image (DUIS FirmwareHash)


class TransferStatus(str, enum.Enum):
    OK = "ok"
    REJECTED = "rejected"  # the device refused the image (header checks)
    FAILED = "failed"  # transfer broke off and could not be resumed
    TIMEOUT = "timeout"


@dataclass(frozen=True)
class TransferResult:
    status: TransferStatus
    bytes_sent: int
    blocks: int
    seconds: float
    retries: int = 0
    resumes: int = 0
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status is TransferStatus.OK

    @property
    def bytes_per_minute(self) -> float:
        return self.bytes_sent * 60.0 / self.seconds if self.seconds > 0 else 0.0


class ActivationStatus(str, enum.Enum):
    ACTIVATED = "activated"
    SCHEDULED = "scheduled"  # will activate at the given time (device clock)
    CANCELLED = "cancelled"
    NO_IMAGE = "no-image"
    FAILED = "failed"


@dataclass(frozen=True)
class ActivationResult:
    status: ActivationStatus
    at: dt.datetime | None = None
    running: FirmwareVersion | None = None
    reason: str = ""


class PinCheck(str, enum.Enum):
    CORRECT = "correct"
    WRONG = "wrong"
    LOCKED = "locked"  # too many wrong attempts; the device refuses verification


@dataclass(frozen=True)
class PinVerification:
    result: PinCheck
    attempts_left: int


@dataclass(frozen=True)
class PinStatus:
    """The device's engineering menu PIN state, read without spending an attempt."""

    is_default: bool | None  # None where the device cannot say whether its PIN is a default
    locked: bool
    attempts_left: int  # wrong verifications the device still allows before it locks


@dataclass(frozen=True)
class DeviceIdentity:
    ieee: str  # EUI-64 as 16 upper-case hex digits, no separators
    role: DeviceRole
    model: str
    manufacturer: str
    manufacturer_code: int
    image_type: int
    hardware_version: int


ProgressCallback = Callable[[int, int], None]
"""Called with (bytes done, bytes total) as a transfer goes."""

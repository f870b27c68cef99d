"""Shared vocabulary of the configuration tool's records: what happened to a PIN."""

from __future__ import annotations

import enum


class OldPinDefault(str, enum.Enum):
    """Whether the PIN found on the device was a default value."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"  # could not be established without risking a lockout


class Determination(str, enum.Enum):
    """How the tool established :class:`OldPinDefault`."""

    DEVICE_QUERY = "device-query"  # the device's own "is default" query
    VERIFICATION = "verification"  # verifying candidate default PINs
    NONE = "none"


class PinAction(str, enum.Enum):
    KEPT = "kept"
    REPLACED_DEFAULT = "replaced-default"
    REPLACED_NON_DEFAULT = "replaced-non-default"
    REPLACED_UNDETERMINED = "replaced-undetermined"
    SKIPPED_UNDETERMINED = "skipped-undetermined"
    OUT_OF_SCOPE = "out-of-scope"  # not an IOC installation (setting scope_groups): not touched

    @property
    def replaces(self) -> bool:
        return self in _REPLACING


_REPLACING = frozenset(
    {PinAction.REPLACED_DEFAULT, PinAction.REPLACED_NON_DEFAULT, PinAction.REPLACED_UNDETERMINED}
)


class ChangeStatus(str, enum.Enum):
    """State of one PIN change in the changes file."""

    PENDING = "pending"  # recorded before the device was told; may or may not be in force
    APPLIED = "applied"  # the device accepted the new PIN
    FAILED = "failed"  # the device refused it; the old PIN stays

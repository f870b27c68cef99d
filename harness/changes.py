"""The Uplift 1.2 changes as switches: a behaviour profile is the set of changes in force.

The source says the changes are "capable of going live at separate times", so the DCC-side model
takes any subset: ``uplift-1.2`` is every change, ``baseline`` none (the negative control), and
``ChangeSet.parse("mprn-leading-zeros,pin-keep")`` any other. Each change flips its own
requirements and nothing else (see :data:`CHANGE_REQUIREMENTS`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar


class Change(str, enum.Enum):
    PPMID_FIRMWARE = "ppmid-firmware"
    """SR 11.1, 11.2 and 11.3 accept a SMETS1 PPMID as target."""
    MPRN_LEADING_ZEROS = "mprn-leading-zeros"
    """Migration validation disregards leading zeros of an IOC installation's MPRN."""
    PIN_KEEP = "pin-keep"
    """The IOC configuration tool keeps non-default PINs, and the one-time PIN report is issued."""

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    Change.PPMID_FIRMWARE: "SR 11.1, 11.2 and 11.3 accept a SMETS1 PPMID as target",
    Change.MPRN_LEADING_ZEROS: "leading zeros of an IOC MPRN are disregarded in migration "
    "validation",
    Change.PIN_KEEP: "the IOC configuration tool changes only default PINs; the one-time report "
    "gives wrongly changed PINs to the Installing Supplier (pin-report)",
}

CHANGE_REQUIREMENTS: dict[Change, tuple[str, ...]] = {
    Change.PPMID_FIRMWARE: ("U12-FW-11.1", "U12-FW-11.2", "U12-FW-11.3"),
    Change.MPRN_LEADING_ZEROS: ("U12-MPRN",),
    Change.PIN_KEEP: ("U12-PIN-KEEP", "U12-PIN-REPORT"),
}
"""The Uplift 1.2 requirements each change brings: with the change in force they pass, without it
they fail; no requirement depends on two changes."""

UPLIFT_1_2 = "uplift-1.2"
BASELINE = "baseline"
PROFILES: tuple[str, ...] = (UPLIFT_1_2, BASELINE)
"""The named behaviour profiles: every change, and none."""


@dataclass(frozen=True)
class ChangeSet:
    """The changes in force. ``str()`` is its name: a profile name or the changes, comma-separated."""

    changes: frozenset[Change]

    ALL: ClassVar[ChangeSet]
    NONE: ClassVar[ChangeSet]

    def __contains__(self, change: object) -> bool:
        return change in self.changes

    @property
    def names(self) -> list[str]:
        """The changes in force, in the order of :class:`Change`."""
        return [c.value for c in Change if c in self.changes]

    @property
    def name(self) -> str:
        if self.changes == frozenset(Change):
            return UPLIFT_1_2
        if not self.changes:
            return BASELINE
        return ",".join(self.names)

    def __str__(self) -> str:
        return self.name

    def requirements_in_force(self) -> tuple[str, ...]:
        """The Uplift 1.2 requirements these changes bring (expected to pass)."""
        return tuple(r for c in Change if c in self.changes for r in CHANGE_REQUIREMENTS[c])

    @classmethod
    def of(cls, changes: Iterable[Change | str]) -> ChangeSet:
        return cls(frozenset(Change(c) for c in changes))

    @classmethod
    def parse(cls, text: str) -> ChangeSet:
        """A profile name (``uplift-1.2``, ``baseline``) or comma-separated change names.

        Raises ValueError with a one-line reason naming the known profiles and changes.
        """
        wanted = text.strip()
        if wanted == UPLIFT_1_2:
            return cls.ALL
        if wanted == BASELINE:
            return cls.NONE
        names = [part.strip() for part in wanted.split(",")]
        if not wanted or not all(names):
            raise ValueError(f"no change named in {text[:60]!r} ({_known()})")
        unknown = [n for n in names if n not in _BY_NAME]
        if unknown[:1] == ["pin-report"]:
            raise ValueError(f"the PIN report comes with the change pin-keep ({_known()})")
        if unknown:
            raise ValueError(f"unknown change or profile {unknown[0][:40]!r} ({_known()})")
        return cls(frozenset(_BY_NAME[n] for n in names))

    @classmethod
    def resolve(cls, value: ChangeSet | str) -> ChangeSet:
        """``value`` itself, or parsed from its name (ValueError; TypeError for a non-string)."""
        if isinstance(value, ChangeSet):
            return value
        if not isinstance(value, str):
            raise TypeError(f"a profile or a list of changes, not {type(value).__name__}")
        return cls.parse(value)


_BY_NAME = {c.value: c for c in Change}


def _known() -> str:
    return f"profiles: {', '.join(PROFILES)}; changes: {', '.join(_BY_NAME)}"


ChangeSet.ALL = ChangeSet(frozenset(Change))
ChangeSet.NONE = ChangeSet(frozenset())

"""EUI-64 device identifiers and the DUIS RequestID (originator EUI-64 : target EUI-64 : counter)."""

from __future__ import annotations

from dataclasses import dataclass

from harness.duis.errors import DuisError
from rigs.eui64 import canonical_eui64

COUNTER_MAX = 2**64 - 1


def normalise_eui64(value: str, *, field: str = "EUI-64") -> str:
    """Return the DUIS form ``00-DB-12-34-56-78-90-A0`` of an EUI-64.

    Accepts the forms :func:`rigs.eui64.canonical_eui64` accepts (bare, or pairs separated by
    hyphens or by colons), any case, with surrounding white space.
    """
    compact = compact_eui64(value, field=field)
    return "-".join(compact[i : i + 2] for i in range(0, 16, 2))


def compact_eui64(value: str, *, field: str = "EUI-64") -> str:
    """The rig form of an EUI-64: 16 upper-case hex digits, no separators."""
    try:
        return canonical_eui64(value.strip())
    except ValueError:
        raise DuisError(f"{value!r} is not an EUI-64 (16 hex digits)", field=field) from None


@dataclass(frozen=True)
class RequestId:
    originator: str
    target: str
    counter: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "originator", normalise_eui64(self.originator, field="RequestID"))
        object.__setattr__(self, "target", normalise_eui64(self.target, field="RequestID"))
        if not 0 <= self.counter <= COUNTER_MAX:
            raise DuisError(
                f"counter {self.counter} is outside 0..{COUNTER_MAX}", field="RequestID"
            )

    def __str__(self) -> str:
        return f"{self.originator}:{self.target}:{self.counter}"

    @classmethod
    def parse(cls, text: str) -> RequestId:
        parts = text.strip().split(":")
        if len(parts) != 3:
            raise DuisError(
                f"{text!r} is not 'originator EUI-64:target EUI-64:counter'", field="RequestID"
            )
        originator, target, counter = parts
        if not counter.isdigit() or (len(counter) > 1 and counter.startswith("0")):
            raise DuisError(f"counter {counter!r} is not a decimal number", field="RequestID")
        return cls(originator, target, int(counter))

"""Measurements with units and validators, read like OpenHTF's: a name, a value, limits, an outcome."""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Value = int | float | str | bool | None


class Outcome(str, enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    UNSET = "unset"  # recorded without a validator


@dataclass(frozen=True)
class InRange:
    """Numeric value within ``[minimum, maximum]``; either bound may be open (None)."""

    minimum: float | None = None
    maximum: float | None = None

    def __post_init__(self) -> None:
        if self.minimum is None and self.maximum is None:
            raise ValueError("in_range needs a minimum, a maximum or both")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError(f"in_range: minimum {self.minimum} is above maximum {self.maximum}")

    def __call__(self, value: Value) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            return False
        if self.minimum is not None and value < self.minimum:
            return False
        return self.maximum is None or value <= self.maximum

    def describe(self) -> dict[str, Any]:
        return {"kind": "in_range", "min": self.minimum, "max": self.maximum}

    def __str__(self) -> str:
        low = "-inf" if self.minimum is None else f"{self.minimum:g}"
        high = "+inf" if self.maximum is None else f"{self.maximum:g}"
        return f"{low} <= x <= {high}"


@dataclass(frozen=True)
class Equals:
    """Value equal to ``expected`` (strings, booleans, codes)."""

    expected: Value

    def __call__(self, value: Value) -> bool:
        return type(value) is type(self.expected) and value == self.expected

    def describe(self) -> dict[str, Any]:
        return {"kind": "equals", "expected": self.expected}

    def __str__(self) -> str:
        return f"x == {self.expected!r}"


@dataclass(frozen=True)
class OneOf:
    """Value equal (type and value) to one of ``choices``."""

    choices: tuple[Value, ...]

    def __post_init__(self) -> None:
        if not self.choices:
            raise ValueError("one_of needs at least one choice")

    def __call__(self, value: Value) -> bool:
        return any(type(value) is type(choice) and value == choice for choice in self.choices)

    def describe(self) -> dict[str, Any]:
        return {"kind": "one_of", "choices": list(self.choices)}

    def __str__(self) -> str:
        return "x in {" + ", ".join(repr(c) for c in self.choices) + "}"


Validator = InRange | Equals | OneOf


def in_range(minimum: float | None = None, maximum: float | None = None) -> InRange:
    return InRange(minimum, maximum)


def equals(expected: Value) -> Equals:
    return Equals(expected)


def one_of(*choices: Value) -> OneOf:
    return OneOf(tuple(choices))


@dataclass(frozen=True)
class Measurement:
    name: str
    value: Value
    units: str = ""
    validator: Validator | None = None
    description: str = ""

    @property
    def outcome(self) -> Outcome:
        if self.validator is None:
            return Outcome.UNSET
        return Outcome.PASS if self.validator(self.value) else Outcome.FAIL

    def to_dict(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, float):
            value = round(value, 3) if math.isfinite(value) else str(value)
        return {
            "name": self.name,
            "value": value,
            "units": self.units,
            "validator": self.validator.describe() if self.validator else None,
            "outcome": self.outcome.value,
            "description": self.description,
        }


class MeasurementFailed(AssertionError):
    """A measurement fell outside its limits; the scenario fails with it."""

    def __init__(
        self, measurement: Measurement, *, scrub: Callable[[str], str] = lambda text: text
    ) -> None:
        units = f" {measurement.units}" if measurement.units else ""
        super().__init__(
            scrub(
                f"measurement {measurement.name} = {measurement.value!r}{units}"
                f" outside {measurement.validator}"
            )
        )
        self.measurement = measurement

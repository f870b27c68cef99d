"""Engineering menu PINs: a value type that never shows itself, the default list, new PINs.

``Pin`` masks its value in ``repr``, ``str`` and formatting, refuses to be pickled, and keeps the
value out of its own error messages. Code that must hand the digits to a device or to the secret
changes file calls :meth:`Pin.reveal` at that one place.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NoReturn

MASK = "****"
MIN_LENGTH = 4
MAX_LENGTH = 8


class Pin:
    """A PIN of 4 to 8 ASCII digits whose value is shown only by :meth:`reveal`."""

    __slots__ = ("_digits",)
    _digits: str

    def __init__(self, digits: str) -> None:
        if not isinstance(digits, str):
            raise TypeError("a PIN is made from a string of ASCII digits")
        if not (MIN_LENGTH <= len(digits) <= MAX_LENGTH) or not all(
            "0" <= ch <= "9" for ch in digits
        ):
            # The message must not quote the value.
            raise ValueError(f"a PIN is {MIN_LENGTH} to {MAX_LENGTH} ASCII digits")
        object.__setattr__(self, "_digits", digits)

    def reveal(self) -> str:
        return self._digits

    def __len__(self) -> int:
        return len(self._digits)

    def __repr__(self) -> str:
        return f"Pin('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return format(MASK, spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Pin):
            return NotImplemented
        return hmac.compare_digest(self._digits.encode(), other._digits.encode())

    def __hash__(self) -> int:
        return hash((Pin, self._digits))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("Pin is immutable")

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise TypeError("a Pin is not to be pickled")

    def __copy__(self) -> Pin:
        return self

    def __deepcopy__(self, memo: object) -> Pin:
        return self


DEFAULT_PIN_VALUES: tuple[str, ...] = ("0000", "1234", "1111", "9999")
"""Default engineering menu PINs (a setting). Four, so that from a fresh wrong-attempt count all of
them can be verified without using the device's last attempt (we take 5 wrong verifications to
lock: a setting, see ``harness.configtool.tool.DEVICE_LOCKOUT_ATTEMPTS``)."""


@dataclass(frozen=True)
class PinPolicy:
    """Settings for PINs: which values count as defaults and how long a new PIN is."""

    defaults: tuple[Pin, ...] = tuple(Pin(v) for v in DEFAULT_PIN_VALUES)
    new_pin_length: int = 4
    randbelow: Callable[[int], int] = field(default=secrets.randbelow, repr=False, compare=False)
    """The source of new PINs: ``secrets.randbelow`` (a scripted one only in tests)."""
    _default_values: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not MIN_LENGTH <= self.new_pin_length <= MAX_LENGTH:
            raise ValueError(f"new_pin_length must be {MIN_LENGTH} to {MAX_LENGTH}")
        values = frozenset(p.reveal() for p in self.defaults)
        if sum(1 for v in values if len(v) == self.new_pin_length) == 10**self.new_pin_length:
            raise ValueError("every PIN of that length is a default")
        object.__setattr__(self, "_default_values", values)

    @classmethod
    def from_values(
        cls,
        values: Iterable[str],
        new_pin_length: int = 4,
        randbelow: Callable[[int], int] = secrets.randbelow,
    ) -> PinPolicy:
        return cls(
            defaults=tuple(Pin(v) for v in values),
            new_pin_length=new_pin_length,
            randbelow=randbelow,
        )

    def is_default(self, pin: Pin) -> bool:
        # The default values are public, so a plain set lookup leaks nothing.
        return pin.reveal() in self._default_values

    def new_pin(self, *, not_equal_to: Pin | None = None) -> Pin:
        """A PIN from ``secrets`` that is not a default and differs from ``not_equal_to``."""
        while True:
            candidate = Pin(f"{self.randbelow(10**self.new_pin_length):0{self.new_pin_length}d}")
            if self.is_default(candidate):
                continue
            if not_equal_to is not None and candidate == not_equal_to:
                continue
            return candidate


DEFAULT_PIN_POLICY = PinPolicy()

"""Secret values (engineering menu PINs) kept out of everything the evidence writes."""

from __future__ import annotations

import re

MASK = "[secret]"


class SecretFilter:
    """Values registered as secret are replaced wherever they appear as a whole token.

    A PIN is digits, so "whole token" means not inside a longer run of digits: registering ``1234``
    scrubs ``PIN 1234`` but leaves ``12345`` alone. Registering is idempotent; empty values are
    ignored.
    """

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: str) -> None:
        if value and value not in self._values:
            self._values.add(value)
            alternatives = "|".join(
                re.escape(v) for v in sorted(self._values, key=len, reverse=True)
            )
            self._pattern = re.compile(rf"(?<![0-9A-Za-z])(?:{alternatives})(?![0-9A-Za-z])")

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"SecretFilter({len(self._values)} values)"

    def scrub(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(MASK, text)

    def scrub_tree(self, value: object) -> object:
        """A copy of a JSON-ready structure with every string scrubbed (numbers are left alone:
        a PIN is always handled as text, and scrubbing a number would break the JSON)."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {self.scrub(str(k)): self.scrub_tree(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.scrub_tree(v) for v in value]
        return value

    def scrub_bytes(self, data: bytes) -> bytes:
        """Scrub a binary trace: secret ASCII runs become ``*`` of the same length (offsets kept)."""
        for value in self._values:
            raw = value.encode("utf-8")
            data = re.sub(
                rb"(?<![0-9A-Za-z])" + re.escape(raw) + rb"(?![0-9A-Za-z])", b"*" * len(raw), data
            )
        return data

    def found_in(self, text: str) -> bool:
        return self._pattern is not None and self._pattern.search(text) is not None

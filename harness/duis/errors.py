"""Errors for DUIS documents that cannot be built or read."""

from __future__ import annotations


class DuisError(ValueError):
    """A DUIS request or response is malformed; ``field`` names the offending element."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message if field is None else f"{field}: {message}")
        self.field = field
        self.reason = message


class SchemaUnavailable(DuisError):
    """The DUIS XSD could not be found or loaded."""

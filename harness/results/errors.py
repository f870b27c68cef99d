"""Errors of the results database: one line for the user."""

from __future__ import annotations

from harness.errors import UserError


class ResultsError(UserError):
    """The results database cannot be opened, read or written."""

"""Errors raised for firmware images that cannot be taken as they are."""

from __future__ import annotations


class ImageError(ValueError):
    """An image is malformed or inconsistent; the message says which field and why."""

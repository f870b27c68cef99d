"""EUI-64 (IEEE address) text in the one form the project keeps: 16 upper-case hex digits."""

from __future__ import annotations

import re

_BARE = re.compile(r"[0-9A-Fa-f]{16}")
_SEPARATED = re.compile(r"[0-9A-Fa-f]{2}(?:([:-])[0-9A-Fa-f]{2})(?:\1[0-9A-Fa-f]{2}){6}")


def canonical_eui64(text: str) -> str:
    """16 upper-case hex digits, most significant first.

    Accepts that form in any case, or eight pairs separated throughout by ':' or by '-';
    anything else raises :class:`ValueError`.
    """
    if _BARE.fullmatch(text) or _SEPARATED.fullmatch(text):
        return text.replace(":", "").replace("-", "").upper()
    raise ValueError(f"not an EUI-64: {text[:40]!r}")

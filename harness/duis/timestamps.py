"""xs:dateTime values as DUIS carries them (UTC)."""

from __future__ import annotations

import datetime as dt

from harness.duis.errors import DuisError


def format_datetime(value: dt.datetime) -> str:
    """UTC, whole seconds, ``Z`` suffix. A naive datetime is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    value = value.astimezone(dt.UTC).replace(microsecond=0)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(text: str, *, field: str) -> dt.datetime:
    """Parse an xs:dateTime; without a zone it is taken as UTC. Returns an aware UTC datetime."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise DuisError(f"{text!r} is not an xs:dateTime", field=field) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)

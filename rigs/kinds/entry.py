"""Reading a kind's rig-file entry: typed values out of a TOML table, mistakes as SpecError."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rigs.kinds import SpecError
from rigs.link.urls import url_problem


def join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def table(entry: Any, key: str) -> Mapping[str, Any]:
    if not isinstance(entry, dict):
        raise SpecError(key, "must be a table")
    return entry


def check_keys(entry: Mapping[str, Any], key: str, allowed: tuple[str, ...]) -> None:
    for name in entry:
        if name not in allowed:
            raise SpecError(join(key, name), f"unknown key (expected one of {', '.join(allowed)})")


def string(entry: Mapping[str, Any], key: str, name: str, *, required: bool = False) -> str | None:
    where = join(key, name)
    if name not in entry:
        if required:
            raise SpecError(where, "missing")
        return None
    value = entry[name]
    if not isinstance(value, str):
        raise SpecError(where, "must be a string")
    if not value.strip():
        raise SpecError(where, "must not be empty")
    return value


def integer(entry: Mapping[str, Any], key: str, name: str, default: int) -> int:
    value = entry.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(join(key, name), "must be an integer")
    return value


def port_url(value: Any, key: str) -> str:
    """A device path or pyserial URL, checked (scheme known, address parsable)."""
    if not isinstance(value, str):
        raise SpecError(key, "must be a string (a device path or a pyserial URL)")
    problem = url_problem(value)
    if problem:
        raise SpecError(key, problem)
    return value

"""Facts about the run a bundle's summary carries for the results database: where it ran, with
which tool, rig file and radio library."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import platform
import socket
from pathlib import Path
from typing import Any

# the host-side library that drives each radio kind (the emulated radio is zigpy's own API)
RADIO_LIBRARIES = {"emulated": "zigpy", "ezsp": "bellows", "znp": "zigpy-znp"}


@functools.cache
def package_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def file_sha256(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def run_facts(rig_file: Path | None, radio_kinds: list[str]) -> dict[str, Any]:
    """``host``, ``tool_version``, ``python``, ``rig_file_sha256``, ``radio_library`` and
    ``radio_library_version`` (several kinds in one pool are listed comma-separated)."""
    libraries = sorted({RADIO_LIBRARIES.get(kind, kind) for kind in radio_kinds})
    versions = [package_version(name) or "unknown" for name in libraries]
    return {
        "host": socket.gethostname(),
        "tool_version": package_version("smets1-hil") or "unknown",
        "python": platform.python_version(),
        "rig_file_sha256": _cached_sha256(rig_file),
        "radio_library": ",".join(libraries) or None,
        "radio_library_version": ",".join(versions) or None,
    }


@functools.cache
def _cached_sha256(path: Path | None) -> str | None:
    return file_sha256(path)

"""Crash-safe file writes (a reader, or a killed run, sees the old file or the new one, never half)
and file names made from free text."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file: write, fsync, rename, fsync the directory."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        try:
            write_synced(fd, data)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        # a full disk or a signal mid-write leaves no temporary file behind
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def write_synced(fd: int, data: bytes) -> None:
    """Write all of ``data`` to the open file ``fd`` (short writes resumed), then fsync it."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.fsync(fd)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def safe_name(text: str, keep: str = "-_") -> str:
    """``text`` for use in a file name: letters, digits and ``keep`` stay, anything else is ``_``."""
    return "".join(c if c.isalnum() or c in keep else "_" for c in text)

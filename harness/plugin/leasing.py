"""One rig per worker: a worker leases a rig of the pool by holding its file lock for the session.

Locks are ``filelock`` locks in the rig file's ``lock_dir`` (default: a directory under the system
temporary directory), named after the rig file and the rig, so two runs on one host never share a
rig. A lock is released when the session ends or the process dies.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from filelock import FileLock, Timeout

from harness.evidence.files import safe_name
from harness.rigfile import RigFile, RigSpec


class NoRigFree(Exception):
    """Every rig of the pool stayed leased for the whole wait."""


def lock_path(rigfile: RigFile, rig: RigSpec) -> Path:
    directory = rigfile.lock_dir or Path(tempfile.gettempdir()) / "smets1-hil-rigs"
    directory.mkdir(parents=True, exist_ok=True)
    origin = str(rigfile.path) if rigfile.path else "<inline>"
    key = hashlib.sha256(f"{origin}\0{rig.name}".encode()).hexdigest()[:16]
    return directory / f"{safe_name(rig.name)[:40]}-{key}.lock"


class RigLease:
    """A held lease on one rig; :meth:`release` (or process exit) frees it."""

    def __init__(self, rig: RigSpec, lock: FileLock) -> None:
        self.rig = rig
        self._lock = lock

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release(force=True)


def lease_rig(rigfile: RigFile, *, preferred: int = 0, wait: float = 60.0) -> RigLease:
    """Lease a free rig of the pool, trying rig ``preferred`` first (a worker's own index).

    Every rig is tried without blocking; when all are leased, waits up to ``wait`` seconds for the
    preferred one to come free.
    """
    rigs = list(rigfile.rigs)
    first = preferred % len(rigs)
    for rig in rigs[first:] + rigs[:first]:
        lock = FileLock(str(lock_path(rigfile, rig)))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            continue
        return RigLease(rig, lock)
    rig = rigs[first]
    lock = FileLock(str(lock_path(rigfile, rig)))
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        names = ", ".join(r.name for r in rigs)
        raise NoRigFree(f"no rig free after {wait:.0f} s (pool: {names})") from None
    return RigLease(rig, lock)

"""End the emulator when the process that started it ends, even if that process was killed.

Only for an emulator started by :class:`~rigs.emulator.process.EmulatorProcess`, which passes its
own pid (``--exit-with-parent PID``): a harness killed with SIGKILL cannot stop its emulator, and
an emulator left behind holds ptys and ports and confuses the next run. An emulator started by
hand from a shell gets none of this.

Two mechanisms:

- on Linux, ``prctl(PR_SET_PDEATHSIG, SIGTERM)``: the kernel sends SIGTERM when the parent dies.
  It fires when the parent *thread* that forked ends, so the parent asks for it
  (``--parent-death-signal``) only when it started the emulator from its main thread;
- everywhere, :func:`watch_parent` checks once a second whether the parent is still the one that
  started it (an orphan is adopted by another process, so ``getppid()`` changes).

Both are armed before the emulator does anything else, and the parent is checked right after
arming, so a parent that died during the emulator's start-up is noticed too.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1
CHECK_INTERVAL = 1.0


def set_parent_death_signal(signum: int = signal.SIGTERM) -> bool:
    """Ask the kernel for ``signum`` when the parent dies (Linux only); True if armed."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def parent_alive(parent_pid: int) -> bool:
    """True while the process that started this one is still its parent."""
    return os.getppid() == parent_pid


def arm(parent_pid: int, *, death_signal: bool) -> bool:
    """Arm the parent-death signal if asked; False if the parent is already gone."""
    if death_signal:
        set_parent_death_signal()
    return parent_alive(parent_pid)


async def watch_parent(parent_pid: int, on_gone: Callable[[], None]) -> None:
    """Call ``on_gone`` once the parent has gone (checked every second)."""
    while parent_alive(parent_pid):
        await asyncio.sleep(CHECK_INTERVAL)
    on_gone()

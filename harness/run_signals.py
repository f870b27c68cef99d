"""SIGTERM and SIGHUP end ``smets1-hil run`` the way Ctrl-C (SIGINT) does.

CI cancellation and ``timeout`` send SIGTERM, a closed terminal sends SIGHUP; Python's default for
both is to die at once, leaving a bundle without its last files. While a run is on, both are turned
into the ``KeyboardInterrupt`` pytest already handles: the running scenario is torn down (rigs and
emulator processes stopped), the final summary, junit.xml, report.html and manifest are written,
and the command exits with 128 + the signal's number. A second signal during that clean-up is
noted and ignored, so the bundle is finished; SIGKILL still ends the process at once.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass
class Stop:
    """The first signal that asked the run to stop (None while none has)."""

    signum: int | None = None

    @property
    def exit_code(self) -> int | None:
        return None if self.signum is None else 128 + self.signum


_holding = [0]  # > 0 while the bundle's last files are being written


@contextmanager
def held() -> Iterator[None]:
    """Within the block a signal is noted but does not interrupt (the bundle is being finished).

    Without :func:`signals_end_the_run` around it (plain pytest) this changes nothing.
    """
    _holding[0] += 1
    try:
        yield
    finally:
        _holding[0] -= 1


@contextmanager
def signals_end_the_run() -> Iterator[Stop]:
    """Within the block, SIGINT, SIGTERM and SIGHUP raise ``KeyboardInterrupt`` once."""
    stop = Stop()

    def _handler(signum: int, frame: FrameType | None) -> None:
        if stop.signum is not None:
            return  # already stopping: let the bundle be finished
        stop.signum = signum
        if _holding[0]:
            return  # the run is writing its last files; it ends right after with this code
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, _handler) for sig in HANDLED}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

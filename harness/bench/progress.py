"""Progress of a long transfer on the console: how far, how fast, how long to go.

On a terminal one line is rewritten in place, at most twice a second; on anything else (a pipe, a
log file, CI) a plain line is printed at each tenth of the transfer, so a log holds no carriage
returns or escape codes and does not grow with every block.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

TTY_PERIOD_S = 0.5  # a terminal's line is rewritten at most this often


def progress_line(done: int, total: int, elapsed_s: float) -> str:
    """``42% (110100/262144 bytes), 1.23 MB/min, 0:07 left`` (rate and time left once known)."""
    percent = 100 * done // max(total, 1)
    text = f"{percent:3d}% ({done}/{total} bytes)"
    if done <= 0 or elapsed_s <= 0:
        return text
    rate = done / elapsed_s  # bytes per second
    left = (total - done) / rate
    minutes, seconds = divmod(round(left), 60)
    return f"{text}, {rate * 60 / 1e6:.2f} MB/min, {minutes}:{seconds:02d} left"


class TransferProgress:
    """A ``progress(done, total)`` callback that shows ``label: <progress_line>`` on ``stream``
    (stderr by default). ``tty`` overrides what the stream says it is; ``clock`` is for tests."""

    def __init__(
        self,
        label: str,
        stream: TextIO | None = None,
        *,
        tty: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.clock = clock
        self.started = clock()
        self._last_shown = -1.0  # clock time (tty) or tenth (plain) last shown
        self._finished = False

    def __call__(self, done: int, total: int) -> None:
        if self._finished:
            return
        now = self.clock()
        finished = done >= total
        if self.tty:
            if not finished and now - self._last_shown < TTY_PERIOD_S:
                return
            self._last_shown = now
            line = progress_line(done, total, now - self.started)
            self.stream.write(f"\r{self.label}: {line}\x1b[K" + ("\n" if finished else ""))
        else:
            tenth = 10 * done // max(total, 1)
            if tenth <= self._last_shown:
                return
            self._last_shown = tenth
            self.stream.write(f"{self.label}: {progress_line(done, total, now - self.started)}\n")
        self._finished = finished
        self.stream.flush()

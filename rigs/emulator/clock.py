"""The injectable device clock shared by every device of one emulator process.

It runs at real speed from wherever it was last set; tests set it or jump it forward, and every
change is announced to listeners (scheduled activations are checked at once, not on a poll).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable


class DeviceClock:
    def __init__(self, start: dt.datetime | None = None) -> None:
        self._base = start if start is not None else dt.datetime.now(dt.UTC)
        if self._base.tzinfo is None:
            raise ValueError("clock times must be timezone-aware")
        self._mono = time.monotonic()
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> dt.datetime:
        return self._base + dt.timedelta(seconds=time.monotonic() - self._mono)

    def set(self, moment: dt.datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("clock times must be timezone-aware")
        self._base = moment
        self._mono = time.monotonic()
        self._changed()

    def advance(self, seconds: float) -> None:
        self.set(self.now() + dt.timedelta(seconds=seconds))

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in self._listeners:
            listener()

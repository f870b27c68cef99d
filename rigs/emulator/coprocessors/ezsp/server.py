"""Serve the emulated EmberZNet co-processor on one byte stream: ASH around EZSP."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from rigs.emulator.coprocessors.ezsp.ash import (
    DEFAULT_SETTINGS,
    RESET_POWER_ON,
    AshNcp,
    AshSettings,
)
from rigs.emulator.coprocessors.ezsp.ncp import EzspNcp
from rigs.emulator.coprocessors.link_protocol import LinkProtocolCoProcessor as CoProcessor
from rigs.emulator.coprocessors.writer import CoalescingWriter, serve_reads
from rigs.link import Link, LinkClosed

LOGGER = logging.getLogger(__name__)


class EzspServer:
    """One NCP (its tokens survive host sessions) served to one host at a time."""

    def __init__(
        self, coprocessor: CoProcessor, ash_settings: AshSettings = DEFAULT_SETTINGS
    ) -> None:
        self.coprocessor = coprocessor
        self.ash_settings = ash_settings  # the next host's link gets these
        self._ash: AshNcp | None = None  # the current host's link
        self._last_ash: AshNcp | None = None  # the latest link, kept for its counters
        self._writer = CoalescingWriter()
        self.sessions = 0
        self._line_stats: Callable[[], dict[str, int]] | None = None
        self.ncp = EzspNcp(coprocessor, self._to_host)

    def set_line_stats(self, line_stats: Callable[[], dict[str, int]]) -> None:
        """What the impaired line in front of the radio port did (lost and corrupted bytes)."""
        self._line_stats = line_stats

    def stats(self) -> dict[str, Any]:
        out: dict[str, Any] = {"coprocessor": "ezsp", "sessions": self.sessions}
        if self._last_ash is not None:
            out["ash"] = self._last_ash.stats()
        out["ezsp"] = self.ncp.stats()
        if self._line_stats is not None:
            out["line"] = self._line_stats()
        return out

    def close(self) -> None:
        self.ncp.close()

    def _to_host(self, frame: bytes) -> None:
        if self._ash is None:
            return
        self._ash.send(frame)
        if not self._feeding:
            self._ash.flush()

    _feeding = False

    def _feed(self, ash: AshNcp, chunk: bytes) -> None:
        self._feeding = True
        try:
            with self._writer.batch():  # the answers to this read go out at once, together
                ash.feed(chunk)
        finally:
            self._feeding = False
        self._writer.check()

    async def serve(self, link: Link, *, power_on: bool = False) -> None:
        """Serve one host over ``link`` until the link ends.

        With ``power_on`` the NCP announces itself with RSTACK (reset code power-on) as a stick
        does when it starts, and a host that waits for that need not reset it.
        """
        self.sessions += 1
        self._writer.start(link)
        ash = AshNcp(
            self.ncp.handle, self._writer.write, on_reset=self.ncp.reset, settings=self.ash_settings
        )
        self._ash = self._last_ash = ash
        try:
            if power_on:
                ash.reset_link(RESET_POWER_ON)
            await serve_reads(link, lambda chunk: self._feed(ash, chunk))
        except LinkClosed as exc:
            LOGGER.info("EZSP host link ended: %s", exc)
        finally:
            ash.close()
            if self._ash is ash:
                self._ash = None
            await self._writer.stop()

"""Co-processor kinds: what the emulator's radio port speaks, as a registry.

Each kind is a front end on the same :class:`~rigs.emulator.coprocessors.air.Air` (the emulated
devices and the network around them): ``emulated`` speaks the private radio link of
``docs/radio-link.md``, ``znp`` speaks TI Z-Stack MT over UART, ``ezsp`` EmberZNet EZSP over ASH
(``docs/coprocessors.md``). A new kind
is one module with a factory ``(air) -> CoProcessor`` and one line in :data:`KINDS`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Protocol

from rigs.emulator.coprocessors.air import Air
from rigs.link import Link

LineStats = Callable[[], dict[str, int]]


class CoProcessor(Protocol):
    """A radio-port protocol served on top of the air."""

    kind: str
    firmware: str  # what the co-processor reports as its firmware version

    async def serve(self, link: Link, *, new_host: bool = False) -> None:
        """Serve one host over ``link`` until the link ends (the network state stays).

        ``new_host``: the host has just opened the port (a TCP client), so a kind whose sticks
        announce themselves when they start may do so now."""

    def stats(self) -> dict[str, Any]:
        """Counters of the radio port (frames, bad frames, unknown commands, ...)."""

    def set_line_stats(self, line_stats: LineStats) -> None:
        """Where to read what an impaired line in front of the port lost or corrupted; those
        counters appear in :meth:`stats` under ``"line"``."""


Factory = Callable[[Air], CoProcessor]

KINDS: dict[str, str] = {
    "emulated": "rigs.emulator.coprocessors.link_protocol:LinkProtocolCoProcessor",
    "ezsp": "rigs.emulator.coprocessors.ezsp.kind:EzspCoProcessor",
    "znp": "rigs.emulator.coprocessors.znp:ZnpCoProcessor",
}
"""Kind name -> ``module:factory``; imported only when that kind is served."""

DEFAULT_KIND = "emulated"


class UnknownKind(ValueError):
    """No co-processor kind of that name."""


def kinds() -> list[str]:
    return sorted(KINDS)


def factory(kind: str) -> Factory:
    try:
        target = KINDS[kind]
    except KeyError:
        raise UnknownKind(
            f"unknown co-processor kind {kind!r} (one of {', '.join(kinds())})"
        ) from None
    module_name, _, attr = target.partition(":")
    made: Factory = getattr(importlib.import_module(module_name), attr)
    return made


def create(kind: str, air: Air) -> CoProcessor:
    return factory(kind)(air)

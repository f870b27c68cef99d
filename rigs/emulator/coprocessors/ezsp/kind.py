"""The ``ezsp`` co-processor kind in the registry: the EmberZNet NCP served on the radio port.

The NCP reaches the air through the radio-link packets of the ``emulated`` kind
(:class:`~rigs.emulator.coprocessors.ezsp.air.CoProcessorAir`), attached instead of a byte stream.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rigs.emulator.coprocessors.air import Air
from rigs.emulator.coprocessors.ezsp.ash import AshSettings
from rigs.emulator.coprocessors.ezsp.ncp import VERSION_INFO
from rigs.emulator.coprocessors.ezsp.server import EzspServer
from rigs.emulator.coprocessors.link_protocol import LinkProtocolCoProcessor
from rigs.link import Link

_major, _minor, _patch = VERSION_INFO[2], VERSION_INFO[3], VERSION_INFO[4]


class EzspCoProcessor:
    kind = "ezsp"
    firmware = f"EmberZNet {_major}.{_minor}.{_patch} (emulated NCP, EZSP over ASH)"

    def __init__(self, air: Air) -> None:
        self._air_side = LinkProtocolCoProcessor(air)
        self.server = EzspServer(self._air_side)

    async def serve(self, link: Link, *, new_host: bool = False) -> None:
        # a stick announces itself (RSTACK, power-on) when a host opens its TCP port
        await self.server.serve(link, power_on=new_host)

    def set_ash_settings(self, settings: AshSettings) -> None:
        """The NCP's ASH parameters (UG101's manufacturing tokens) for the hosts to come."""
        self.server.ash_settings = settings

    def set_line_stats(self, line_stats: Callable[[], dict[str, int]]) -> None:
        self.server.set_line_stats(line_stats)

    def stats(self) -> dict[str, Any]:
        return {**self.server.stats(), "rejected_packets": self._air_side.rejected_packets}

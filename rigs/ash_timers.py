"""The host's ASH timer bounds and timeout limit (Silicon Labs UG101), as a rig file gives them.

UG101 keeps ``T_RX_ACK_MIN`` (0.4 s), ``T_RX_ACK_MAX`` (3.2 s) and ``ACK_TIMEOUTS`` among the ASH
parameters that can be configured. bellows 1.2.1 fixes them; the rig's ASH fast path for bellows
(:mod:`rigs.zigbee.bellows_fastpath`) takes them from an ``ezsp`` radio's ``ash`` key
(``ash = "t_rx_ack_max=0.4,ack_timeouts=0"``): UG101's timer bounds when it is absent, and our
:data:`ACK_TIMEOUTS` acknowledgement timeouts in a row before the host gives the link up (0:
never for timeouts; the host still gives up after ``MAX_SENDS`` sends of one frame). Kept apart
from the radio library so that reading a rig file imports no radio library.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

ACK_TIMEOUTS = 16
"""Acknowledgement timeouts in a row after which the host gives the link up (our setting; UG101's
NCP default is 4, see :mod:`rigs.zigbee.bellows_fastpath` for why more)."""


@dataclass(frozen=True)
class HostAshSettings:
    """The host's ``t_rx_ack`` bounds (UG101's values by default) and timeout limit (a rig
    file's ``radio.ash``)."""

    t_rx_ack_min: float = 0.4
    t_rx_ack_max: float = 3.2
    ack_timeouts: int = ACK_TIMEOUTS  # 0: never give the link up for timeouts

    def __post_init__(self) -> None:
        if not 0 < self.t_rx_ack_min <= self.t_rx_ack_max:
            raise ValueError("ASH timers need 0 < t_rx_ack_min <= t_rx_ack_max")
        if self.ack_timeouts < 0:
            raise ValueError("ack_timeouts is 0 (never) or more")

    @classmethod
    def parse(cls, text: str) -> HostAshSettings:
        """``"t_rx_ack_max=0.4,ack_timeouts=0"`` (any of them, timers in seconds)."""
        return cls(**parse_settings(text, cls.__dataclass_fields__, {"ack_timeouts"}))


def parse_settings(
    text: str, names: Iterable[str], integers: Collection[str] = ()
) -> dict[str, Any]:
    """``"name=value,..."`` (any of ``names``, any order) as numbers: whole numbers for the
    names in ``integers``, seconds (float) for the rest. One-line ``ValueError`` otherwise."""
    known = list(names)
    values: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or name not in known:
            raise ValueError(f"unknown ASH setting {item!r} (known: {', '.join(known)})")
        try:
            values[name] = int(raw.strip()) if name in integers else float(raw.strip())
        except ValueError:
            raise ValueError(f"ASH setting {name} needs a number, got {raw!r}") from None
    return values


UG101_SETTINGS = HostAshSettings()

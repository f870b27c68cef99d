"""The host's ASH acknowledgement timer bounds (Silicon Labs UG101), as a rig file gives them.

UG101 keeps ``T_RX_ACK_MIN`` (0.4 s) and ``T_RX_ACK_MAX`` (3.2 s) among the ASH parameters that
can be configured. bellows 1.2.1 fixes them; the rig's ASH fast path for bellows
(:mod:`rigs.zigbee.bellows_fastpath`) takes them from an ``ezsp`` radio's ``ash`` key
(``ash = "t_rx_ack_max=0.8"``), UG101's values when it is absent. Kept apart from the radio
library so that reading a rig file imports no radio library.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HostAshSettings:
    """The host's ``t_rx_ack`` bounds (UG101's values by default; a rig file's ``radio.ash``)."""

    t_rx_ack_min: float = 0.4
    t_rx_ack_max: float = 3.2

    def __post_init__(self) -> None:
        if not 0 < self.t_rx_ack_min <= self.t_rx_ack_max:
            raise ValueError("ASH timers need 0 < t_rx_ack_min <= t_rx_ack_max")

    @classmethod
    def parse(cls, text: str) -> HostAshSettings:
        """``"t_rx_ack_max=0.8"`` (either or both, seconds)."""
        values: dict[str, float] = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            name, sep, raw = item.partition("=")
            name = name.strip()
            if not sep or name not in cls.__dataclass_fields__:
                known = ", ".join(cls.__dataclass_fields__)
                raise ValueError(f"unknown ASH setting {item!r} (known: {known})")
            try:
                values[name] = float(raw.strip())
            except ValueError:
                raise ValueError(f"ASH setting {name} needs a number, got {raw!r}") from None
        return cls(**values)


UG101_SETTINGS = HostAshSettings()

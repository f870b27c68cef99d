"""Throughput targets: the lower limit a transfer's throughput is held to, per transfer kind and
device role.

A rig file may give them in a top-level ``[targets]`` table; what it leaves out comes from
:data:`DEFAULT_TARGETS`. The defaults are this project's settings, not figures from a standard:

- ZigBee OTA (``zigbee-ota``), in MB/min (1 MB = 1,000,000 bytes of image): PPMID 0.1, ESME 0.1,
  GSME 0.05. A 250 kbit/s link moving 64-byte blocks one request at a time does about 0.4 MB/min
  at 10 ms per block; the defaults leave room for a mains-powered device's slower replies and for
  a battery-powered gas meter's polling.
- Serial test port (``serial``), in percent of the line rate (10 bits per byte): 90 for every
  role. HDLC framing costs about 2%, so a device that keeps its line busy reaches about 98%.

Example (``docs/rig-file.md``)::

    [targets.zigbee-ota]      # MB/min
    PPMID = 0.2
    [targets.serial]          # % of line rate
    GSME = 95
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ZIGBEE_OTA = "zigbee-ota"
SERIAL = "serial"
ROLES = ("PPMID", "ESME", "GSME")

#: the unit each transfer kind's target is given in
TARGET_UNITS: dict[str, str] = {ZIGBEE_OTA: "MB/min", SERIAL: "% of line rate"}

#: this project's default targets (settings, see the module docstring)
DEFAULT_TARGETS: dict[str, dict[str, float]] = {
    ZIGBEE_OTA: {"PPMID": 0.1, "ESME": 0.1, "GSME": 0.05},
    SERIAL: {"PPMID": 90.0, "ESME": 90.0, "GSME": 90.0},
}


class TargetsError(ValueError):
    """A ``[targets]`` table that cannot be used; the message names the key."""


@dataclass(frozen=True)
class Target:
    kind: str
    role: str
    value: float
    units: str
    source: str  # "default" or the rig file's name

    def met_by(self, measured: float) -> bool:
        return measured >= self.value

    def describe(self) -> str:
        return f">= {self.value:g} {self.units} ({self.source})"


@dataclass(frozen=True)
class Targets:
    """Targets per transfer kind and device role, with where each came from."""

    values: Mapping[str, Mapping[str, float]] = field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_TARGETS.items()}
    )
    given: frozenset[tuple[str, str]] = frozenset()  # (kind, role) pairs the rig file set
    source: str = "default"

    def target(self, kind: str, role: str) -> Target | None:
        value = self.values.get(kind, {}).get(role)
        if value is None:
            return None
        where = self.source if (kind, role) in self.given else "default"
        return Target(kind, role, value, TARGET_UNITS[kind], where)

    def as_dict(self) -> dict[str, dict[str, float]]:
        return {kind: dict(roles) for kind, roles in self.values.items()}


def parse_targets(data: Any, source: str) -> Targets:
    """The ``[targets]`` table of a rig file over the defaults; mistakes name the key."""
    if not isinstance(data, dict):
        raise TargetsError("targets: must be a table")
    values = {kind: dict(roles) for kind, roles in DEFAULT_TARGETS.items()}
    given: set[tuple[str, str]] = set()
    for kind, roles in data.items():
        if kind not in TARGET_UNITS:
            raise TargetsError(
                f"targets.{kind}: unknown transfer kind (expected one of {', '.join(TARGET_UNITS)})"
            )
        if not isinstance(roles, dict):
            raise TargetsError(f"targets.{kind}: must be a table of device roles")
        for role, value in roles.items():
            key = f"targets.{kind}.{role}"
            if role not in ROLES:
                raise TargetsError(f"{key}: unknown role (expected one of {', '.join(ROLES)})")
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TargetsError(f"{key}: must be a number ({TARGET_UNITS[kind]})")
            if not math.isfinite(value) or value < 0:
                raise TargetsError(f"{key}: must be zero or more ({TARGET_UNITS[kind]})")
            if kind == SERIAL and value > 100:
                raise TargetsError(f"{key}: a percentage of the line rate is at most 100")
            values[kind][role] = float(value)
            given.add((kind, role))
    return Targets(values, frozenset(given), source)


DEFAULTS = Targets()

"""The registry of rig kinds: kind name -> (spec from the rig file, driver that opens it).

A *kind* is a way of reaching a device, in the way labgrid splits resources from drivers:

- a **radio** kind is the rig's ZigBee coordinator (``emulated``, ``znp``, ``ezsp``): its spec is
  the rig file's ``radio`` table, its driver opens the radio through a zigpy radio library;
- a **port** kind is one more way to a device (``serial``: the device's test port; ``power``: its
  power switch): its spec is
  an entry of the device's ``ports`` table, its driver serves every device of the rig that has
  such a port, by IEEE address.

A spec is validated when the rig file loads (a mistake is :class:`SpecError`, one line naming the
key); the driver is imported only when a rig is brought up, so loading a rig file stays cheap.
Adding a kind is a module of its own defining a :class:`Kind`, plus its line in
:data:`BUILTIN_KINDS` (or a :func:`register` call for a kind kept outside this package); see
``docs/rig-kinds.md``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from rigs.spec import PortSpec, RadioSpec

Role = Literal["radio", "port"]

BUILTIN_KINDS: tuple[str, ...] = (
    "rigs.kinds.zigbee",  # emulated, znp, ezsp: ZigBee radios through zigpy radio libraries
    "rigs.kinds.serial",  # serial: a device's serial test port
    "rigs.kinds.power",  # power: a device's power switch, through labgrid's power drivers
)
"""Modules whose ``KINDS`` are registered on first use: one line per kind module."""


class SpecError(ValueError):
    """A rig-file entry of some kind is wrong; the message is ``key: what``."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


class UnknownKind(LookupError):
    """No kind of that name and role is registered."""


class Radio(Protocol):
    """An opened radio: it lets devices join, waits for them, and identifies them."""

    async def identify(self, ieee: str, *, timeout: float = 10.0) -> Any: ...

    async def permit_join(self, seconds: int = 60) -> None: ...

    async def wait_for_devices(self, ieees: list[str], *, timeout: float = 30.0) -> None: ...

    async def close(self) -> None: ...


class RadioDriver(Protocol):
    """Opens a radio of its kind at ``path`` (a device path or a pyserial URL)."""

    async def __call__(
        self,
        spec: RadioSpec,
        path: str,
        *,
        trace: Path | None,
        timeout: float,
        options: Mapping[str, Any],
    ) -> Radio: ...


class PortDriver(Protocol):
    """The opened ports of one kind on one rig: capabilities by IEEE address, then close."""

    async def close(self) -> None: ...


PortDriverFactory = Callable[[Mapping[str, PortSpec], "Path | None"], PortDriver]
"""Makes the driver of a rig's ports of one kind from their specs (IEEE address -> spec) and the
directory for their traces (None: no traces). Opening a port may wait until it is first used."""


@dataclass(frozen=True)
class Kind:
    """One kind: its name, what it is, how its rig-file entry is read, and its driver.

    ``parse(entry, key)`` turns the rig-file entry at ``key`` into the kind's spec or raises
    :class:`SpecError`; ``driver()`` imports and returns the driver (a :class:`RadioDriver` for a
    radio kind, a :data:`PortDriverFactory` for a port kind).
    """

    name: str
    role: Role
    parse: Callable[[Any, str], Any]
    driver: Callable[[], Any]
    summary: str


_registry: dict[str, Kind] = {}
_builtins_loaded = False


def register(kind: Kind) -> Kind:
    """Register ``kind``; a name is registered once."""
    existing = _registry.get(kind.name)
    if existing is not None and existing is not kind:
        raise ValueError(f"a rig kind named {kind.name!r} is already registered")
    _registry[kind.name] = kind
    return kind


def _load_builtins() -> None:
    global _builtins_loaded
    if _builtins_loaded:
        return
    _builtins_loaded = True
    for module_name in BUILTIN_KINDS:
        module = importlib.import_module(module_name)
        for kind in module.KINDS:
            register(kind)


def kinds(role: Role | None = None) -> tuple[Kind, ...]:
    """The registered kinds (of ``role``), by name."""
    _load_builtins()
    return tuple(kind for _, kind in sorted(_registry.items()) if role is None or kind.role == role)


def names(role: Role) -> tuple[str, ...]:
    return tuple(kind.name for kind in kinds(role))


def get(name: str, role: Role) -> Kind:
    """The kind ``name`` of ``role``; :class:`UnknownKind` says which names there are."""
    _load_builtins()
    kind = _registry.get(name)
    if kind is None or kind.role != role:
        raise UnknownKind(f"must be one of {', '.join(names(role))}")
    return kind


__all__ = [
    "BUILTIN_KINDS",
    "Kind",
    "PortDriver",
    "PortDriverFactory",
    "Radio",
    "RadioDriver",
    "Role",
    "SpecError",
    "UnknownKind",
    "get",
    "kinds",
    "names",
    "register",
]

"""What a rig file says about one rig: its radio, its devices, and each device's ports by kind.

These are plain values, validated when the rig file loads (:mod:`harness.rigfile`) by the spec
classes of the registered kinds (:mod:`rigs.kinds`), and used by the bring-up
(:mod:`rigs.bringup`) to start the rig.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

SERIAL = "serial"
"""The kind name of a device's serial test port."""


class MigrationStatus(str, enum.Enum):
    """Where an installation stands in DCC's SMETS1 migration."""

    PENDING = "pending"  # not yet on a migration list
    DORMANT = "dormant"  # on the Dormant migration list
    ACTIVE = "active"  # on the Active migration list
    MIGRATED = "migrated"  # enrolled with DCC


class PortSpec(Protocol):
    """A device's port of some kind, as the rig file gives it."""

    @property
    def kind(self) -> str: ...

    @property
    def address(self) -> str:
        """Where the port is reached (a URL or a name), for evidence and messages."""
        ...


@dataclass(frozen=True)
class RadioSpec:
    """The coordinator radio: a ZigBee radio kind (``emulated``, ``znp``, ``ezsp``, ...)."""

    kind: str
    path: str | None = None  # pyserial URL or device path; None: start the embedded emulator
    baudrate: int = 115200
    resource: str | None = None  # on a labgrid place: the resource that gives the path
    control: str | None = None  # the emulator's control channel (tcp://HOST:PORT), if any
    ash: str | None = None  # ezsp: the host's ASH timer bounds, e.g. "t_rx_ack_max=0.8"

    @property
    def embedded(self) -> bool:
        """True when the harness starts its own emulator process for this radio (no path and no
        labgrid resource given): the emulator then plays a co-processor of this kind."""
        return self.path is None and self.resource is None


@dataclass(frozen=True)
class DeviceSpec:
    """One device of a rig, with what the SMSO holds about its installation."""

    role: str  # PPMID, ESME or GSME
    ieee: str  # 16 upper-case hex digits
    model: str  # model profile name
    ports: tuple[PortSpec, ...] = ()  # at most one per kind
    group_id: str = "AA"  # SMSO GroupID of the installation's cohort
    site_id: str | None = None  # MPAN (ESME) or MPRN (GSME) as the SMSO holds it
    installing_supplier: str = ""
    responsible_supplier: str = ""
    installation_id: str = ""
    migration_status: MigrationStatus = MigrationStatus.ACTIVE

    def port(self, kind: str) -> PortSpec | None:
        """The device's port of ``kind``, if the rig gives it one."""
        for port in self.ports:
            if port.kind == kind:
                return port
        return None

    @property
    def port_kinds(self) -> tuple[str, ...]:
        return tuple(port.kind for port in self.ports)

    @property
    def serial_port(self) -> str | None:
        """The URL of the device's serial test port, None when the rig gives it none."""
        port = self.port(SERIAL)
        return None if port is None else port.address

    def with_port(self, port: PortSpec) -> DeviceSpec:
        """This device with ``port`` replacing any port of the same kind."""
        others = tuple(p for p in self.ports if p.kind != port.kind)
        return dataclasses.replace(self, ports=(*others, port))


@dataclass(frozen=True)
class SerialPortSpec:
    """A serial test port (``docs/test-port.md``): a device path or a pyserial URL."""

    url: str
    kind: str = SERIAL

    @property
    def address(self) -> str:
        return self.url


@dataclass(frozen=True)
class ResourcePort:
    """A port of some kind that a labgrid place's resource gives, resolved when it is acquired."""

    kind: str
    resource: str

    @property
    def address(self) -> str:
        return f"labgrid resource {self.resource}"


@dataclass(frozen=True)
class RigSpec:
    """One rig: a radio and its devices (on a labgrid place, or on local ports)."""

    name: str
    radio: RadioSpec
    devices: tuple[DeviceSpec, ...]
    place: str | None = None  # the labgrid place the rig is
    tags: tuple[tuple[str, str], ...] = ()  # or: any labgrid place with these tags

    @property
    def on_labgrid(self) -> bool:
        return self.place is not None or bool(self.tags)

    def device(self, role: str) -> DeviceSpec | None:
        """The first device of ``role`` on this rig, if any."""
        for device in self.devices:
            if device.role == role:
                return device
        return None

    def with_serial_ports(self, ports: Mapping[str, str]) -> RigSpec:
        """This rig with ``ports`` (IEEE address -> URL) as the test ports of the devices the rig
        file gives none; a test port the rig file gives is kept as it is."""
        return self.with_ports({ieee: SerialPortSpec(url) for ieee, url in ports.items()})

    def with_ports(self, ports: Mapping[str, PortSpec]) -> RigSpec:
        """This rig with ``ports`` (IEEE address -> port) given to the devices that have no port
        of that kind; a port the rig file gives is kept as it is."""
        devices = tuple(
            device
            if device.ieee not in ports or device.port(ports[device.ieee].kind) is not None
            else device.with_port(ports[device.ieee])
            for device in self.devices
        )
        return dataclasses.replace(self, devices=devices)

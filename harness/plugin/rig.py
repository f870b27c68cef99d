"""The rig as scenarios see it: its description, its operations, and a synchronous way to run them.

Scenarios are plain functions; the rig's async operations run on the rig's own event loop thread
(:class:`~harness.plugin.loop_thread.LoopThread`) through :meth:`HilRig.run`. A device is reached
over ZigBee (:class:`HilDevice`) and through each port the rig gives it, by kind:
``device.port("serial")`` (also :attr:`HilDevice.serial`) is its serial test port; a port of any
other kind is its kind's driver with the device's IEEE address bound and every call made plain.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from harness.plugin.loop_thread import LoopThread
from rigs.capabilities import Firmware, Identity, Pin, PinChange, SiteId
from rigs.kinds import PortDriver
from rigs.operations import (
    ActivationResult,
    DeviceIdentity,
    FirmwareVersion,
    HeldImage,
    PinStatus,
    PinVerification,
    RigError,
    TransferResult,
    backstop,
)
from rigs.spec import SERIAL, DeviceSpec, RigSpec

if TYPE_CHECKING:
    from harness.plugin.serial_side import TestPort, TestPorts

T = TypeVar("T")
# an operation's backstop when the caller gives none: room for the longest default limit of an
# operation (activate's 30 s) lengthened as a rig may (rigs.operations.backstop)
DEFAULT_TIMEOUT = backstop(30.0)
LINK_STATS_TIMEOUT = 15.0


class RadioOperations(Identity, Firmware, Pin, PinChange, SiteId, Protocol):
    """What scenarios ask of the rig's radio (the ZigBee rig offers all of it)."""


class NoPort(RigError):
    """The rig gives this device no port of that kind."""


@dataclass
class HilRig:
    spec: RigSpec
    ops: RadioOperations
    loop: LoopThread
    identities: dict[str, DeviceIdentity] = field(default_factory=dict)
    where: dict[str, Any] = field(default_factory=dict)  # how the rig was reached (radio URL, pid)
    test_ports: TestPorts | None = None  # the devices' serial test ports
    ports: dict[str, PortDriver] = field(default_factory=dict)  # port kind -> its driver

    def run(self, awaitable: Awaitable[T], timeout: float = DEFAULT_TIMEOUT) -> T:
        return self.loop.run(awaitable, timeout)

    def device(self, role: str) -> HilDevice | None:
        spec = self.spec.device(role)
        return None if spec is None else HilDevice(self, spec)

    def radio_link(self) -> dict[str, Any] | None:
        """The radio link's counters now, from the emulator's control channel (None when the
        rig has none); a failure to read them is recorded as ``{"error": reason}``."""
        read = getattr(self.ops, "link_stats", None)
        if read is None:
            return None
        try:
            stats: dict[str, Any] | None = self.run(read(), LINK_STATS_TIMEOUT)
        except (RigError, TimeoutError) as exc:
            return {"error": str(exc) or type(exc).__name__}
        return stats

    def identity_record(self) -> dict[str, Any]:
        """Rig and device identity for evidence records."""
        devices = []
        for device in self.spec.devices:
            identity = self.identities.get(device.ieee)
            devices.append(
                {
                    "role": device.role,
                    "ieee": device.ieee,
                    "model_profile": device.model,
                    "group_id": device.group_id,
                    "site_id_held_by_smso": device.site_id,
                    "serial_port": device.serial_port,
                    "installation_id": device.installation_id,
                    "installing_supplier": device.installing_supplier,
                    "responsible_supplier": device.responsible_supplier,
                    "migration_status": device.migration_status.value,
                    "manufacturer": identity.manufacturer if identity else None,
                    "model": identity.model if identity else None,
                    "manufacturer_code": identity.manufacturer_code if identity else None,
                    "image_type": identity.image_type if identity else None,
                    "hardware_version": identity.hardware_version if identity else None,
                }
            )
        return {
            "name": self.spec.name,
            "radio": {
                "kind": self.spec.radio.kind,
                "path": self.where.get("radio", self.spec.radio.path),
                **({"codec": self.where["codec"]} if "codec" in self.where else {}),
                **({"frames": self.where["frames"]} if "frames" in self.where else {}),
                **({"firmware": self.where["firmware"]} if "firmware" in self.where else {}),
                **({"control": self.where["control"]} if "control" in self.where else {}),
            },
            "devices": devices,
        }


@dataclass
class HilDevice:
    """One device of the rig, with its operations as plain calls."""

    rig: HilRig
    spec: DeviceSpec

    @property
    def ieee(self) -> str:
        return self.spec.ieee

    @property
    def role(self) -> str:
        return self.spec.role

    @property
    def identity(self) -> DeviceIdentity:
        return self.rig.identities[self.spec.ieee]

    def firmware(self) -> FirmwareVersion:
        return self.rig.run(self.rig.ops.read_firmware_version(self.ieee))

    def held_image(self) -> HeldImage | None:
        return self.rig.run(self.rig.ops.read_held_image(self.ieee))

    def distribute(self, image: bytes, timeout: float = 600.0) -> TransferResult:
        return self.rig.run(
            self.rig.ops.distribute_image(self.ieee, image, timeout=timeout), backstop(timeout)
        )

    def activate(self, at: dt.datetime | None = None) -> ActivationResult:
        return self.rig.run(self.rig.ops.activate(self.ieee, at))

    def site_id(self) -> str:
        return self.rig.run(self.rig.ops.read_site_id(self.ieee))

    def verify_pin(self, pin: str) -> PinVerification:
        return self.rig.run(self.rig.ops.verify_pin(self.ieee, pin))

    def set_pin(self, pin: str) -> None:
        self.rig.run(self.rig.ops.set_pin(self.ieee, pin))

    def pin_is_default(self) -> bool:
        return self.rig.run(self.rig.ops.pin_is_default(self.ieee))

    def pin_status(self) -> PinStatus:
        return self.rig.run(self.rig.ops.read_pin_status(self.ieee))

    def port(self, kind: str) -> Any:
        """The device's port of ``kind``: its serial test port (:class:`TestPort`) for
        ``"serial"``, else the kind's driver with this device bound (``power_off()`` for
        ``power_off(ieee)``). Raises :class:`NoPort` when the rig gives the device none."""
        if self.spec.port(kind) is None:
            raise NoPort(f"the rig gives this device no {kind} port", device=self.ieee)
        if kind == SERIAL:
            return self.serial
        driver = self.rig.ports.get(kind)
        if driver is None:
            raise NoPort(f"the rig has no driver for {kind} ports", device=self.ieee)
        return BoundPort(self.rig, driver, self.ieee, kind)

    @property
    def port_kinds(self) -> tuple[str, ...]:
        """The kinds of port the rig gives this device."""
        return self.spec.port_kinds

    @property
    def serial_port(self) -> str | None:
        """The URL of the device's serial test port, None when the rig gives it none."""
        return self.spec.serial_port

    @property
    def serial(self) -> TestPort:
        """The device on its serial test port (opened on first use, closed with the rig).

        Raises :class:`~harness.plugin.serial_side.NoTestPort` when the rig gives it none.
        """
        from harness.plugin.serial_side import NoTestPort

        if self.rig.test_ports is None:
            raise NoTestPort("the rig gives this device no serial test port", device=self.ieee)
        return self.rig.test_ports.port(self.ieee)

    def __repr__(self) -> str:
        return f"HilDevice({self.role} {self.ieee})"


class BoundPort:
    """A port driver's operations for one device, as plain calls: ``port.power_cycle()`` runs
    ``driver.power_cycle(ieee)`` on the rig's event loop."""

    def __init__(self, rig: HilRig, driver: PortDriver, ieee: str, kind: str) -> None:
        self._rig = rig
        self._driver = driver
        self.ieee = ieee
        self.kind = kind

    def __repr__(self) -> str:
        return f"BoundPort({self.kind} of {self.ieee})"

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        operation = getattr(self._driver, name)

        @functools.wraps(operation)
        def call(*args: Any, timeout: float = DEFAULT_TIMEOUT, **kwargs: Any) -> Any:
            return self._rig.run(operation(self.ieee, *args, **kwargs), timeout)

        return call

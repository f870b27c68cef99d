"""The rig as scenarios see it: its description, its operations, and a synchronous way to run them.

Scenarios are plain functions; the rig's async operations run on the rig's own event loop thread
(:class:`~harness.plugin.loop_thread.LoopThread`) through :meth:`HilRig.run`. A device is reached
over ZigBee (:class:`HilDevice`) and, where the rig gives it one, on its serial test port
(:attr:`HilDevice.serial`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from harness.plugin.loop_thread import LoopThread
from harness.rigfile import DeviceSpec, RigSpec
from rigs.operations import (
    ActivationResult,
    DeviceIdentity,
    FirmwareVersion,
    HeldImage,
    PinStatus,
    PinVerification,
    RigOperations,
    TransferResult,
)

if TYPE_CHECKING:
    from harness.plugin.serial_side import TestPort, TestPorts

T = TypeVar("T")
DEFAULT_TIMEOUT = 120.0


@dataclass
class HilRig:
    spec: RigSpec
    ops: RigOperations
    loop: LoopThread
    identities: dict[str, DeviceIdentity] = field(default_factory=dict)
    where: dict[str, Any] = field(default_factory=dict)  # how the rig was reached (radio URL, pid)
    test_ports: TestPorts | None = None  # the devices' serial test ports

    def run(self, awaitable: Awaitable[T], timeout: float = DEFAULT_TIMEOUT) -> T:
        return self.loop.run(awaitable, timeout)

    def device(self, role: str) -> HilDevice | None:
        spec = self.spec.device(role)
        return None if spec is None else HilDevice(self, spec)

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
                **({"firmware": self.where["firmware"]} if "firmware" in self.where else {}),
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
            self.rig.ops.distribute_image(self.ieee, image, timeout=timeout), timeout + 30
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

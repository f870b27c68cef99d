"""The serial side of a rig: each device reached on its own test port as well as over ZigBee.

One :class:`~rigs.serial.rig.SerialRig` per rig, on the rig's event loop. A device's port is
opened when a scenario first uses it (the device must answer there with the IEEE address the rig
file gives it) and stays open until the rig is taken down. With an evidence bundle each port's
trace goes to ``traces/<rig>/test-port-<IEEE>.jsonl``; the serial rig masks every PIN frame in
it. The rig notes which ports a scenario used, so its record can point at their traces.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from harness.plugin.loop_thread import LoopThread
from rigs.operations import (
    DeviceIdentity,
    FirmwareVersion,
    HeldImage,
    PinStatus,
    PinVerification,
    RigError,
)

if TYPE_CHECKING:
    from rigs.serial.bodies import ImageStatus
    from rigs.serial.device import DeviceEvent
    from rigs.serial.rig import SerialRig

T = TypeVar("T")
DEFAULT_TIMEOUT = 60.0
ATTACH_TIMEOUT_S = 10.0


class NoTestPort(RigError):
    """The rig gives this device no serial test port."""


class TestPorts:
    """The test ports of one rig's devices (IEEE address -> URL), opened when first used."""

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        loop: LoopThread,
        urls: Mapping[str, str],
        trace_dir: Path | None = None,
        rig: SerialRig | None = None,
    ) -> None:
        """``rig`` is the ``serial`` kind's driver when the bring-up made one (it closes it);
        without it these ports make their own serial rig and close it themselves."""
        self.loop = loop
        self.urls = dict(urls)
        self.trace_dir = trace_dir
        self._rig: SerialRig | None = rig
        self._own_rig = rig is None
        self._identities: dict[str, DeviceIdentity] = {}
        self._traces: dict[str, Path] = {}  # kept after the ports close, for the last records
        self.used: set[str] = set()  # devices whose port was used since the last clear()

    def __repr__(self) -> str:
        return f"TestPorts({len(self.urls)} ports, {len(self._identities)} open)"

    def port(self, ieee: str) -> TestPort:
        """The test port of device ``ieee``; :class:`NoTestPort` when the rig gives it none."""
        if ieee not in self.urls:
            raise NoTestPort("the rig gives this device no serial test port", device=ieee)
        return TestPort(self, ieee)

    def run(self, ieee: str, awaitable: Awaitable[T], timeout: float = DEFAULT_TIMEOUT) -> T:
        self.used.add(ieee)
        return self.loop.run(awaitable, timeout)

    def serial_rig(self, ieee: str) -> SerialRig:
        """The serial rig, with device ``ieee`` attached (opened and identified) on first use."""
        if self._rig is None:
            from rigs.serial.rig import SerialRig

            self._rig = SerialRig(self.urls, trace_dir=self.trace_dir)
        if ieee not in self._identities:
            # identify() opens the port and checks that the device there is ``ieee``
            self._identities[ieee] = self.run(
                ieee, self._rig.identify(ieee, timeout=ATTACH_TIMEOUT_S), ATTACH_TIMEOUT_S + 5
            )
            trace = self._rig.trace_path(ieee)
            if trace is not None:
                self._traces[ieee] = trace
        return self._rig

    def identity(self, ieee: str) -> DeviceIdentity:
        self.serial_rig(ieee)
        return self._identities[ieee]

    def trace_file(self, ieee: str) -> Path | None:
        """The trace of device ``ieee``'s port, once it has been opened with a trace directory."""
        return self._traces.get(ieee)

    async def close(self) -> None:
        """Close every open port and its trace (unless the bring-up closes them)."""
        if self._rig is not None and self._own_rig:
            await self._rig.close()


class TestPort:
    """One device's serial test port, with its operations as plain calls (as :class:`HilDevice`
    offers the ZigBee side). Setting a PIN is not offered over the test port."""

    __test__ = False

    def __init__(self, ports: TestPorts, ieee: str) -> None:
        self.ports = ports
        self.ieee = ieee

    def __repr__(self) -> str:
        return f"TestPort({self.ieee} at {self.url})"

    @property
    def url(self) -> str:
        return self.ports.urls[self.ieee]

    @property
    def identity(self) -> DeviceIdentity:
        """Who the device says it is on this port (read when the port was first opened)."""
        return self.ports.identity(self.ieee)

    @property
    def trace_file(self) -> Path | None:
        return self.ports.trace_file(self.ieee)

    def _run(self, awaitable: Awaitable[T], timeout: float = DEFAULT_TIMEOUT) -> T:
        return self.ports.run(self.ieee, awaitable, timeout)

    def firmware(self) -> FirmwareVersion:
        rig = self.ports.serial_rig(self.ieee)
        return self._run(rig.read_firmware_version(self.ieee))

    def image_status(self) -> ImageStatus:
        """What the device holds: nothing, an image being received, or a held image."""
        rig = self.ports.serial_rig(self.ieee)
        return self._run(rig.read_image_status(self.ieee))

    def held_image(self) -> HeldImage | None:
        rig = self.ports.serial_rig(self.ieee)
        return self._run(rig.read_held_image(self.ieee))

    def pin_status(self) -> PinStatus:
        rig = self.ports.serial_rig(self.ieee)
        return self._run(rig.read_pin_status(self.ieee))

    def verify_pin(self, pin: str) -> PinVerification:
        rig = self.ports.serial_rig(self.ieee)
        return self._run(rig.verify_pin(self.ieee, pin))

    def events(self) -> list[DeviceEvent]:
        rig = self.ports.serial_rig(self.ieee)
        return self._run(rig.read_event_log(self.ieee))

    def site_id(self) -> str:
        rig = self.ports.serial_rig(self.ieee)
        return self._run(rig.read_site_id(self.ieee))

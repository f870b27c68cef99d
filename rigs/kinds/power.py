"""The ``power`` port kind: a device's power switch, driven through labgrid's power drivers or
through the emulator's control channel.

Rig file, in a device's table: ``ports.power = { model = "simplerest", host =
"http://lab-3:8080/power/{index}/{value}", index = 2 }`` — the arguments of a labgrid
``NetworkPowerPort`` (``model`` is a labgrid power backend). In a rig on a labgrid place,
``ports.power = { resource = "gsme-power" }`` names the place's ``NetworkPowerPort`` instead.
For an emulated device, ``ports.power = { control = "tcp://127.0.0.1:40123" }`` switches it
through the emulator's control channel (``power.set``/``power.get``, ``docs/coprocessors.md``);
the embedded rig gives every device such a port itself.

Driver: one labgrid ``NetworkPowerDriver`` per device (labgrid is imported only when a rig with
labgrid power ports is brought up; ``pip install 'smets1-hil[labgrid]'``), or one control-channel
client per emulator; both offer :class:`rigs.capabilities.Power`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rigs import control_protocol
from rigs.kinds import Kind, PortDriver, SpecError
from rigs.kinds.entry import check_keys, join, string, table
from rigs.operations import DeviceTimeout, RigError
from rigs.spec import PortSpec

if TYPE_CHECKING:
    from rigs.control_client import ControlClient

POWER = "power"
MODEL = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class PowerSpec:
    """A labgrid ``NetworkPowerPort``: backend model, host (or URL template), port index."""

    model: str
    host: str
    index: int
    kind: str = POWER

    @property
    def address(self) -> str:
        return f"{self.model} {self.host} #{self.index}"


@dataclass(frozen=True)
class ControlPowerSpec:
    """An emulated device's power, switched through its emulator's control channel."""

    control: str  # tcp://HOST:PORT
    kind: str = POWER

    @property
    def address(self) -> str:
        return f"emulator control {self.control}"


def parse(entry: Any, key: str) -> PowerSpec | ControlPowerSpec:
    power = table(entry, key)
    if "control" in power:
        check_keys(power, key, ("control",))
        control = string(power, key, "control", required=True) or ""
        try:
            control_protocol.parse_url(control)
        except ValueError as exc:
            raise SpecError(join(key, "control"), str(exc)) from None
        return ControlPowerSpec(control=control)
    check_keys(power, key, ("model", "host", "index"))
    model = string(power, key, "model", required=True) or ""
    if not MODEL.match(model):
        raise SpecError(join(key, "model"), "must name a labgrid power backend (e.g. simplerest)")
    host = string(power, key, "host", required=True) or ""
    index = power.get("index", 0)
    if isinstance(index, str) and index.isdigit():
        index = int(index)
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise SpecError(join(key, "index"), "must be a port number, 0 or more")
    return PowerSpec(model=model, host=host, index=index)


class LabgridPowerSwitches:
    """:class:`rigs.capabilities.Power` for a rig's devices, by IEEE address."""

    def __init__(self, specs: Mapping[str, PortSpec], trace_dir: Path | None) -> None:
        self._specs: dict[str, PowerSpec] = {}
        for ieee, spec in specs.items():
            assert isinstance(spec, PowerSpec)
            self._specs[ieee.upper()] = spec
        self._drivers: dict[str, Any] = {}  # made when a switch is first used

    def _driver(self, ieee: str) -> Any:
        key = ieee.upper()
        driver = self._drivers.get(key)
        if driver is not None:
            return driver
        spec = self._specs.get(key)
        if spec is None:
            raise RigError("the rig gives this device no power port", device=ieee)
        try:
            from labgrid import Target
            from labgrid.driver.powerdriver import NetworkPowerDriver
            from labgrid.resource.power import NetworkPowerPort
        except ImportError:
            raise RigError(
                "power ports need labgrid (pip install 'smets1-hil[labgrid]')", device=ieee
            ) from None
        target = Target(f"power-{key}")
        NetworkPowerPort(target, name=None, model=spec.model, host=spec.host, index=str(spec.index))
        driver = NetworkPowerDriver(target, name=None)
        target.activate(driver)
        self._drivers[key] = driver
        return driver

    async def _call(self, ieee: str, what: str, timeout: float, *args: Any) -> Any:
        driver = self._driver(ieee)
        try:
            async with asyncio.timeout(timeout):
                return await asyncio.to_thread(getattr(driver, what), *args)
        except TimeoutError:
            raise DeviceTimeout(
                f"power {what}: no answer within {timeout:g} s", device=ieee
            ) from None
        except RigError:
            raise
        except Exception as exc:  # noqa: BLE001  (labgrid backends raise what their library raises)
            raise RigError(f"power {what} failed: {exc}", device=ieee) from None

    async def power_on(self, ieee: str, *, timeout: float = 10.0) -> None:
        await self._call(ieee, "on", timeout)

    async def power_off(self, ieee: str, *, timeout: float = 10.0) -> None:
        await self._call(ieee, "off", timeout)

    async def power_cycle(
        self, ieee: str, *, off_seconds: float = 1.0, timeout: float = 20.0
    ) -> None:
        self._driver(ieee).delay = float(off_seconds)
        await self._call(ieee, "cycle", timeout)

    async def power_state(self, ieee: str, *, timeout: float = 10.0) -> bool:
        return bool(await self._call(ieee, "get", timeout))

    async def close(self) -> None:
        for driver in self._drivers.values():
            driver.target.deactivate(driver)
        self._drivers.clear()


class ControlPowerSwitches:
    """:class:`rigs.capabilities.Power` for emulated devices, through their emulators' control
    channels (one client per channel, connected when first used)."""

    def __init__(self, specs: Mapping[str, PortSpec]) -> None:
        self._channels: dict[str, str] = {}
        for ieee, spec in specs.items():
            assert isinstance(spec, ControlPowerSpec)
            self._channels[ieee.upper()] = spec.control
        self._clients: dict[str, ControlClient] = {}
        self._connecting = asyncio.Lock()

    async def _client(self, ieee: str) -> ControlClient:
        from rigs.control_client import ControlClient, ControlError

        url = self._channels.get(ieee.upper())
        if url is None:
            raise RigError("the rig gives this device no power port", device=ieee)
        async with self._connecting:
            client = self._clients.get(url)
            if client is None:
                try:
                    client = await ControlClient.connect(url)
                except ControlError as exc:
                    raise RigError(str(exc), device=ieee) from None
                self._clients[url] = client
        return client

    async def _switch(self, ieee: str, on: bool | None, timeout: float) -> bool:
        from rigs.control_client import ControlError

        client = await self._client(ieee)
        text = ieee.upper()
        try:
            async with asyncio.timeout(timeout):
                if on is None:
                    return await client.power_get(text)
                return await client.power_set(text, on)
        except TimeoutError:
            raise DeviceTimeout(f"power: no answer within {timeout:g} s", device=ieee) from None
        except ControlError as exc:
            raise RigError(f"power: {exc}", device=ieee) from None

    async def power_on(self, ieee: str, *, timeout: float = 10.0) -> None:
        await self._switch(ieee, True, timeout)

    async def power_off(self, ieee: str, *, timeout: float = 10.0) -> None:
        await self._switch(ieee, False, timeout)

    async def power_cycle(
        self, ieee: str, *, off_seconds: float = 1.0, timeout: float = 20.0
    ) -> None:
        async with asyncio.timeout(timeout):
            await self._switch(ieee, False, timeout)
            await asyncio.sleep(off_seconds)  # the time the switch stays off, as a relay's
            await self._switch(ieee, True, timeout)

    async def power_state(self, ieee: str, *, timeout: float = 10.0) -> bool:
        return await self._switch(ieee, None, timeout)

    async def close(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.close()


class PowerSwitches:
    """The power ports of one rig: each device's switch through the backend its spec names."""

    def __init__(self, specs: Mapping[str, PortSpec], trace_dir: Path | None) -> None:
        control = {i: s for i, s in specs.items() if isinstance(s, ControlPowerSpec)}
        labgrid = {i: s for i, s in specs.items() if not isinstance(s, ControlPowerSpec)}
        self._backends: dict[str, ControlPowerSwitches | LabgridPowerSwitches] = {}
        if control:
            switches = ControlPowerSwitches(control)
            self._backends.update({ieee.upper(): switches for ieee in control})
        if labgrid:
            drivers = LabgridPowerSwitches(labgrid, trace_dir)
            self._backends.update({ieee.upper(): drivers for ieee in labgrid})

    def _backend(self, ieee: str) -> ControlPowerSwitches | LabgridPowerSwitches:
        backend = self._backends.get(ieee.upper())
        if backend is None:
            raise RigError("the rig gives this device no power port", device=ieee)
        return backend

    async def power_on(self, ieee: str, *, timeout: float = 10.0) -> None:
        await self._backend(ieee).power_on(ieee, timeout=timeout)

    async def power_off(self, ieee: str, *, timeout: float = 10.0) -> None:
        await self._backend(ieee).power_off(ieee, timeout=timeout)

    async def power_cycle(
        self, ieee: str, *, off_seconds: float = 1.0, timeout: float = 20.0
    ) -> None:
        await self._backend(ieee).power_cycle(ieee, off_seconds=off_seconds, timeout=timeout)

    async def power_state(self, ieee: str, *, timeout: float = 10.0) -> bool:
        return await self._backend(ieee).power_state(ieee, timeout=timeout)

    async def close(self) -> None:
        for backend in {id(b): b for b in self._backends.values()}.values():
            await backend.close()


def open_switches(specs: Mapping[str, PortSpec], trace_dir: Path | None) -> PortDriver:
    return PowerSwitches(specs, trace_dir)


def driver() -> Any:
    return open_switches


KINDS = (
    Kind(
        name=POWER,
        role="port",
        parse=parse,
        driver=driver,
        summary="the device's power switch, through a labgrid power driver",
    ),
)

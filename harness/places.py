"""labgrid places as rigs: acquire N places for a run, resolve their resources, release them.

A rig file may name labgrid places instead of local ports (``docs/links.md``)::

    [labgrid]
    coordinator = "lab-coordinator:20408"

    [[rigs]]
    place = "smets1-bench-3"              # or: tags = { bench = "smets1" }
    radio = { kind = "emulated", resource = "radio" }
    [[rigs.devices]]
    ...
    ports = { serial = { resource = "gsme-port" }, power = { resource = "gsme-power" } }

``smets1-hil run -n N`` acquires N places through the coordinator with labgrid's own client
(:class:`labgrid.remote.client.ClientSession`), waiting up to ``--acquire-timeout`` for busy ones
and saying who holds them; each place's ``NetworkSerialPort`` resources (ser2net's RFC 2217 on the
exporter host) become the radio path and the test-port URLs, its ``NetworkPowerPort`` resources
the devices' power ports. The run then uses the resolved rigs like local ones, and every place
is released on the way out.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Self, TextIO

from harness.errors import UserError
from harness.targets import Targets
from rigs import kinds
from rigs.kinds import SpecError
from rigs.spec import DeviceSpec, PortSpec, RadioSpec, ResourcePort, RigSpec

DEFAULT_PORT = 20408
RESOURCE_TIMEOUT_S = 30.0


class PlaceError(UserError):
    """A place could not be had (busy past the timeout, unknown, or missing a resource)."""


@dataclass
class ResolvedRig:
    """A rig on an acquired place: its spec with local URLs, and the rig-file entries made."""

    place: str
    spec: RigSpec
    radio_entry: dict[str, Any]
    port_entries: dict[str, dict[str, Any]] = field(default_factory=dict)  # ieee -> kind -> entry


def _labgrid() -> Any:
    try:
        from labgrid.remote import client
    except ImportError:
        raise UserError(
            "rig files with labgrid places need labgrid (pip install 'smets1-hil[labgrid]')"
        ) from None
    return client


def serial_url(args: Mapping[str, Any]) -> str:
    """The pyserial URL of a ``NetworkSerialPort`` (``ign_set_control``: ser2net leaves
    SET_CONTROL unanswered on ports without modem-control lines, such as ptys)."""
    host, port = args.get("host"), args.get("port")
    if args.get("protocol", "rfc2217") == "raw":
        return f"socket://{host}:{port}"
    return f"rfc2217://{host}:{port}?ign_set_control"


def resource_entry(cls: str, args: Mapping[str, Any]) -> Any:
    """The rig-file entry a labgrid resource stands for."""
    if cls == "NetworkSerialPort":
        return serial_url(args)
    if cls == "NetworkPowerPort":
        return {"model": args["model"], "host": args["host"], "index": int(args["index"])}
    raise PlaceError(f"labgrid resource class {cls} is not one a rig can use")


class LabgridPlaces:
    """The places of one run: :meth:`acquire`, then :meth:`release` (or use ``with``)."""

    def __init__(
        self,
        coordinator: str,
        *,
        acquire_timeout: float,
        out: TextIO | None = None,
    ) -> None:
        self.coordinator = coordinator
        self.acquire_timeout = acquire_timeout
        self.out = out if out is not None else sys.stderr
        self.acquired: list[str] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._session: Any = None
        self._changed: asyncio.Event | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    # session ------------------------------------------------------------------------------

    def _run(self, coroutine: Any) -> Any:
        assert self._loop is not None
        return self._loop.run_until_complete(coroutine)

    def _connect(self) -> Any:
        if self._session is not None:
            return self._session
        client = _labgrid()
        from labgrid.util.proxy import proxymanager

        changed = asyncio.Event()

        base: type[Any] = client.ClientSession

        class Session(base):  # type: ignore[misc]
            """labgrid's client session, waking the waiter when a place or resource changes."""

            async def on_place_changed(self, place_pb2: Any) -> None:
                await super().on_place_changed(place_pb2)
                changed.set()

            async def on_resource_changed(self, *args: Any) -> None:
                await super().on_resource_changed(*args)
                changed.set()

        self._loop = asyncio.new_event_loop()
        address = proxymanager.get_grpc_address(self.coordinator, default_port=DEFAULT_PORT)
        options = argparse.Namespace(place=None, allow_unmatched=False, kick=False)

        async def make() -> Any:
            # grpc's channel belongs to the loop running when it is made
            return Session(address, asyncio.get_running_loop(), args=options)

        session = self._run(make())
        try:
            self._run(asyncio.wait_for(session.start(), 15.0))
        except (TimeoutError, client.Error) as exc:
            self._close_loop(session)
            raise PlaceError(
                f"labgrid coordinator {self.coordinator}: cannot connect ({exc or 'timeout'})"
            ) from None
        self._session, self._changed = session, changed
        return session

    def _close_loop(self, session: Any) -> None:
        assert self._loop is not None
        with contextlib.suppress(Exception):
            self._loop.run_until_complete(session.stop())
        with contextlib.suppress(Exception):
            self._loop.run_until_complete(session.close())
        self._loop.close()
        self._loop = None

    async def _wait_for_change(self, seconds: float) -> None:
        assert self._changed is not None
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), max(0.0, seconds))

    # acquiring ----------------------------------------------------------------------------

    def _candidates(self, rig: RigSpec, taken: set[str]) -> list[str]:
        places = self._session.places
        if rig.place is not None:
            if rig.place not in places:
                raise PlaceError(
                    f"rig {rig.name}: labgrid place {rig.place!r} does not exist on "
                    f"{self.coordinator}"
                )
            names = [rig.place]
        else:
            wanted = dict(rig.tags)
            names = sorted(
                name
                for name, place in places.items()
                if all(place.tags.get(k) == v for k, v in wanted.items())
            )
            if not names:
                tags = ", ".join(f"{k}={v}" for k, v in rig.tags)
                raise PlaceError(f"rig {rig.name}: no labgrid place has the tags {tags}")
        return [name for name in names if name not in taken]

    def _holders(self, names: Sequence[str]) -> str:
        places = self._session.places
        held = []
        for name in names:
            place = places.get(name)
            if place is not None and place.acquired:
                since = time.strftime("%H:%M:%S", time.localtime(place.changed))
                held.append(f"{name} is held by {place.acquired} (since {since})")
        return "; ".join(held)

    async def _try_acquire(self, name: str) -> str | None:
        """Acquire ``name``; None when done, else why not."""
        client = _labgrid()
        self._session.args.place = name
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                await self._session.acquire()
        except client.Error as exc:
            return str(exc)
        return None

    async def _acquire(self, rigs: Sequence[RigSpec], count: int) -> list[tuple[RigSpec, str]]:
        deadline = time.monotonic() + self.acquire_timeout
        chosen: list[tuple[RigSpec, str]] = []
        said_waiting = False
        problems: dict[str, str] = {}
        while True:
            await self._session.sync_with_coordinator()
            taken = {name for _, name in chosen}
            wanted: list[str] = []
            for rig in rigs:
                if rig.place is not None and any(r is rig for r, _ in chosen):
                    continue
                for name in self._candidates(rig, taken):
                    if len(chosen) == count:
                        break
                    wanted.append(name)
                    if self._session.places[name].acquired:
                        continue
                    problem = await self._try_acquire(name)
                    if problem is None:
                        self.acquired.append(name)
                        chosen.append((rig, name))
                        taken.add(name)
                        print(f"smets1-hil: acquired labgrid place {name}", file=self.out)
                        if rig.place is not None:
                            break
                    else:
                        problems[name] = problem
            if len(chosen) == count:
                return chosen
            remaining = deadline - time.monotonic()
            busy = self._holders(sorted(set(wanted)))
            if remaining <= 0:
                why = busy or "; ".join(f"{n}: {p}" for n, p in sorted(problems.items()))
                raise PlaceError(
                    f"acquired {len(chosen)} of {count} labgrid place(s) within "
                    f"{self.acquire_timeout:g} s: {why or 'no place was free'}"
                )
            if not said_waiting:
                print(
                    f"smets1-hil: waiting up to {remaining:.0f} s for labgrid places: "
                    f"{busy or 'none free yet'}",
                    file=self.out,
                )
                said_waiting = True
            await self._wait_for_change(min(remaining, 5.0))

    def acquire(self, rigs: Sequence[RigSpec], count: int) -> list[ResolvedRig]:
        """Acquire ``count`` places for ``rigs`` (in order) and resolve their resources."""
        self._connect()
        if count < 1:
            raise PlaceError("-n: at least one place is needed")
        try:
            chosen = self._run(self._acquire(rigs, count))
            return [self._run(self._resolve(rig, name)) for rig, name in chosen]
        except BaseException:
            self.release()
            raise

    # resources ----------------------------------------------------------------------------

    def _resources(self, name: str) -> dict[str, tuple[str, dict[str, Any]]]:
        place = self._session.places[name]
        found = {}
        for (resource_name, cls), entry in self._session.get_target_resources(place).items():
            found[resource_name] = (str(cls), dict(entry.args), bool(entry.avail))
        return {k: (c, a) for k, (c, a, avail) in found.items() if avail and _ready(c, a)}

    async def _resolve(self, rig: RigSpec, name: str) -> ResolvedRig:
        needed = _resource_names(rig)
        deadline = time.monotonic() + RESOURCE_TIMEOUT_S
        while True:
            await self._session.sync_with_coordinator()
            ready = self._resources(name)
            missing = sorted(needed - set(ready))
            if not missing:
                break
            if time.monotonic() >= deadline:
                raise PlaceError(
                    f"labgrid place {name}: resource(s) {', '.join(missing)} not available "
                    f"within {RESOURCE_TIMEOUT_S:g} s (the place's matches name its resources)"
                )
            await self._wait_for_change(deadline - time.monotonic())
        return _resolved(rig, name, ready)

    def release(self) -> None:
        """Release every place this run acquired; safe to call more than once."""
        if self._session is None:
            return
        client = _labgrid()
        while self.acquired:
            name = self.acquired.pop()
            self._session.args.place = name
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    self._run(asyncio.wait_for(self._session.release(), 15.0))
                print(f"smets1-hil: released labgrid place {name}", file=self.out)
            except (client.Error, TimeoutError) as exc:
                print(f"smets1-hil: could not release labgrid place {name}: {exc}", file=self.out)
        session, self._session = self._session, None
        self._close_loop(session)


def _ready(cls: str, args: Mapping[str, Any]) -> bool:
    return cls != "NetworkSerialPort" or args.get("port") is not None


def _resource_names(rig: RigSpec) -> set[str]:
    names = {rig.radio.resource} if rig.radio.resource else set()
    for device in rig.devices:
        names |= {p.resource for p in device.ports if isinstance(p, ResourcePort)}
    return names


def _resolved(
    rig: RigSpec, place: str, resources: Mapping[str, tuple[str, dict[str, Any]]]
) -> ResolvedRig:
    def entry(resource: str) -> Any:
        cls, args = resources[resource]
        return resource_entry(cls, args)

    radio = rig.radio
    radio_entry: dict[str, Any] = {"kind": radio.kind, "baudrate": radio.baudrate}
    if radio.resource:
        radio_entry["path"] = entry(radio.resource)
    elif radio.path:
        radio_entry["path"] = radio.path
    try:
        radio_spec = kinds.get(radio.kind, "radio").parse(radio_entry, "radio")
        assert isinstance(radio_spec, RadioSpec)
        devices = []
        port_entries: dict[str, dict[str, Any]] = {}
        for device in rig.devices:
            ports: list[PortSpec] = []
            for port in device.ports:
                if isinstance(port, ResourcePort):
                    value = entry(port.resource)
                    ports.append(kinds.get(port.kind, "port").parse(value, port.kind))
                    port_entries.setdefault(device.ieee, {})[port.kind] = value
                else:
                    ports.append(port)
                    port_entries.setdefault(device.ieee, {})[port.kind] = _entry_of(port)
            devices.append(replace(device, ports=tuple(ports)))
    except SpecError as exc:
        raise PlaceError(f"labgrid place {place}: {exc}") from None
    spec = RigSpec(name=place, radio=radio_spec, devices=tuple(devices))
    return ResolvedRig(place=place, spec=spec, radio_entry=radio_entry, port_entries=port_entries)


def _entry_of(port: PortSpec) -> Any:
    as_entry = getattr(port, "entry", None)
    return as_entry() if callable(as_entry) else port.address


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string
    if isinstance(value, Mapping):
        return (
            "{ " + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
        )
    raise TypeError(f"cannot write {type(value).__name__} to a rig file")


def _device_table(device: DeviceSpec, ports: Mapping[str, Any]) -> dict[str, Any]:
    table: dict[str, Any] = {
        "role": device.role,
        "ieee": device.ieee,
        "model": device.model,
        "group_id": device.group_id,
        "installing_supplier": device.installing_supplier,
        "responsible_supplier": device.responsible_supplier,
        "installation_id": device.installation_id,
        "migration_status": device.migration_status.value,
    }
    if device.site_id is not None:
        table["site_id"] = device.site_id
    if ports:
        table["ports"] = dict(ports)
    return table


def resolved_rig_file(
    rigs: Sequence[ResolvedRig],
    lock_dir: Path | None = None,
    *,
    requirements: Path | None = None,
    targets: Targets | None = None,
) -> str:
    """The rig file of the acquired places, with their resources as local URLs; the lab's
    requirements file and the targets the user's rig file set are carried over."""
    lines = ["# rigs on acquired labgrid places, written by smets1-hil run", ""]
    if lock_dir is not None:
        lines += [f"lock_dir = {_toml_value(str(lock_dir))}", ""]
    if requirements is not None:
        lines += [f"requirements = {_toml_value(str(requirements.resolve()))}", ""]
    if targets is not None and targets.given:
        for kind in sorted({kind for kind, _ in targets.given}):
            lines.append(f"[targets.{kind}]")
            lines += [
                f"{role} = {targets.values[kind][role]!r}"
                for given_kind, role in sorted(targets.given)
                if given_kind == kind
            ]
            lines.append("")
    for rig in rigs:
        lines += ["[[rigs]]", f"name = {_toml_value(rig.place)}"]
        lines.append(f"radio = {_toml_value(rig.radio_entry)}")
        lines.append("")
        for device in rig.spec.devices:
            lines.append("[[rigs.devices]]")
            table = _device_table(device, rig.port_entries.get(device.ieee, {}))
            lines += [f"{key} = {_toml_value(value)}" for key, value in table.items()]
            lines.append("")
    return "\n".join(lines)

"""The rig file: a TOML description of the rigs a suite runs against.

A rig is one ZigBee radio and the devices paired with it, each with what the SMSO holds about it
(GroupID, MPRN/MPAN, suppliers, installation, migration status). A file describes one rig (top-level
``radio`` and ``devices``) or a pool of rigs (``[[rigs]]``, each with its own ``name``, ``radio``
and ``devices``) that ``-n N`` spreads a run over. Every mistake is reported as one line naming the
key, e.g. ``rig.toml: devices[2].role: must be one of PPMID, ESME, GSME``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import UserError
from harness.targets import DEFAULTS, Targets, TargetsError, parse_targets
from rigs import kinds
from rigs.eui64 import canonical_eui64
from rigs.kinds import SpecError, UnknownKind
from rigs.link.urls import url_problem, url_schemes
from rigs.spec import (
    SERIAL,
    DeviceSpec,
    MigrationStatus,
    PortSpec,
    RadioSpec,
    ResourcePort,
    RigSpec,
    SerialPortSpec,
)

__all__ = [
    "DEFAULT_RADIO_KIND",
    "DeviceSpec",
    "MigrationStatus",
    "RadioSpec",
    "RigFile",
    "RigFileError",
    "RigSpec",
    "SerialPortSpec",
    "default_rig",
    "load_rigfile",
    "parse_rigfile",
    "serial_url_problem",
    "url_schemes",
]

ROLES = ("PPMID", "ESME", "GSME")
GROUP_ID = re.compile(r"^[A-Z]{2}$")


class RigFileError(UserError):
    """The rig file cannot be used; the message is one line naming the file and key."""


@dataclass(frozen=True)
class RigFile:
    """A loaded, validated rig file."""

    path: Path | None
    rigs: tuple[RigSpec, ...]
    lock_dir: Path | None = None
    targets: Targets = DEFAULTS  # throughput targets (harness.targets), the defaults if not given
    requirements: Path | None = None  # the lab's requirements file (TOML), relative paths resolved
    coordinator: str | None = None  # [labgrid] coordinator, for rigs on labgrid places

    @property
    def on_labgrid(self) -> bool:
        return any(rig.on_labgrid for rig in self.rigs)


DEFAULT_RADIO_KIND = "znp"
"""The co-processor kind of the embedded default: the emulator plays a TI Z-Stack coordinator and
zigpy-znp drives it, the path a lab with a Z-Stack stick runs (docs/coprocessors.md)."""


def default_rig(name: str = "embedded") -> RigSpec:
    """The embedded default: the emulator playing a Z-Stack co-processor, driven by zigpy-znp,
    with one PPMID, ESME and GSME (an IOC installation)."""
    common = {
        "group_id": "AA",
        "installing_supplier": "SUPPLIER-A",
        "responsible_supplier": "SUPPLIER-B",
        "installation_id": "INST-0001",
        "migration_status": MigrationStatus.ACTIVE,
    }
    return RigSpec(
        name=name,
        radio=RadioSpec(kind=DEFAULT_RADIO_KIND),
        devices=(
            DeviceSpec(role="PPMID", ieee="0000000000000101", model="PPMID", **common),  # type: ignore[arg-type]
            DeviceSpec(
                role="ESME",
                ieee="0000000000000102",
                model="ESME",
                site_id="1200023456789",
                **common,  # type: ignore[arg-type]
            ),
            DeviceSpec(
                role="GSME",
                ieee="0000000000000103",
                model="GSME",
                site_id="0007654321",
                **common,  # type: ignore[arg-type]
            ),
        ),
    )


class _Reader:
    """Reads typed values out of a TOML table, reporting mistakes as ``file: key.path: what``."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, message: str) -> RigFileError:
        return RigFileError(
            f"{self.source}: {key}: {message}" if key else f"{self.source}: {message}"
        )

    def table(self, data: Any, key: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(key, "must be a table")
        return data

    def check_keys(self, data: Mapping[str, Any], prefix: str, allowed: tuple[str, ...]) -> None:
        for name in data:
            if name not in allowed:
                raise self.fail(
                    _join(prefix, name), f"unknown key (expected one of {', '.join(allowed)})"
                )

    def string(
        self, data: Mapping[str, Any], prefix: str, name: str, *, required: bool = False
    ) -> str | None:
        key = _join(prefix, name)
        if name not in data:
            if required:
                raise self.fail(key, "missing")
            return None
        value = data[name]
        if not isinstance(value, str):
            raise self.fail(key, "must be a string")
        if required and not value.strip():
            raise self.fail(key, "must not be empty")
        return value

    def integer(self, data: Mapping[str, Any], prefix: str, name: str, default: int) -> int:
        key = _join(prefix, name)
        value = data.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, "must be an integer")
        return value


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


_RIG_KEYS = ("name", "radio", "devices", "place", "tags")
_DEVICE_KEYS = (
    "role",
    "ieee",
    "model",
    "serial_port",
    "ports",
    "group_id",
    "site_id",
    "installing_supplier",
    "responsible_supplier",
    "installation_id",
    "migration_status",
)


def serial_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a test port (a device path or a pyserial URL), or None."""
    return url_problem(url)


def _resource(reader: _Reader, entry: Mapping[str, Any], key: str, on_place: bool) -> str:
    """The labgrid resource an entry names (``{ resource = "name" }``)."""
    if not on_place:
        raise reader.fail(
            _join(key, "resource"), "only for a rig on a labgrid place (give place or tags)"
        )
    return reader.string(entry, key, "resource", required=True) or ""


def _radio(reader: _Reader, data: Any, prefix: str, on_place: bool = False) -> RadioSpec:
    table = reader.table(data, prefix)
    kind_name = reader.string(table, prefix, "kind", required=True) or ""
    try:
        kind = kinds.get(kind_name, "radio")
    except UnknownKind as exc:
        raise reader.fail(_join(prefix, "kind"), str(exc)) from None
    if "resource" in table:
        reader.check_keys(table, prefix, ("kind", "resource", "baudrate"))
        resource = _resource(reader, table, prefix, on_place)
        try:
            spec = kind.parse({k: v for k, v in table.items() if k != "resource"}, prefix)
        except SpecError as exc:
            raise reader.fail(exc.key, exc.message) from None
        return RadioSpec(kind=spec.kind, baudrate=spec.baudrate, resource=resource)
    try:
        spec = kind.parse(table, prefix)
    except SpecError as exc:
        raise reader.fail(exc.key, exc.message) from None
    assert isinstance(spec, RadioSpec)
    return spec


def _ports(
    reader: _Reader, table: Mapping[str, Any], prefix: str, on_place: bool = False
) -> tuple[PortSpec, ...]:
    """The device's ports by kind: its ``ports`` table, and ``serial_port`` (a shorthand for
    ``ports.serial``)."""
    entries: dict[str, tuple[Any, str]] = {}
    if "ports" in table:
        ports_key = _join(prefix, "ports")
        for name, entry in reader.table(table["ports"], ports_key).items():
            entries[name] = (entry, _join(ports_key, name))
    if "serial_port" in table:
        if SERIAL in entries:
            raise reader.fail(
                _join(prefix, "serial_port"), f"repeats {entries[SERIAL][1]} (give one of them)"
            )
        entries[SERIAL] = (table["serial_port"], _join(prefix, "serial_port"))
    ports: list[PortSpec] = []
    for name, (entry, key) in entries.items():
        try:
            kind = kinds.get(name, "port")
        except UnknownKind as exc:
            raise reader.fail(key, f"unknown port kind ({exc})") from None
        if isinstance(entry, dict) and "resource" in entry:
            reader.check_keys(entry, key, ("resource",))
            ports.append(ResourcePort(kind=name, resource=_resource(reader, entry, key, on_place)))
            continue
        try:
            ports.append(kind.parse(entry, key))
        except SpecError as exc:
            raise reader.fail(exc.key, exc.message) from None
    return tuple(ports)


def _device(reader: _Reader, data: Any, prefix: str, on_place: bool = False) -> DeviceSpec:
    table = reader.table(data, prefix)
    reader.check_keys(table, prefix, _DEVICE_KEYS)
    role = reader.string(table, prefix, "role", required=True)
    if role not in ROLES:
        raise reader.fail(_join(prefix, "role"), f"must be one of {', '.join(ROLES)}")
    raw_ieee = reader.string(table, prefix, "ieee", required=True) or ""
    try:
        ieee = canonical_eui64(raw_ieee)
    except ValueError:
        raise reader.fail(
            _join(prefix, "ieee"),
            "must be an EUI-64: 16 hex digits, optionally ':'-separated",
        ) from None
    model = reader.string(table, prefix, "model", required=True) or ""
    ports = _ports(reader, table, prefix, on_place)
    group_id = reader.string(table, prefix, "group_id") or "AA"
    if not GROUP_ID.match(group_id):
        raise reader.fail(_join(prefix, "group_id"), "must be two upper-case letters (e.g. AA)")
    site_id = reader.string(table, prefix, "site_id")
    if site_id is not None:
        if role == "PPMID":
            raise reader.fail(_join(prefix, "site_id"), "a PPMID has no MPAN/MPRN")
        if not site_id.isdigit() or not 1 <= len(site_id) <= 13:
            raise reader.fail(
                _join(prefix, "site_id"), "must be 1 to 13 digits (MPRN or MPAN core)"
            )
    status_text = reader.string(table, prefix, "migration_status") or MigrationStatus.ACTIVE.value
    try:
        status = MigrationStatus(status_text)
    except ValueError:
        allowed = ", ".join(s.value for s in MigrationStatus)
        raise reader.fail(_join(prefix, "migration_status"), f"must be one of {allowed}") from None
    return DeviceSpec(
        role=role,
        ieee=ieee,
        model=model,
        ports=ports,
        group_id=group_id,
        site_id=site_id,
        installing_supplier=reader.string(table, prefix, "installing_supplier") or "",
        responsible_supplier=reader.string(table, prefix, "responsible_supplier") or "",
        installation_id=reader.string(table, prefix, "installation_id") or "",
        migration_status=status,
    )


def _rig(reader: _Reader, data: Mapping[str, Any], prefix: str, default_name: str) -> RigSpec:
    reader.check_keys(data, prefix, _RIG_KEYS)
    name = reader.string(data, prefix, "name") or default_name
    place = reader.string(data, prefix, "place")
    tags = _tags(reader, data, prefix)
    if place is not None and tags:
        raise reader.fail(_join(prefix, "tags"), "give place or tags, not both")
    on_place = place is not None or bool(tags)
    if "radio" not in data:
        raise reader.fail(_join(prefix, "radio"), "missing")
    radio = _radio(reader, data["radio"], _join(prefix, "radio"), on_place)
    raw_devices = data.get("devices")
    devices_key = _join(prefix, "devices")
    if raw_devices is None:
        raise reader.fail(devices_key, "missing (at least one [[devices]] table)")
    if not isinstance(raw_devices, list) or not raw_devices:
        raise reader.fail(devices_key, "must be a non-empty array of tables")
    devices = tuple(
        _device(reader, item, f"{devices_key}[{index}]", on_place)
        for index, item in enumerate(raw_devices)
    )
    seen: dict[str, int] = {}
    for index, device in enumerate(devices):
        if device.ieee in seen:
            raise reader.fail(
                f"{devices_key}[{index}].ieee",
                f"{device.ieee} repeats {devices_key}[{seen[device.ieee]}]",
            )
        seen[device.ieee] = index
    return RigSpec(name=name, radio=radio, devices=devices, place=place, tags=tags)


def _tags(reader: _Reader, data: Mapping[str, Any], prefix: str) -> tuple[tuple[str, str], ...]:
    if "tags" not in data:
        return ()
    key = _join(prefix, "tags")
    table = reader.table(data["tags"], key)
    if not table:
        raise reader.fail(key, "must name at least one tag")
    for name, value in table.items():
        if not isinstance(value, str):
            raise reader.fail(_join(key, name), "must be a string")
    return tuple(sorted((str(k), str(v)) for k, v in table.items()))


def _coordinator(reader: _Reader, data: Mapping[str, Any]) -> str | None:
    if "labgrid" not in data:
        return None
    table = reader.table(data["labgrid"], "labgrid")
    reader.check_keys(table, "labgrid", ("coordinator",))
    coordinator = reader.string(table, "labgrid", "coordinator", required=True) or ""
    host, sep, port = coordinator.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise reader.fail("labgrid.coordinator", "must be HOST:PORT (e.g. lab-coordinator:20408)")
    return coordinator


def parse_rigfile(
    data: Mapping[str, Any], source: str = "rig.toml", path: Path | None = None
) -> RigFile:
    """Validate the parsed TOML of a rig file."""
    reader = _Reader(source)
    lock_dir_text = reader.string(data, "", "lock_dir")
    lock_dir = Path(lock_dir_text) if lock_dir_text else None
    targets = DEFAULTS
    if "targets" in data:
        try:
            targets = parse_targets(data["targets"], source)
        except TargetsError as exc:
            raise reader.fail("", str(exc)) from None
        data = {k: v for k, v in data.items() if k != "targets"}
    requirements_text = reader.string(data, "", "requirements")
    requirements = None
    if requirements_text:
        requirements = Path(requirements_text)
        if path is not None and not requirements.is_absolute():
            requirements = path.parent / requirements
    coordinator = _coordinator(reader, data)
    top_level = ("lock_dir", "requirements", "labgrid")
    if "rigs" in data:
        extra = [k for k in data if k not in ("rigs", *top_level)]
        if extra:
            raise reader.fail(extra[0], "not allowed beside [[rigs]] (put it inside each rig)")
        raw_rigs = data["rigs"]
        if not isinstance(raw_rigs, list) or not raw_rigs:
            raise reader.fail("rigs", "must be a non-empty array of tables")
        rigs = tuple(
            _rig(reader, reader.table(item, f"rigs[{index}]"), f"rigs[{index}]", f"rig-{index}")
            for index, item in enumerate(raw_rigs)
        )
        names: dict[str, int] = {}
        for index, rig in enumerate(rigs):
            if rig.name in names:
                raise reader.fail(
                    f"rigs[{index}].name", f"{rig.name!r} repeats rigs[{names[rig.name]}]"
                )
            names[rig.name] = index
    else:
        single = {k: v for k, v in data.items() if k not in top_level}
        rigs = (_rig(reader, single, "", "rig-0"),)
    for index, rig in enumerate(rigs):
        if rig.on_labgrid and coordinator is None:
            key = _join(
                f"rigs[{index}]" if "rigs" in data else "", "place" if rig.place else "tags"
            )
            raise reader.fail(key, "a rig on a labgrid place needs [labgrid] coordinator")
    return RigFile(
        path=path,
        rigs=rigs,
        lock_dir=lock_dir,
        targets=targets,
        requirements=requirements,
        coordinator=coordinator,
    )


def load_rigfile(path: str | Path) -> RigFile:
    """Read and validate a rig file; any problem raises :class:`RigFileError` (one line)."""
    file_path = Path(path)
    source = file_path.name
    try:
        raw = file_path.read_bytes()
    except FileNotFoundError:
        raise RigFileError(f"{path}: no such rig file") from None
    except OSError as exc:
        raise RigFileError(f"{path}: cannot read rig file: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise RigFileError(f"{source}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise RigFileError(f"{source}: not valid TOML: {exc}") from None
    return parse_rigfile(data, source=source, path=file_path.resolve())

"""The device file (TOML): which devices one emulator process hosts, and how they misbehave.

The format is documented in ``docs/device-file.md``. PINs in a device file are test fixtures; they
are never logged or echoed back.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rigs.emulator.device import DeviceSpec, Faults, is_pin
from rigs.emulator.profiles import DeviceProfile, ProfileError, builtin_profiles, load_profiles
from rigs.impair import Impairment
from rigs.operations import DeviceRole

ROLE_CODES = {DeviceRole.PPMID: 1, DeviceRole.ESME: 2, DeviceRole.GSME: 3}
DEVICE_KEYS = {
    "role",
    "profile",
    "count",
    "ieee",
    "file_version",
    "site_id",
    "pin",
    "factory_pin",
    "faults",
    "impair",
}
EMULATOR_KEYS = {"clock", "impair"}
FAULT_KEYS = {
    "drop_blocks",
    "corrupt_blocks",
    "reboot_at_offset",
    "reboot_silent_seconds",
    "reboot_keeps_state",
    "response_delay_ms",
}
DEFAULT_FACTORY_PIN = "1234"
FIRST_NWK = 0x1001


class DeviceFileError(ValueError):
    """A device file that cannot be used; the message says where and why (never a PIN)."""


@dataclass
class EmulatorConfig:
    devices: list[DeviceSpec]
    clock_start: dt.datetime | None = None
    profiles: dict[str, DeviceProfile] = field(default_factory=builtin_profiles)


def default_ieee(role: DeviceRole, index: int) -> str:
    return f"00137A{ROLE_CODES[role]:02X}{index + 1:08X}"


def default_site_id(role: DeviceRole, index: int) -> str | None:
    if role is DeviceRole.ESME:
        return f"19{index + 1:011d}"  # 13-digit MPAN
    if role is DeviceRole.GSME:
        return f"{7654321 + index:010d}"  # MPRN as the SMSO holds it, leading zeros kept
    return None


def _integer(value: Any, key: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DeviceFileError(f"{key}: must be an integer {low}..{high}")
    return value


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise DeviceFileError(f"{key}: must be a number, 0 or more")
    return float(value)


def _block_numbers(value: Any, key: str) -> frozenset[int]:
    if not isinstance(value, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in value
    ):
        raise DeviceFileError(f"{key}: must be a list of block numbers (integers, 0 or more)")
    return frozenset(value)


def _faults(table: Any, where: str) -> Faults:
    if not isinstance(table, dict):
        raise DeviceFileError(f"{where}.faults: must be a table")
    unknown = set(table) - FAULT_KEYS
    if unknown:
        raise DeviceFileError(f"{where}.faults: unknown keys {sorted(unknown)}")
    key = f"{where}.faults"
    keeps_state = table.get("reboot_keeps_state", True)
    if not isinstance(keeps_state, bool):
        raise DeviceFileError(f"{key}.reboot_keeps_state: must be true or false")
    return Faults(
        drop_blocks=_block_numbers(table.get("drop_blocks", []), f"{key}.drop_blocks"),
        corrupt_blocks=_block_numbers(table.get("corrupt_blocks", []), f"{key}.corrupt_blocks"),
        reboot_at_offset=(
            _integer(table["reboot_at_offset"], f"{key}.reboot_at_offset", 0, 2**32 - 1)
            if "reboot_at_offset" in table
            else None
        ),
        reboot_silent_seconds=_number(
            table.get("reboot_silent_seconds", 1.0), f"{key}.reboot_silent_seconds"
        ),
        reboot_keeps_state=keeps_state,
        response_delay=_number(table.get("response_delay_ms", 0), f"{key}.response_delay_ms")
        / 1000.0,
    )


def _impairment(value: Any, where: str) -> Impairment | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise DeviceFileError(f'{where}: impair is a string such as "baud=115200,latency=0.01"')
    try:
        return Impairment.parse(value)
    except ValueError as exc:
        raise DeviceFileError(f"{where}: impair: {exc}") from None


def _pin(value: Any, where: str, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not is_pin(value):
        raise DeviceFileError(f"{where}.{key}: a PIN is a string of 4 to 8 digits")
    return value


def build_config(data: dict[str, Any], *, source: str = "device file") -> EmulatorConfig:
    profiles = builtin_profiles()
    try:
        profiles.update(load_profiles(data.get("profiles", {})))
    except ProfileError as exc:
        raise DeviceFileError(f"{source}: {exc}") from None
    emulator = data.get("emulator", {})
    if not isinstance(emulator, dict):
        raise DeviceFileError(f"{source}: [emulator] must be a table")
    if set(emulator) - EMULATOR_KEYS:
        extra = sorted(set(emulator) - EMULATOR_KEYS)
        raise DeviceFileError(f"{source}: [emulator]: unknown keys {extra}")
    default_impairment = _impairment(emulator.get("impair"), f"{source}: emulator")
    clock_start = emulator.get("clock")
    if isinstance(clock_start, str):
        try:
            clock_start = dt.datetime.fromisoformat(clock_start)
        except ValueError:
            raise DeviceFileError(f"{source}: emulator.clock is not an ISO date-time") from None
    if clock_start is not None and (
        not isinstance(clock_start, dt.datetime) or clock_start.tzinfo is None
    ):
        raise DeviceFileError(f"{source}: emulator.clock needs a date-time with a time zone")
    tables = data.get("devices", [])
    if not isinstance(tables, list) or not tables:
        raise DeviceFileError(f"{source}: no [[devices]] entries")
    specs: list[DeviceSpec] = []
    per_role: dict[DeviceRole, int] = {}
    for number, table in enumerate(tables, 1):
        where = f"{source}: devices[{number}]"
        if not isinstance(table, dict):
            raise DeviceFileError(f"{where}: must be a table")
        for key in ("role", "profile", "ieee"):
            if key in table and not isinstance(table[key], str):
                if key == "role":
                    raise DeviceFileError(f"{where}: role must be PPMID, ESME or GSME")
                raise DeviceFileError(f"{where}.{key}: must be a string")
        unknown = set(table) - DEVICE_KEYS
        if unknown:
            raise DeviceFileError(f"{where}: unknown keys {sorted(unknown)}")
        try:
            role = DeviceRole(str(table["role"]).upper())
        except (KeyError, ValueError):
            raise DeviceFileError(f"{where}: role must be PPMID, ESME or GSME") from None
        profile_name = table.get("profile", role.value)
        if profile_name not in profiles:
            raise DeviceFileError(f"{where}: unknown profile {profile_name!r}")
        profile = profiles[profile_name]
        if profile.role is not role:
            raise DeviceFileError(
                f"{where}: profile {profile_name!r} is for a {profile.role.value}"
            )
        count = table.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int):
            raise DeviceFileError(f"{where}.count: must be an integer (1..1000)")
        if not 1 <= count <= 1000:
            raise DeviceFileError(f"{where}.count: must be 1..1000")
        site_id = table.get("site_id")
        if site_id is not None:
            if role is DeviceRole.PPMID:
                raise DeviceFileError(f"{where}.site_id: a PPMID has no MPAN/MPRN")
            if not isinstance(site_id, str) or not site_id.isdigit() or len(site_id) > 13:
                raise DeviceFileError(
                    f"{where}.site_id: must be a string of digits (an MPRN or MPAN core, "
                    'quoted so leading zeros stay, e.g. "0007654321")'
                )
        file_version = _integer(
            table.get("file_version", profile.file_version),
            f"{where}.file_version",
            0,
            0xFFFFFFFF,
        )
        for key in ("pin", "factory_pin"):
            if key in table and not profile.engineering_pin:
                raise DeviceFileError(
                    f"{where}.{key}: a {profile.role.value} of profile {profile.name!r} "
                    "has no engineering menu PIN"
                )
        first_ieee = table.get("ieee")
        faults = _faults(table.get("faults", {}), where)
        pin = _pin(table.get("pin"), where, "pin")
        factory_pin = _pin(table.get("factory_pin"), where, "factory_pin")
        impairment = _impairment(table.get("impair"), where)
        if impairment is None:
            impairment = default_impairment
        for i in range(count):
            index = per_role.get(role, 0)
            per_role[role] = index + 1
            if first_ieee is None:
                ieee = default_ieee(role, index)
            else:
                try:
                    ieee = f"{int(str(first_ieee).replace(':', ''), 16) + i:016X}"
                except ValueError:
                    raise DeviceFileError(f"{where}: ieee is not 16 hex digits") from None
            has_pin = profile.engineering_pin
            specs.append(
                DeviceSpec(
                    ieee=ieee,
                    nwk=FIRST_NWK + len(specs),
                    profile=profile,
                    file_version=file_version,
                    site_id=site_id if site_id is not None else default_site_id(role, index),
                    pin=(pin or DEFAULT_FACTORY_PIN) if has_pin else None,
                    factory_pin=(factory_pin or DEFAULT_FACTORY_PIN) if has_pin else None,
                    faults=faults,
                    test_port_impairment=impairment,
                )
            )
    ieees = [s.ieee for s in specs]
    if len(set(ieees)) != len(ieees):
        raise DeviceFileError(f"{source}: two devices share an IEEE address")
    return EmulatorConfig(specs, clock_start, profiles)


def load_device_file(path: Path) -> EmulatorConfig:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise DeviceFileError(f"cannot read device file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise DeviceFileError(f"device file {path} is not valid TOML: {exc}") from None
    return build_config(data, source=str(path))


def default_config(ppmids: int = 1, esmes: int = 1, gsmes: int = 1) -> EmulatorConfig:
    devices = [
        {"role": role, "count": n}
        for role, n in (("PPMID", ppmids), ("ESME", esmes), ("GSME", gsmes))
        if n > 0
    ]
    return build_config({"devices": devices}, source="defaults")

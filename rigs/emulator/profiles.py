"""Device model profiles: what a model of PPMID, ESME or GSME is and accepts.

The built-in profiles are in ``profiles.toml`` beside this module; a device file may add or override
profiles (``[profiles.NAME]`` tables of the same shape, see ``docs/device-file.md``).
"""

from __future__ import annotations

import tomllib
from dataclasses import MISSING, dataclass, field, fields
from importlib import resources
from typing import Any

from rigs.operations import DeviceRole

KNOWN_QUIRKS = frozenset({"upgrade_time_is_offset"})
LOGICAL_TYPES = ("router", "end_device")


class ProfileError(ValueError):
    """A profile table that cannot be used (with the reason)."""


@dataclass(frozen=True)
class DeviceProfile:
    name: str
    role: DeviceRole
    manufacturer: str
    model: str
    manufacturer_code: int
    image_type: int
    hardware_version: int
    max_block: int  # largest image block the device asks for (OTA maximum data size)
    max_image_size: int
    file_version: int  # firmware version a new device of this model runs
    logical_type: str = "router"
    device_type: int = 0x0501
    engineering_pin: bool = False
    block_timeout: float = 0.5  # seconds before a block request is repeated
    block_retries: int = 8
    page_size: int = 0  # > 0: fetch with Image Page Requests of this many bytes, else Image Blocks
    response_spacing: int = 0  # milliseconds between the blocks of a page (Image Page Request)
    quirks: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_end_device(self) -> bool:
        return self.logical_type == "end_device"


_STRINGS = ("manufacturer", "model", "logical_type")
_INTEGERS = (
    "manufacturer_code",
    "image_type",
    "hardware_version",
    "max_block",
    "max_image_size",
    "file_version",
    "device_type",
    "block_retries",
)


def _check_types(name: str, table: dict[str, Any]) -> None:
    """Each value has the type its field needs (a TOML string is never taken for a number)."""
    for key in _STRINGS:
        if key in table and not isinstance(table[key], str):
            raise ProfileError(f"profile {name}: {key} must be a string")
    for key in _INTEGERS:
        value = table.get(key)
        if key in table and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ProfileError(f"profile {name}: {key} must be an integer, 0 or more")
    if "engineering_pin" in table and not isinstance(table["engineering_pin"], bool):
        raise ProfileError(f"profile {name}: engineering_pin must be true or false")
    timeout = table.get("block_timeout", 0.5)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ProfileError(f"profile {name}: block_timeout must be a number above 0")
    quirks = table.get("quirks", [])
    if not isinstance(quirks, list) or not all(isinstance(q, str) for q in quirks):
        raise ProfileError(f"profile {name}: quirks must be a list of strings")


def profile_from_table(name: str, table: Any) -> DeviceProfile:
    if not isinstance(table, dict):
        raise ProfileError(f"profile {name}: must be a table")
    allowed = {f.name for f in fields(DeviceProfile)} - {"name"}
    unknown = set(table) - allowed
    if unknown:
        raise ProfileError(f"profile {name}: unknown keys {sorted(unknown)}")
    required = {
        f.name
        for f in fields(DeviceProfile)
        if f.default is MISSING and f.default_factory is MISSING and f.name != "name"
    }
    missing = required - set(table)
    if missing:
        raise ProfileError(f"profile {name}: missing keys {sorted(missing)}")
    _check_types(name, table)
    values = dict(table)
    try:
        values["role"] = DeviceRole(str(values["role"]).upper())
    except (KeyError, ValueError) as exc:
        raise ProfileError(f"profile {name}: role must be PPMID, ESME or GSME") from exc
    quirks = frozenset(values.pop("quirks", []))
    if quirks - KNOWN_QUIRKS:
        raise ProfileError(f"profile {name}: unknown quirks {sorted(quirks - KNOWN_QUIRKS)}")
    if values.get("logical_type", "router") not in LOGICAL_TYPES:
        raise ProfileError(f"profile {name}: logical_type must be one of {LOGICAL_TYPES}")
    try:
        profile = DeviceProfile(name=name, quirks=quirks, **values)
    except TypeError as exc:
        raise ProfileError(f"profile {name}: {exc}") from exc
    for key in ("manufacturer_code", "image_type", "hardware_version"):
        if not 0 <= getattr(profile, key) <= 0xFFFF:
            raise ProfileError(f"profile {name}: {key} must fit 16 bits")
    if not 1 <= profile.max_block <= 255:
        raise ProfileError(f"profile {name}: max_block must be 1..255")
    for key in ("page_size", "response_spacing"):
        if not 0 <= getattr(profile, key) <= 0xFFFF:
            raise ProfileError(f"profile {name}: {key} must be 0..65535")
    return profile


def load_profiles(tables: Any) -> dict[str, DeviceProfile]:
    if not isinstance(tables, dict):
        raise ProfileError("[profiles] must be a table of profile tables")
    return {name: profile_from_table(name, table) for name, table in tables.items()}


def builtin_profiles() -> dict[str, DeviceProfile]:
    text = resources.files(__package__).joinpath("profiles.toml").read_text()
    return load_profiles(tomllib.loads(text)["profiles"])

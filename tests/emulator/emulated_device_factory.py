"""Emulated devices for unit tests, built straight from the built-in profiles."""

from __future__ import annotations

import datetime as dt

from rigs.emulator.clock import DeviceClock
from rigs.emulator.device import DeviceSpec, EmulatedDevice
from rigs.emulator.profiles import builtin_profiles

START = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)


def make_device(clock: DeviceClock, role: str = "PPMID", **spec: object) -> EmulatedDevice:
    profile = builtin_profiles()[role]
    values: dict[str, object] = {
        "ieee": "00137A0100000001",
        "nwk": 0x1001,
        "profile": profile,
        "file_version": profile.file_version,
    }
    values.update(spec)
    return EmulatedDevice(DeviceSpec(**values), clock)  # type: ignore[arg-type]

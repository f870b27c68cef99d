"""Fixtures for the serial test-port tests (what they are built from is in ``served_devices``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from served_devices import START, emulated_device

from rigs.emulator.clock import DeviceClock
from rigs.emulator.device_test_port import DeviceTestPort
from rigs.serial import SerialRig, ServedPort, serve_on_pty


@pytest.fixture
def clock() -> DeviceClock:
    return DeviceClock(START)


@pytest.fixture
def device(clock: DeviceClock) -> DeviceTestPort:
    return emulated_device(clock)


@pytest.fixture
async def pty_rig(
    device: DeviceTestPort, tmp_path: Path
) -> AsyncIterator[tuple[SerialRig, ServedPort]]:
    """A rig attached to ``device`` on a pty, tracing into ``tmp_path / "traces"``."""
    served = await serve_on_pty(device)
    rig = SerialRig(trace_dir=tmp_path / "traces", window=8, block_size=512)
    try:
        await rig.attach(served.url)
        yield rig, served
    finally:
        await rig.close()
        await served.close()

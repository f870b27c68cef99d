from __future__ import annotations

import pytest
from emulated_device_factory import START

from rigs.emulator.clock import DeviceClock


@pytest.fixture
def clock() -> DeviceClock:
    return DeviceClock(START)

"""Engineering-menu PIN of an emulated device: verification, lockout, privileged change."""

from __future__ import annotations

import json

import pytest
from emulated_device_factory import make_device

from rigs.emulator.clock import DeviceClock
from rigs.emulator.device import MAX_PIN_FAILURES
from rigs.operations import PinCheck

SECRET = "48151623"


def gsme(clock: DeviceClock, pin: str = "1234"):  # type: ignore[no-untyped-def]
    return make_device(clock, "GSME", ieee="00137A0300000001", pin=pin, factory_pin="1234")


def test_lockout_after_five_wrong_attempts(clock: DeviceClock) -> None:
    device = gsme(clock)
    results = [device.verify_pin("0000") for _ in range(MAX_PIN_FAILURES)]
    assert [r[0] for r in results] == [PinCheck.WRONG] * 4 + [PinCheck.LOCKED]
    assert [r[1] for r in results] == [4, 3, 2, 1, 0]
    assert device.verify_pin("1234") == (PinCheck.LOCKED, 0)
    device.set_pin("5678")
    assert device.verify_pin("5678") == (PinCheck.CORRECT, MAX_PIN_FAILURES)


def test_a_correct_pin_resets_the_count(clock: DeviceClock) -> None:
    device = gsme(clock)
    for _ in range(4):
        device.verify_pin("0000")
    assert device.verify_pin("1234") == (PinCheck.CORRECT, 5)
    assert device.verify_pin("0000") == (PinCheck.WRONG, 4)


def test_default_pin_detection_and_change(clock: DeviceClock) -> None:
    device = gsme(clock)
    assert device.pin_is_default()
    device.set_pin("9731")
    assert not device.pin_is_default()
    assert not gsme(clock, pin="2468").pin_is_default()


@pytest.mark.parametrize("bad", ["12", "123456789", "12a4", ""])
def test_set_pin_refuses_malformed_pins(clock: DeviceClock, bad: str) -> None:
    device = gsme(clock)
    with pytest.raises(ValueError) as info:
        device.set_pin(bad)
    assert bad not in str(info.value) or bad == ""
    assert device.verify_pin("1234")[0] is PinCheck.CORRECT


def test_pin_never_in_repr_snapshot_or_events(clock: DeviceClock) -> None:
    device = gsme(clock, pin=SECRET)
    device.verify_pin(SECRET)
    device.verify_pin("0000")
    device.set_pin("97531864")
    text = repr(device) + repr(device.spec) + json.dumps(device.snapshot())
    assert SECRET not in text and "97531864" not in text
    assert any(e.kind == "pin-set" for e in device.events)

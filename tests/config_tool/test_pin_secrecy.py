"""PINs never show: the Pin type masks itself, and nothing a run writes holds a PIN value."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import logging
import pickle
import re
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest
from inprocess_gsme import EmulatedGsmeRig, GsmeState

from harness.configtool import (
    DEFAULT_PIN_POLICY,
    AuditLog,
    ChangesFile,
    ConfigurationTarget,
    ConfigurationTool,
    Pin,
    PinPolicy,
)
from harness.configtool.pin import MASK
from harness.migration import BASELINE, UPLIFT_1_2
from rigs.operations import PinVerification

ENGINEER_PIN = "4827"


def test_pin_masks_itself_everywhere() -> None:
    pin = Pin(ENGINEER_PIN)
    shown = [
        repr(pin),
        str(pin),
        f"{pin}",
        f"{pin!r}",
        f"{pin:>10}",
        "%s %r" % (pin, pin),  # noqa: UP031 - the logging style must mask too
        repr([pin]),
        repr({"pin": pin}),
        repr(DEFAULT_PIN_POLICY),
        str((pin,)),
    ]
    for text in shown:
        assert ENGINEER_PIN not in text
        assert MASK in text
    assert repr(pin) == "Pin('****')"
    assert pin.reveal() == ENGINEER_PIN


def test_pin_refuses_pickling_and_json() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(Pin(ENGINEER_PIN))
    with pytest.raises(TypeError):
        json.dumps({"pin": Pin(ENGINEER_PIN)})
    assert copy.deepcopy(Pin(ENGINEER_PIN)) == Pin(ENGINEER_PIN)


def test_pin_is_immutable_and_compares_by_value() -> None:
    pin = Pin(ENGINEER_PIN)
    with pytest.raises(AttributeError):
        pin._digits = "0000"
    assert pin == Pin(ENGINEER_PIN) and pin != Pin("4828")
    assert pin != ENGINEER_PIN  # a Pin never equals a plain string
    assert len({pin, Pin(ENGINEER_PIN)}) == 1


@pytest.mark.parametrize("bad", ["12a4", "123", "123456789", "\u0661\u0662\u0663\u0664", " 1234"])
def test_invalid_pin_message_does_not_quote_the_value(bad: str) -> None:
    with pytest.raises(ValueError) as info:
        Pin(bad)
    assert bad.strip() not in str(info.value)
    assert bad.strip() not in "".join(traceback.format_exception(info.value))


def test_exception_carrying_a_pin_shows_it_masked() -> None:
    try:
        raise RuntimeError("failed with", Pin(ENGINEER_PIN))
    except RuntimeError as exc:
        text = "".join(traceback.format_exception(exc))
    assert ENGINEER_PIN not in text and MASK in text


def test_new_pins_are_never_default_and_have_the_set_length() -> None:
    policy = PinPolicy.from_values(["0000", "1234"], new_pin_length=6)
    for _ in range(200):
        pin = policy.new_pin()
        assert len(pin) == 6 and not policy.is_default(pin)
        assert pin.reveal().isascii() and pin.reveal().isdigit()


def _contains(text: str, pin: str) -> bool:
    return re.search(rf"(?<!\d){re.escape(pin)}(?!\d)", text) is not None


def _scripted_pins() -> Callable[[int], int]:
    """New PINs no other value of the run can spell by chance: with ``secrets`` a new PIN such
    as 2026 or 0001 would also match the run's date or a device id in the texts searched."""
    values = itertools.cycle([4817, 5393, 6742, 7958])
    return lambda _below: next(values)


@pytest.mark.parametrize("profile", [UPLIFT_1_2, BASELINE])
@pytest.mark.parametrize("supports_query", [True, False])
async def test_nothing_a_run_writes_holds_a_pin(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, profile: str, supports_query: bool
) -> None:
    caplog.set_level(logging.DEBUG)
    trace_path = tmp_path / "run.log"
    secret_dir = tmp_path / "secret"
    secret_dir.mkdir()
    handler = logging.FileHandler(trace_path)
    handler.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    try:
        rig = EmulatedGsmeRig()
        rig.add("ABCDEFABCDEF0001", GsmeState(pin="1234", supports_default_query=supports_query))
        rig.add(
            "ABCDEFABCDEF0002", GsmeState(pin=ENGINEER_PIN, supports_default_query=supports_query)
        )
        rig.add("ABCDEFABCDEF0003", GsmeState(pin="9999", supports_default_query=supports_query))
        tool = ConfigurationTool(
            rig,
            profile=profile,
            audit=AuditLog(tmp_path / "audit.jsonl"),
            changes=ChangesFile(secret_dir / "changes.csv"),
            clock=lambda: dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC),
            policy=PinPolicy(randbelow=_scripted_pins()),
        )
        outcomes = await tool.configure_all(
            [
                ConfigurationTarget("INST-A", "ABCDEFABCDEF0001", "SUPA"),
                ConfigurationTarget("INST-B", "ABCDEFABCDEF0002", "SUPB"),
                ConfigurationTarget("INST-C", "ABCDEFABCDEF0003", "SUPB"),
            ]
        )
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()

    pins = {"1234", ENGINEER_PIN, "9999"} | {
        o.new_pin.reveal() for o in outcomes if o.new_pin is not None
    }
    assert len(pins) > 3  # at least one new PIN was set
    written = {
        "audit log": (tmp_path / "audit.jsonl").read_text(),
        "captured log": caplog.text,
        "log file": trace_path.read_text(),
        "outcomes": repr(outcomes) + str(outcomes),
        "rig trace": repr(rig.calls),
    }
    assert written["captured log"] and written["log file"] and written["audit log"]
    for name, text in written.items():
        for pin in pins:
            assert not _contains(text, pin), f"a PIN value appears in the {name}"
    # The one place new PINs are written is the changes file.
    secret = (secret_dir / "changes.csv").read_text()
    for outcome in outcomes:
        if outcome.new_pin is not None:
            assert _contains(secret, outcome.new_pin.reveal())


def test_audit_log_refuses_a_pin(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    with pytest.raises(TypeError):
        log.write({"pin": Pin(ENGINEER_PIN)})  # type: ignore[dict-item]
    assert not (tmp_path / "audit.jsonl").exists()


@pytest.mark.parametrize("profile", [UPLIFT_1_2, BASELINE])
async def test_every_pin_sent_is_registered_as_secret_first(tmp_path: Path, profile: str) -> None:
    registered: list[str] = []

    class RecordingRig(EmulatedGsmeRig):
        async def verify_pin(
            self, ieee: str, pin: str, *, timeout: float = 10.0
        ) -> PinVerification:
            assert pin in registered
            return await super().verify_pin(ieee, pin, timeout=timeout)

        async def set_pin(self, ieee: str, new_pin: str, *, timeout: float = 10.0) -> None:
            assert new_pin in registered
            await super().set_pin(ieee, new_pin, timeout=timeout)

    rig = RecordingRig()
    state = rig.add("ABCDEFABCDEF0002", GsmeState(pin=ENGINEER_PIN, supports_default_query=False))
    tool = ConfigurationTool(
        rig,
        profile=profile,
        audit=AuditLog(tmp_path / "audit.jsonl"),
        changes=ChangesFile(tmp_path / "changes.csv"),
        register_secret=registered.append,
    )
    await tool.configure(ConfigurationTarget("INST-B", "ABCDEFABCDEF0002", "SUPB"))
    if profile == UPLIFT_1_2:
        assert set(registered) == {"0000", "1234", "1111", "9999"}  # candidates verified
        assert state.pin == ENGINEER_PIN
    else:
        assert state.pin in registered and state.pin != ENGINEER_PIN

"""The configuration tool and the migration MPRN check against emulated GSMEs through the ZigBee
rig: zigpy with the emulated radio <-> pty <-> emulator process <-> emulated GSMEs."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from harness.configtool import (
    AuditLog,
    ChangesFile,
    ChangeStatus,
    ConfigurationTarget,
    ConfigurationTool,
    PinAction,
    read_changes,
)
from harness.migration import BASELINE, UPLIFT_1_2, MprnVerdict, check_migration_mprn
from rigs.operations import PinCheck
from rigs.zigbee import embedded_rig

pytestmark = pytest.mark.slow

DEFAULT_GSME = "00137A0300C0FFEE"  # PIN left at its factory default
ENGINEER_GSME = "00137A0300C0FFEF"  # PIN set by the installing engineer
FACTORY_PIN = "1234"
ENGINEER_PIN = "4827"

DEVICE_FILE = f"""
[[devices]]
role = "GSME"
ieee = "{DEFAULT_GSME}"
pin = "{FACTORY_PIN}"
factory_pin = "{FACTORY_PIN}"
site_id = "0007654321"

[[devices]]
role = "GSME"
ieee = "{ENGINEER_GSME}"
pin = "{ENGINEER_PIN}"
factory_pin = "{FACTORY_PIN}"
site_id = "7654322"
"""


def _contains(text: str, pin: str) -> bool:
    return re.search(rf"(?<![0-9A-Za-z]){re.escape(pin)}(?![0-9A-Za-z])", text) is not None


@pytest.mark.parametrize("profile", [UPLIFT_1_2, BASELINE])
async def test_tool_on_emulated_gsmes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, profile: str
) -> None:
    caplog.set_level(logging.DEBUG)
    device_file = tmp_path / "gsmes.toml"
    device_file.write_text(DEVICE_FILE)
    trace = tmp_path / "radio-trace.jsonl"
    async with embedded_rig(["--device-file", str(device_file)], trace=trace) as er:
        rig = er.rig
        assert sorted(d["ieee"] for d in er.devices) == [
            DEFAULT_GSME,
            ENGINEER_GSME,
        ]
        tool = ConfigurationTool(
            rig,
            profile=profile,
            audit=AuditLog(tmp_path / "audit.jsonl"),
            changes=ChangesFile(tmp_path / "changes.csv"),
        )
        default_outcome, engineer_outcome = await tool.configure_all(
            [
                ConfigurationTarget("INST-D", DEFAULT_GSME, "SUPA"),
                ConfigurationTarget("INST-E", ENGINEER_GSME, "SUPB"),
            ]
        )

        # A default PIN never survives, under either profile.
        assert default_outcome.action is PinAction.REPLACED_DEFAULT
        assert default_outcome.status is ChangeStatus.APPLIED
        assert not await rig.pin_is_default(DEFAULT_GSME)
        assert default_outcome.new_pin is not None
        new_default = default_outcome.new_pin.reveal()
        check = await rig.verify_pin(DEFAULT_GSME, new_default)
        assert check.result is PinCheck.CORRECT

        # The engineer's PIN: kept under uplift-1.2, replaced under baseline (the defect).
        if profile == UPLIFT_1_2:
            assert engineer_outcome.action is PinAction.KEPT
            assert engineer_outcome.new_pin is None
            kept = await rig.verify_pin(ENGINEER_GSME, ENGINEER_PIN)
            assert kept.result is PinCheck.CORRECT
        else:
            assert engineer_outcome.action is PinAction.REPLACED_NON_DEFAULT
            assert engineer_outcome.new_pin is not None
            replaced = await rig.verify_pin(ENGINEER_GSME, engineer_outcome.new_pin.reveal())
            assert replaced.result is PinCheck.CORRECT

        # No lockout, and no wrong attempt spent (the device answered the default query).
        for outcome in (default_outcome, engineer_outcome):
            assert outcome.check.wrong_attempts == 0 and not outcome.check.locked
        for ieee in (DEFAULT_GSME, ENGINEER_GSME):
            state = await rig.emulator_device_state(ieee)
            assert state["pin_locked"] is False

        # The migration MPRN check through the same rig (Metering site_id).
        padded = await check_migration_mprn(rig, DEFAULT_GSME, "7654321", "AA", profile)
        if profile == UPLIFT_1_2:
            assert padded.verdict is MprnVerdict.MATCH and padded.device_canonical == "7654321"
        else:
            assert padded.verdict is MprnVerdict.REJECTED and padded.rejected_side == "device"
        other = await check_migration_mprn(rig, ENGINEER_GSME, "7654321", "AA", profile)
        assert other.verdict is MprnVerdict.MISMATCH
        device_states = [await rig.emulator_device_state(i) for i in (DEFAULT_GSME, ENGINEER_GSME)]

    changes = read_changes(tmp_path / "changes.csv")
    assert {r.installation_id for r in changes} == (
        {"INST-D"} if profile == UPLIFT_1_2 else {"INST-D", "INST-E"}
    )
    pins = {FACTORY_PIN, ENGINEER_PIN} | {
        o.new_pin.reveal() for o in (default_outcome, engineer_outcome) if o.new_pin is not None
    }
    written = {
        "audit log": (tmp_path / "audit.jsonl").read_text(),
        "captured log": caplog.text,
        "device state": repr(device_states),
        "outcomes": repr((default_outcome, engineer_outcome)),
    }
    written["radio trace"] = trace.read_text()
    assert written["radio trace"].count("\n") > 10  # the link was traced
    for name, text in written.items():
        for pin in pins:
            assert not _contains(text, pin), f"a PIN value appears in the {name}"
    # The trace holds frame bytes as hex: a PIN would show as its ASCII bytes in hex.
    for pin in pins:
        assert pin.encode("ascii").hex() not in written["radio trace"].lower()

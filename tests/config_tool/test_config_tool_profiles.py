"""The pre-migration configuration tool against the in-process emulated GSME, both profiles."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from inprocess_gsme import EmulatedGsmeRig, GsmeState

from harness.configtool import (
    AuditLog,
    ChangesFile,
    ChangeStatus,
    ConfigurationTarget,
    ConfigurationTool,
    Determination,
    OldPinDefault,
    PinAction,
    PinPolicy,
    read_changes,
)
from harness.migration import BASELINE, UPLIFT_1_2

DEFAULT_DEVICE = "00124B0000000D01"
ENGINEER_DEVICE = "00124B0000000E02"
ENGINEER_PIN = "4827"
WHEN = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)


def fixed_clock() -> dt.datetime:
    return WHEN


def make_rig(*, supports_query: bool = True) -> EmulatedGsmeRig:
    rig = EmulatedGsmeRig()
    rig.add(DEFAULT_DEVICE, GsmeState(pin="1234", supports_default_query=supports_query))
    rig.add(ENGINEER_DEVICE, GsmeState(pin=ENGINEER_PIN, supports_default_query=supports_query))
    return rig


def make_tool(
    rig: EmulatedGsmeRig, profile: str, tmp_path: Path, **options: object
) -> ConfigurationTool:
    return ConfigurationTool(
        rig,
        profile=profile,
        audit=AuditLog(tmp_path / "audit.jsonl"),
        changes=ChangesFile(tmp_path / "changes.csv"),
        clock=fixed_clock,
        **options,  # type: ignore[arg-type]
    )


TARGETS = [
    ConfigurationTarget("INST-D", DEFAULT_DEVICE, "SUPA"),
    ConfigurationTarget("INST-E", ENGINEER_DEVICE, "SUPB"),
]


@pytest.mark.parametrize("supports_query", [True, False], ids=["device-query", "verification"])
async def test_uplift_keeps_engineer_pin_and_replaces_default(
    tmp_path: Path, supports_query: bool
) -> None:
    rig = make_rig(supports_query=supports_query)
    tool = make_tool(rig, UPLIFT_1_2, tmp_path)
    default_outcome, engineer_outcome = await tool.configure_all(TARGETS)

    engineer = rig.devices[ENGINEER_DEVICE]
    assert engineer.pin == ENGINEER_PIN and engineer.pin_changes == 0
    assert engineer_outcome.action is PinAction.KEPT
    assert engineer_outcome.check.old_pin_default is OldPinDefault.NO
    assert engineer_outcome.new_pin is None and engineer_outcome.status is None

    default = rig.devices[DEFAULT_DEVICE]
    assert default_outcome.action is PinAction.REPLACED_DEFAULT
    assert default_outcome.status is ChangeStatus.APPLIED
    assert default.pin_changes == 1
    assert default.pin not in default.defaults and default.pin != "1234"
    assert default_outcome.new_pin is not None and default.pin == default_outcome.new_pin.reveal()

    for state in rig.devices.values():
        assert not state.locked and state.attempts_left >= 1
    expected = Determination.DEVICE_QUERY if supports_query else Determination.VERIFICATION
    assert engineer_outcome.check.determined_by is expected
    if supports_query:
        assert engineer.wrong_verifications == 0
    else:
        # Four candidates verified wrong, one attempt kept.
        assert engineer_outcome.check.wrong_attempts == 4 == engineer.wrong_verifications
        assert engineer.attempts_left == 1


@pytest.mark.parametrize("supports_query", [True, False], ids=["device-query", "no-query"])
async def test_baseline_replaces_every_pin(tmp_path: Path, supports_query: bool) -> None:
    rig = make_rig(supports_query=supports_query)
    tool = make_tool(rig, BASELINE, tmp_path)
    outcomes = await tool.configure_all(TARGETS)

    assert rig.devices[ENGINEER_DEVICE].pin != ENGINEER_PIN  # the defect shows
    assert rig.devices[DEFAULT_DEVICE].pin != "1234"
    for outcome in outcomes:
        assert outcome.status is ChangeStatus.APPLIED
        state = rig.devices[outcome.target.device]
        assert outcome.new_pin is not None and state.pin == outcome.new_pin.reveal()
        assert state.pin not in state.defaults
        # The baseline tool never verifies an old PIN, so spends no wrong attempts.
        assert state.wrong_verifications == 0 and not state.locked
    engineer_outcome = outcomes[1]
    if supports_query:
        assert engineer_outcome.action is PinAction.REPLACED_NON_DEFAULT
        assert outcomes[0].action is PinAction.REPLACED_DEFAULT
    else:
        assert engineer_outcome.action is PinAction.REPLACED_UNDETERMINED
        assert engineer_outcome.check.old_pin_default is OldPinDefault.UNKNOWN


@pytest.mark.parametrize("profile", [UPLIFT_1_2, BASELINE])
async def test_changes_file_holds_the_new_pins_with_mode_0600(tmp_path: Path, profile: str) -> None:
    rig = make_rig()
    tool = make_tool(rig, profile, tmp_path)
    outcomes = await tool.configure_all(TARGETS)
    path = tmp_path / "changes.csv"
    assert path.stat().st_mode & 0o777 == 0o600
    rows = read_changes(path)
    replaced = [o for o in outcomes if o.action.replaces]
    assert len(rows) == 2 * len(replaced)  # pending, then applied
    for outcome in replaced:
        mine = [r for r in rows if r.change_id == outcome.change_id]
        assert [r.status for r in mine] == [ChangeStatus.PENDING, ChangeStatus.APPLIED]
        assert all(r.new_pin == outcome.new_pin for r in mine)
        assert rig.devices[outcome.target.device].pin == mine[0].new_pin.reveal()
        assert mine[0].installation_id == outcome.target.installation_id
        assert mine[0].recorded_at == WHEN and mine[0].profile == profile


async def test_changes_file_with_wider_mode_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "changes.csv"
    path.touch(mode=0o644)
    path.chmod(0o644)
    await make_tool(make_rig(), BASELINE, tmp_path).configure(TARGETS[0])
    assert path.stat().st_mode & 0o777 == 0o600


async def test_new_pin_differs_from_the_default_found(tmp_path: Path) -> None:
    # Only one non-default value of length 4 besides the defaults would be needed to test this
    # exhaustively; instead use a policy where every 4-digit PIN but one is a default.
    only_free = "5555"
    defaults = [f"{n:04d}" for n in range(10_000) if f"{n:04d}" != only_free]
    policy = PinPolicy.from_values(defaults)
    rig = EmulatedGsmeRig()
    rig.add(DEFAULT_DEVICE, GsmeState(pin="1234", defaults=frozenset(defaults)))
    outcome = await make_tool(rig, UPLIFT_1_2, tmp_path, policy=policy).configure(TARGETS[0])
    assert outcome.new_pin is not None and outcome.new_pin.reveal() == only_free
    assert rig.devices[DEFAULT_DEVICE].pin == only_free


async def test_verification_stops_before_the_last_attempt(tmp_path: Path) -> None:
    rig = EmulatedGsmeRig()
    # Two wrong attempts already made by someone else since the last correct one.
    state = rig.add(ENGINEER_DEVICE, GsmeState(pin=ENGINEER_PIN, supports_default_query=False))
    state.wrong = 2
    outcome = await make_tool(rig, UPLIFT_1_2, tmp_path, on_undetermined="skip").configure(
        TARGETS[1]
    )
    assert not state.locked and state.attempts_left == 1
    assert outcome.check.wrong_attempts == 2
    assert outcome.check.old_pin_default is OldPinDefault.UNKNOWN
    assert outcome.action is PinAction.SKIPPED_UNDETERMINED
    assert state.pin == ENGINEER_PIN and state.pin_changes == 0


async def test_undetermined_pin_is_replaced_by_default_setting(tmp_path: Path) -> None:
    rig = EmulatedGsmeRig()
    state = rig.add(ENGINEER_DEVICE, GsmeState(pin=ENGINEER_PIN, supports_default_query=False))
    state.wrong = 3
    outcome = await make_tool(rig, UPLIFT_1_2, tmp_path).configure(TARGETS[1])
    assert outcome.check.wrong_attempts == 1
    assert outcome.action is PinAction.REPLACED_UNDETERMINED
    assert outcome.status is ChangeStatus.APPLIED
    assert not state.locked and state.wrong == 0  # the confirming verification reset the count


async def test_locked_device_is_not_verified(tmp_path: Path) -> None:
    rig = EmulatedGsmeRig()
    state = rig.add(DEFAULT_DEVICE, GsmeState(pin="1234", supports_default_query=False))
    state.wrong, state.locked = 5, True
    outcome = await make_tool(rig, UPLIFT_1_2, tmp_path, on_undetermined="skip").configure(
        TARGETS[0]
    )
    assert outcome.check.locked and outcome.check.wrong_attempts == 0
    assert [op for op, _ in rig.calls].count("verify_pin") == 0
    assert state.pin == "1234"


@pytest.mark.parametrize("pin", ["1234", ENGINEER_PIN], ids=["default", "engineer"])
async def test_device_on_its_last_attempt_is_not_locked(tmp_path: Path, pin: str) -> None:
    # Four wrong attempts made by someone else since the last correct one: one left.
    rig = EmulatedGsmeRig()
    state = rig.add(ENGINEER_DEVICE, GsmeState(pin=pin, supports_default_query=False))
    state.wrong = 4
    outcome = await make_tool(rig, UPLIFT_1_2, tmp_path, on_undetermined="skip").configure(
        TARGETS[1]
    )
    assert not state.locked and state.attempts_left == 1
    assert state.wrong_verifications == 0
    assert [op for op, _ in rig.calls].count("verify_pin") == 0
    assert outcome.check.attempts_left == 1 and not outcome.check.locked
    assert outcome.check.old_pin_default is OldPinDefault.UNKNOWN
    assert outcome.action is PinAction.SKIPPED_UNDETERMINED
    assert state.pin == pin and state.pin_changes == 0


async def test_device_that_reports_no_pin_status_is_not_verified(tmp_path: Path) -> None:
    rig = EmulatedGsmeRig()
    state = rig.add(
        DEFAULT_DEVICE,
        GsmeState(pin="1234", supports_default_query=False, reports_pin_status=False),
    )
    state.wrong = 4
    outcome = await make_tool(rig, UPLIFT_1_2, tmp_path).configure(TARGETS[0])
    assert [op for op, _ in rig.calls].count("verify_pin") == 1  # only the new PIN's confirmation
    assert state.wrong_verifications == 0 and not state.locked
    assert outcome.check.old_pin_default is OldPinDefault.UNKNOWN
    assert outcome.check.determined_by is Determination.NONE
    assert "PIN status" in outcome.check.note
    # A default must not survive: the undetermined PIN is replaced (the default setting).
    assert outcome.action is PinAction.REPLACED_UNDETERMINED
    assert outcome.status is ChangeStatus.APPLIED and state.pin not in state.defaults


async def test_default_found_by_verification_resets_the_count(tmp_path: Path) -> None:
    rig = EmulatedGsmeRig()
    state = rig.add(DEFAULT_DEVICE, GsmeState(pin="9999", supports_default_query=False))
    outcome = await make_tool(rig, UPLIFT_1_2, tmp_path).configure(TARGETS[0])
    # 0000, 1234, 1111 wrong, then 9999 correct.
    assert outcome.check.wrong_attempts == 3 and outcome.check.found is not None
    assert outcome.action is PinAction.REPLACED_DEFAULT and state.pin not in state.defaults
    assert state.wrong == 0 and not state.locked


async def test_refused_change_is_recorded_as_failed(tmp_path: Path) -> None:
    rig = make_rig()
    rig.devices[DEFAULT_DEVICE].refuse_pin_change = True
    outcome = await make_tool(rig, UPLIFT_1_2, tmp_path).configure(TARGETS[0])
    assert outcome.status is ChangeStatus.FAILED and "refused" in outcome.reason
    assert rig.devices[DEFAULT_DEVICE].pin == "1234"
    statuses = [r.status for r in read_changes(tmp_path / "changes.csv")]
    assert statuses == [ChangeStatus.PENDING, ChangeStatus.FAILED]


async def test_audit_log_records_every_decision(tmp_path: Path) -> None:
    rig = make_rig()
    await make_tool(rig, UPLIFT_1_2, tmp_path).configure_all(TARGETS)
    records = AuditLog(tmp_path / "audit.jsonl").read()
    assert [r["installation_id"] for r in records] == ["INST-D", "INST-E"]
    assert [r["supplier"] for r in records] == ["SUPA", "SUPB"]
    assert [r["action"] for r in records] == ["replaced-default", "kept"]
    assert [r["old_pin_default"] for r in records] == ["yes", "no"]
    assert all(r["time"] == WHEN.isoformat() and r["profile"] == UPLIFT_1_2 for r in records)
    assert records[0]["change_status"] == "applied" and records[1]["change_id"] is None


def test_tool_rejects_unknown_settings(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        make_tool(make_rig(), "uplift", tmp_path)
    with pytest.raises(ValueError):
        make_tool(make_rig(), UPLIFT_1_2, tmp_path, on_undetermined="guess")


async def test_new_pin_the_device_calls_default_is_replaced_again(tmp_path: Path) -> None:
    # The device has a factory default (2580) the policy does not list; the first new PIN drawn
    # happens to be it. The device's own query after the change catches that.
    draws = iter([2580, 4711])
    policy = PinPolicy.from_values(
        ["0000", "1234", "1111", "9999"], randbelow=lambda n: next(draws)
    )
    rig = EmulatedGsmeRig()
    state = rig.add(DEFAULT_DEVICE, GsmeState(pin="1234", defaults=frozenset({"1234", "2580"})))
    outcome = await make_tool(rig, UPLIFT_1_2, tmp_path, policy=policy).configure(TARGETS[0])
    assert state.pin == "4711" and state.pin_changes == 2
    assert outcome.new_pin is not None and outcome.new_pin.reveal() == "4711"
    assert outcome.status is ChangeStatus.APPLIED
    rows = read_changes(tmp_path / "changes.csv")
    assert [(r.new_pin.reveal(), r.status) for r in rows] == [
        ("2580", ChangeStatus.PENDING),
        ("2580", ChangeStatus.APPLIED),
        ("4711", ChangeStatus.PENDING),
        ("4711", ChangeStatus.APPLIED),
    ]
    assert len({r.change_id for r in rows}) == 2

"""The pre-migration configuration tool and engineering menu PINs (S1SR 13.1 and the IOC tool fix)."""

from __future__ import annotations

import pytest

from harness.evidence import ScenarioEvidence
from harness.plugin.configuration import ConfigurationToolSession
from harness.plugin.rig import HilDevice

ENGINEER_PIN = "730591"  # a non-default PIN an installing engineer set
DEVICE_DEFAULT_PIN = "1234"  # the emulated models' factory PIN, on the tool's default list too
METERS = ["esme", "gsme"]


@pytest.mark.requirement("U12-PIN-KEEP")
@pytest.mark.parametrize("meter", METERS)
def test_non_default_pin_is_left_untouched(
    config_tool: ConfigurationToolSession,
    request: pytest.FixtureRequest,
    evidence: ScenarioEvidence,
    meter: str,
) -> None:
    """A PIN the installing engineer set (not a default) survives the configuration tool."""
    device: HilDevice = request.getfixturevalue(meter)
    evidence.device(device.identity, installation_id=device.spec.installation_id)
    evidence.secret(ENGINEER_PIN)
    device.set_pin(ENGINEER_PIN)
    run = config_tool.configure(device)
    evidence.detail("old_pin_default", run.outcome.check.old_pin_default.value)
    evidence.detail("determined_by", run.outcome.check.determined_by.value)
    evidence.measure("tool_action", run.action, equals="kept")
    evidence.measure("pin_changed", run.new_pin is not None, equals=False)
    verification = device.verify_pin(ENGINEER_PIN)
    evidence.measure("engineer_pin_in_force", verification.result.value, equals="correct")


@pytest.mark.requirement("U12-PIN-KEEP", "BASE-PIN")
@pytest.mark.parametrize("meter", METERS)
def test_default_pin_never_survives(
    config_tool: ConfigurationToolSession,
    request: pytest.FixtureRequest,
    evidence: ScenarioEvidence,
    meter: str,
) -> None:
    """A default PIN is replaced by a new, non-default PIN that the device then accepts."""
    device: HilDevice = request.getfixturevalue(meter)
    evidence.device(device.identity, installation_id=device.spec.installation_id)
    evidence.secret(DEVICE_DEFAULT_PIN)
    device.set_pin(DEVICE_DEFAULT_PIN)
    run = config_tool.configure(device)
    evidence.detail("old_pin_default", run.outcome.check.old_pin_default.value)
    evidence.measure("tool_action", run.action, equals="replaced-default")
    evidence.measure("change_applied", run.outcome.pin_in_force_changed, equals=True)
    assert run.new_pin is not None
    evidence.measure("new_pin_is_default", run.new_pin in config_tool.default_pins, equals=False)
    evidence.measure(
        "new_pin_in_force", device.verify_pin(run.new_pin).result.value, equals="correct"
    )
    evidence.measure(
        "default_pin_refused", device.verify_pin(DEVICE_DEFAULT_PIN).result.value, equals="wrong"
    )
    evidence.measure("device_calls_pin_default", device.pin_is_default(), equals=False)
    device.verify_pin(run.new_pin)  # a correct verification clears the wrong attempt just made


@pytest.mark.requirement("U12-PIN-KEEP")
def test_moc_installation_is_outside_the_tool_fix(
    config_tool: ConfigurationToolSession, gsme: HilDevice, evidence: ScenarioEvidence
) -> None:
    """The fix is for IOC only: the IOC tool leaves a MOC installation (GroupID MA) alone; its
    PIN is not counted as kept by the fix, and it is not changed."""
    evidence.device(gsme.identity, installation_id=gsme.spec.installation_id, group_id="MA")
    evidence.secret(ENGINEER_PIN)
    gsme.set_pin(ENGINEER_PIN)
    run = config_tool.configure(gsme, group_id="MA")
    evidence.detail("note", run.outcome.check.note)
    evidence.measure("tool_action", run.action, equals="out-of-scope")
    evidence.measure("pin_changed", run.new_pin is not None, equals=False)
    verification = gsme.verify_pin(ENGINEER_PIN)
    evidence.measure("engineer_pin_in_force", verification.result.value, equals="correct")

"""A device's serial test port and its ZigBee side report one device state: the firmware it runs,
the image it holds and its PIN lockout state. Nothing here depends on Uplift 1.2, so these
scenarios pass under both profiles.

Everything is done over ZigBee (as DCC would) and read back over the test port, except one wrong
PIN, which is tried on the test port and read back over ZigBee. A device the rig gives no serial
port is skipped: the rig lacks the port, the device is not at fault.
"""

from __future__ import annotations

import hashlib

import pytest

from harness.evidence import ScenarioEvidence
from harness.plugin.rig import HilDevice
from harness.plugin.serial_side import TestPort
from harness.suites.uplift_1_2.images import image_for
from rigs.operations import ActivationStatus, PinStatus

ROLES = ["ppmid", "esme", "gsme"]
METERS = ["esme", "gsme"]  # the devices with an engineering menu PIN
ENGINEER_PIN = "826153"  # the PIN the scenario sets over ZigBee
WRONG_PIN = "390817"  # a PIN that is not the device's

# every scenario acts on the rig (its record names the rig and the radio trace), whichever
# device it is parametrized with
pytestmark = pytest.mark.usefixtures("rig")


def serial_side_of(device: HilDevice, evidence: ScenarioEvidence) -> TestPort:
    """The device's test port (the scenario is skipped on a rig that gives the device none)."""
    if device.serial_port is None:
        pytest.skip(
            f"rig {device.rig.spec.name} gives the {device.role} {device.ieee} no serial test "
            "port (serial_port)"
        )
    port = device.serial
    evidence.device(device.identity, serial_port=port.url)
    return port


def same_identity(evidence: ScenarioEvidence, port: TestPort, device: HilDevice) -> None:
    """The device on the test port is the one the ZigBee side identified."""
    over_port, over_zigbee = port.identity, device.identity
    evidence.measure("test_port_ieee", over_port.ieee, equals=over_zigbee.ieee)
    evidence.measure("test_port_role", over_port.role.value, equals=over_zigbee.role.value)
    for field in ("manufacturer_code", "image_type", "hardware_version"):
        evidence.measure(
            f"test_port_{field}", getattr(over_port, field), equals=getattr(over_zigbee, field)
        )


def pin_text(status: PinStatus) -> str:
    return (
        f"locked={status.locked} attempts_left={status.attempts_left} default={status.is_default}"
    )


@pytest.mark.requirement("BASE-TEST-PORT")
@pytest.mark.parametrize("role", ROLES)
def test_test_port_reports_the_running_version(
    request: pytest.FixtureRequest, evidence: ScenarioEvidence, role: str
) -> None:
    """The device is the same one on both sides and reports the same running version."""
    device: HilDevice = request.getfixturevalue(role)
    port = serial_side_of(device, evidence)
    same_identity(evidence, port, device)
    over_zigbee = device.firmware()
    over_port = port.firmware()
    evidence.firmware_versions(device.ieee, over_zigbee, device.firmware())
    evidence.detail("test_port_firmware", over_port)
    evidence.measure(
        "test_port_file_version", over_port.file_version, equals=over_zigbee.file_version
    )
    evidence.measure("test_port_build_id", over_port.build_id, equals=over_zigbee.build_id)


@pytest.mark.requirement("BASE-TEST-PORT")
@pytest.mark.parametrize("role", ROLES)
def test_image_distributed_over_zigbee_is_held_on_test_port(
    request: pytest.FixtureRequest, evidence: ScenarioEvidence, role: str
) -> None:
    """An image sent over ZigBee is reported held on the test port, with the same SHA-256 values
    (of the OTA file and of the manufacturer image) and size, and is not yet running."""
    device: HilDevice = request.getfixturevalue(role)
    port = serial_side_of(device, evidence)
    before = device.firmware()
    image = image_for(device)
    transfer = device.distribute(image.data)
    evidence.measure("image_transferred_over_zigbee", transfer.ok, equals=True)
    over_zigbee = device.held_image()
    evidence.measure("held_over_zigbee", over_zigbee is not None, equals=True)
    assert over_zigbee is not None
    status = port.image_status()
    evidence.detail("test_port_image_status", status)
    evidence.measure("test_port_image_state", status.state.name.lower(), equals="held")
    over_port = status.held_image()
    assert over_port is not None
    evidence.measure("test_port_held_version", over_port.file_version, equals=image.file_version)
    evidence.measure("test_port_held_size", over_port.size, units="bytes", equals=len(image.data))
    evidence.measure(
        "test_port_file_sha256", over_port.sha256.hex(), equals=over_zigbee.sha256.hex()
    )
    evidence.measure(
        "file_sha256_is_the_image_sent",
        over_port.sha256.hex(),
        equals=hashlib.sha256(image.data).hexdigest(),
    )
    evidence.measure(
        "test_port_firmware_hash",
        over_port.manufacturer_image_sha256.hex(),
        equals=over_zigbee.manufacturer_image_sha256.hex(),
    )
    evidence.measure(
        "firmware_hash_is_the_image_sent",
        over_port.manufacturer_image_sha256.hex(),
        equals=image.firmware_hash.hex(),
    )
    after = device.firmware()
    evidence.firmware_versions(device.ieee, before, after)
    evidence.measure(
        "test_port_running_version_unchanged",
        port.firmware().file_version,
        equals=before.file_version,
    )


@pytest.mark.requirement("BASE-TEST-PORT")
@pytest.mark.parametrize("role", ROLES)
def test_activation_over_zigbee_shows_on_test_port(
    request: pytest.FixtureRequest, evidence: ScenarioEvidence, role: str
) -> None:
    """After an image is activated over ZigBee, the test port reports the new running version
    and no image held."""
    device: HilDevice = request.getfixturevalue(role)
    port = serial_side_of(device, evidence)
    before = device.firmware()
    evidence.measure(
        "test_port_version_before", port.firmware().file_version, equals=before.file_version
    )
    image = image_for(device)
    evidence.measure("precondition_image_held", device.distribute(image.data).ok, equals=True)
    activation = device.activate()
    evidence.detail("activation", activation)
    evidence.measure(
        "activated_over_zigbee", activation.status.value, equals=ActivationStatus.ACTIVATED.value
    )
    after = device.firmware()
    evidence.firmware_versions(device.ieee, before, after)
    over_port = port.firmware()
    evidence.detail("test_port_firmware", over_port)
    evidence.measure("test_port_file_version", over_port.file_version, equals=image.file_version)
    evidence.measure("test_port_build_id", over_port.build_id, equals=after.build_id)
    evidence.measure("test_port_image_state", port.image_status().state.name.lower(), equals="none")


@pytest.mark.requirement("BASE-TEST-PORT")
@pytest.mark.parametrize("meter", METERS)
def test_pin_lockout_state_is_the_same_on_both_sides(
    request: pytest.FixtureRequest, evidence: ScenarioEvidence, meter: str
) -> None:
    """A wrong PIN tried on the test port costs an attempt that ZigBee reports too, and a correct
    PIN verified over ZigBee gives it back on the test port. Only one attempt is ever spent."""
    device: HilDevice = request.getfixturevalue(meter)
    port = serial_side_of(device, evidence)
    evidence.secret(ENGINEER_PIN)
    evidence.secret(WRONG_PIN)
    device.set_pin(ENGINEER_PIN)
    start = device.pin_status()
    evidence.detail("pin_status_over_zigbee_at_start", pin_text(start))
    evidence.measure("precondition_attempts_to_spare", start.attempts_left, low=2)
    evidence.measure(
        "test_port_pin_status_at_start", pin_text(port.pin_status()), equals=pin_text(start)
    )
    wrong = port.verify_pin(WRONG_PIN)
    evidence.measure("wrong_pin_on_test_port", wrong.result.value, equals="wrong")
    spent = device.pin_status()
    evidence.measure(
        "zigbee_attempts_left_after_wrong_pin", spent.attempts_left, equals=start.attempts_left - 1
    )
    evidence.measure("zigbee_locked_after_wrong_pin", spent.locked, equals=False)
    evidence.measure(
        "test_port_pin_status_after_wrong_pin", pin_text(port.pin_status()), equals=pin_text(spent)
    )
    evidence.measure(
        "engineer_pin_over_zigbee", device.verify_pin(ENGINEER_PIN).result.value, equals="correct"
    )
    restored = device.pin_status()
    evidence.measure(
        "zigbee_attempts_left_after_correct_pin", restored.attempts_left, low=start.attempts_left
    )
    evidence.measure(
        "test_port_pin_status_after_correct_pin",
        pin_text(port.pin_status()),
        equals=pin_text(restored),
    )

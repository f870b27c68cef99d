"""The serial side of a rig against emulated devices served on real ptys."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.plugin.bringup import emulator_serial_ports
from harness.plugin.loop_thread import LoopThread
from harness.plugin.rig import HilRig
from harness.plugin.serial_side import NoTestPort, TestPorts
from harness.rigfile import default_rig
from rigs.emulator.test_port_device import EmulatedTestPortDevice
from rigs.operations import DeviceRole, PinCheck, RigError
from rigs.serial import ServedPort, serve_on_pty
from rigs.trace import read_trace

IEEE = "00124B0001A2B3C5"
FACTORY_PIN = "2468"
WRONG_PIN = "8642"


@pytest.fixture
def loop() -> Iterator[LoopThread]:
    thread = LoopThread(name="serial-side-test")
    yield thread
    thread.close()


@pytest.fixture
def served(loop: LoopThread) -> Iterator[ServedPort]:
    device = EmulatedTestPortDevice(
        ieee=IEEE, role=DeviceRole.GSME, pin=FACTORY_PIN, factory_pin=FACTORY_PIN
    )
    port = loop.run(serve_on_pty(device), 10)
    yield port
    loop.run(port.close(), 10)


def test_a_port_opens_on_first_use_and_its_trace_masks_pins(
    loop: LoopThread, served: ServedPort, tmp_path: Path
) -> None:
    traces = tmp_path / "traces"
    ports = TestPorts(loop, {IEEE: served.url}, trace_dir=traces)
    port = ports.port(IEEE)
    assert port.url == served.url
    assert not traces.exists() and ports.used == set(), "nothing is opened before it is used"
    assert port.firmware().file_version == 0x00000101
    assert port.identity.ieee == IEEE and port.identity.role is DeviceRole.GSME
    assert ports.used == {IEEE}
    assert port.verify_pin(WRONG_PIN).result is PinCheck.WRONG
    status = port.pin_status()
    assert (status.locked, status.attempts_left, status.is_default) == (False, 4, True)
    assert port.held_image() is None and port.image_status().state.name == "NONE"
    assert [event.text for event in port.events()][-1] == "pin-wrong: 4 attempts left"
    ports.used.clear()
    loop.run(ports.close(), 10)
    trace = ports.trace_file(IEEE)
    assert trace == traces / f"test-port-{IEEE}.jsonl", "still known after the port is closed"
    lines = read_trace(trace)
    assert lines[0]["redacted"] is True
    assert any(str(line.get("frame", "")).startswith("VERIFY_PIN") for line in lines)
    text = trace.read_text()
    for pin in (WRONG_PIN, FACTORY_PIN):
        assert pin not in text and pin.encode().hex() not in text


def test_a_port_where_another_device_answers_is_refused(
    loop: LoopThread, served: ServedPort
) -> None:
    other = "00124B0001A2B3C6"
    ports = TestPorts(loop, {other: served.url})
    with pytest.raises(RigError, match=f"answers as {IEEE}"):
        ports.port(other).firmware()
    loop.run(ports.close(), 10)


def test_a_device_the_rig_gives_no_port(loop: LoopThread) -> None:
    spec = default_rig()
    with pytest.raises(NoTestPort, match="no serial test port"):
        TestPorts(loop, {}).port(spec.devices[0].ieee)
    rig = HilRig(spec=spec, ops=None, loop=loop)  # type: ignore[arg-type]  # no ZigBee side used
    device = rig.device("GSME")
    assert device is not None and device.serial_port is None
    with pytest.raises(NoTestPort, match=f"{device.ieee}: the rig gives this device no"):
        _ = device.serial


def test_embedded_ports_come_from_the_emulator_announcement() -> None:
    announced = [
        {"ieee": "0000000000000101", "role": "PPMID", "serial": "/dev/pts/7"},
        {"ieee": "0000000000000102", "role": "ESME", "serial": "socket://127.0.0.1:7001"},
        {"ieee": "0000000000000103", "role": "GSME"},  # served without a test port
    ]
    assert emulator_serial_ports(announced) == {
        "0000000000000101": "/dev/pts/7",
        "0000000000000102": "socket://127.0.0.1:7001",
    }

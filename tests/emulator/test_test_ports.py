"""One device, two ports: the emulator process serves every device's serial test port beside the
radio link, and both ports reach the same device state (images, running version, PIN lockout)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from emulated_device_images import NEW_VERSION, digests, image_for

from rigs.emulator import EmulatorProcess
from rigs.emulator.process import serial_port_address
from rigs.operations import ActivationStatus, DeviceRole, PinCheck
from rigs.serial import SerialRig
from rigs.zigbee import embedded_rig

pytestmark = pytest.mark.slow


def serial_of(devices: list[dict[str, object]], ieee: str) -> str:
    return str(next(d["serial"] for d in devices if d["ieee"] == ieee))


async def test_the_start_line_lists_every_devices_test_port() -> None:
    async with EmulatorProcess(["--ppmids", "2"]) as emulator:
        ports = [d["serial"] for d in emulator.devices]
        assert len(ports) == 4 and len(set(ports)) == 4 and emulator.radio not in ports
        assert all(str(p).startswith("/dev/") and os.path.exists(str(p)) for p in ports)
        async with SerialRig() as rig:
            for device in emulator.devices:
                identity = await rig.attach(str(device["serial"]))
                assert (identity.ieee, identity.role.value) == (device["ieee"], device["role"])
                assert identity.image_type == device["image_type"]


async def test_an_image_sent_over_serial_is_held_on_the_zigbee_side_and_runs_on_both() -> None:
    async with embedded_rig(["--ppmids", "0", "--gsmes", "0"]) as er, SerialRig() as serial:
        esme = er.by_role(DeviceRole.ESME)[0]
        await serial.attach(serial_of(er.devices, esme))
        image = image_for(DeviceRole.ESME, 8 * 1024)
        sent = await serial.distribute_image(esme, image)
        assert sent.ok, sent.reason
        held = await er.rig.read_held_image(esme)
        assert held is not None
        assert (held.file_version, held.size) == (NEW_VERSION, len(image))
        assert (held.sha256, held.manufacturer_image_sha256) == digests(image)
        assert (await serial.read_firmware_version(esme)).file_version == 0x01000000

        activated = await er.rig.activate(esme)
        assert activated.status is ActivationStatus.ACTIVATED
        over_serial = await serial.read_firmware_version(esme)
        over_zigbee = await er.rig.read_firmware_version(esme)
        assert over_serial == over_zigbee
        assert (over_serial.file_version, over_serial.build_id) == (NEW_VERSION, "01020304")
        assert await serial.read_held_image(esme) is None


async def test_an_image_sent_over_zigbee_is_held_on_the_test_port() -> None:
    async with embedded_rig(["--esmes", "0", "--gsmes", "0"]) as er, SerialRig() as serial:
        ppmid = er.by_role(DeviceRole.PPMID)[0]
        await serial.attach(serial_of(er.devices, ppmid))
        assert await serial.read_held_image(ppmid) is None
        image = image_for(DeviceRole.PPMID, 4 * 1024)
        assert (await er.rig.distribute_image(ppmid, image)).ok
        held = await serial.read_held_image(ppmid)
        assert held is not None and held == await er.rig.read_held_image(ppmid)
        assert held.sha256 == digests(image)[0]
        # ... and activated over the test port, it runs for the ZigBee side too
        assert (await serial.activate(ppmid)).status is ActivationStatus.ACTIVATED
        assert (await er.rig.read_firmware_version(ppmid)).file_version == NEW_VERSION


async def test_wrong_pins_on_either_port_count_toward_one_lockout() -> None:
    async with embedded_rig(["--ppmids", "0", "--esmes", "0"]) as er, SerialRig() as serial:
        gsme = er.by_role(DeviceRole.GSME)[0]
        await serial.attach(serial_of(er.devices, gsme))
        assert await serial.pin_is_default(gsme) and await er.rig.pin_is_default(gsme)
        answers = [await serial.verify_pin(gsme, "9999") for _ in range(3)]
        assert [a.attempts_left for a in answers] == [4, 3, 2]
        over_zigbee = await er.rig.verify_pin(gsme, "9999")
        assert (over_zigbee.result, over_zigbee.attempts_left) == (PinCheck.WRONG, 1)
        fifth = await serial.verify_pin(gsme, "9999")
        assert (fifth.result, fifth.attempts_left) == (PinCheck.LOCKED, 0)
        assert (await er.rig.verify_pin(gsme, "1234")).result is PinCheck.LOCKED
        # the privileged change over ZigBee clears the lockout for the test port as well
        await er.rig.set_pin(gsme, "86420135")
        assert not await serial.pin_is_default(gsme)
        assert (await serial.verify_pin(gsme, "86420135")).result is PinCheck.CORRECT


async def test_test_ports_on_tcp_are_reached_through_socket_urls() -> None:
    async with (
        EmulatorProcess(["--tcp", "127.0.0.1:0", "--esmes", "0"]) as emulator,
        SerialRig() as rig,
    ):
        urls = [str(d["serial"]) for d in emulator.devices]
        assert all(u.startswith("socket://127.0.0.1:") for u in urls) and len(set(urls)) == 2
        for device, url in zip(emulator.devices, urls, strict=True):
            assert (await rig.attach(url)).ieee == device["ieee"]
        gsme = next(d["ieee"] for d in emulator.devices if d["role"] == "GSME")
        image = image_for(DeviceRole.GSME, 4 * 1024)
        assert (await rig.distribute_image(str(gsme), image)).ok
        assert (await rig.activate(str(gsme))).status is ActivationStatus.ACTIVATED
        assert (await rig.read_firmware_version(str(gsme))).file_version == NEW_VERSION


def test_tcp_port_numbering() -> None:
    assert serial_port_address(("0.0.0.0", 7000), 0, None) == ("0.0.0.0", 7001)
    assert serial_port_address(("0.0.0.0", 7000), 2, None) == ("0.0.0.0", 7003)
    assert serial_port_address(("0.0.0.0", 7000), 2, 9000) == ("0.0.0.0", 9002)
    assert serial_port_address(("h", 0), 5, None) == ("h", 0)
    with pytest.raises(ValueError, match="above 65535"):
        serial_port_address(("h", 65535), 0, None)


async def test_impaired_test_ports_keep_real_line_timing(tmp_path: Path) -> None:
    """At 2400 baud (240 bytes/s) answers take their time on the line; unimpaired ports do not."""
    device_file = tmp_path / "devices.toml"
    device_file.write_text(
        '[[devices]]\nrole = "ESME"\nimpair = "baud=2400"\n\n[[devices]]\nrole = "GSME"\n'
    )
    async with EmulatorProcess(["--device-file", str(device_file)]) as emulator, SerialRig() as rig:
        slow, fast = (str(d["serial"]) for d in emulator.devices)
        slow_ieee = (await rig.attach(slow, timeout=20)).ieee
        fast_ieee = (await rig.attach(fast)).ieee
        # an IDENTIFY answer is more than 60 bytes on the line: four of them need over 1 s
        started = time.monotonic()
        for _ in range(4):
            await rig.identify(slow_ieee, timeout=20)
        assert time.monotonic() - started > 4 * 60 / 240
        assert (await rig.identify(fast_ieee)).role is DeviceRole.GSME


def test_impairment_options_are_checked() -> None:
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "harness", "emulate", "--impair", "baud=fast"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (
        "smets1-hil: error: impairment setting baud needs a number, not 'fast'"
    )

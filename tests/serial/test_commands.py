"""Every test-port command end to end: client -> link -> responder -> emulated device, and back."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from served_devices import (
    IEEE,
    IMAGE_TYPE,
    MANUFACTURER,
    SITE_ID,
    TRANSPORTS,
    emulated_device,
    make_ota_image,
    served_device,
)

from rigs.capabilities import Firmware, Identity, Pin, PinChange, SiteId
from rigs.emulator.clock import DeviceClock
from rigs.emulator.device_test_port import DeviceTestPort
from rigs.emulator.test_port_device import EmulatedTestPortDevice
from rigs.operations import (
    ActivationStatus,
    DeviceRole,
    PinCheck,
    RigError,
    TransferStatus,
)
from rigs.serial import SerialRig, ServedPort, TestPortError
from rigs.serial.protocol import Status

pytestmark = pytest.mark.timeout(60)


def test_serial_rig_is_a_rig_and_the_device_a_test_port_device(device: DeviceTestPort) -> None:
    from rigs.serial import device as device_module

    rig = SerialRig()
    for capability in (Identity, Firmware, Pin, SiteId):
        assert isinstance(rig, capability), capability.__name__
    assert isinstance(device, device_module.TestPortDevice)
    assert isinstance(EmulatedTestPortDevice(ieee=IEEE), device_module.TestPortDevice)


async def test_identify_and_versions(pty_rig: tuple[SerialRig, ServedPort]) -> None:
    rig, _ = pty_rig
    identity = await rig.identify(IEEE)
    assert identity.ieee == IEEE
    assert identity.role is DeviceRole.ESME and identity.model == "EMU-ESME"
    assert (identity.manufacturer_code, identity.image_type) == (MANUFACTURER, IMAGE_TYPE)
    hello = await rig.hello(IEEE)
    assert hello.version == 1 and hello.max_block >= 512 and hello.window >= 1
    firmware = await rig.read_firmware_version(IEEE)
    assert (firmware.file_version, firmware.build_id) == (0x101, "00000101")
    assert await rig.read_held_image(IEEE) is None
    assert await rig.read_site_id(IEEE) == SITE_ID


async def test_identify_refuses_the_wrong_device(pty_rig: tuple[SerialRig, ServedPort]) -> None:
    rig, served = pty_rig
    rig._urls["0000000000000001"] = served.url
    with pytest.raises(RigError, match="answers as 00124B0001ABCDEF"):
        await rig.identify("0000000000000001")


async def test_unknown_device_is_a_clear_error() -> None:
    with pytest.raises(RigError, match="no test port known"):
        await SerialRig().read_site_id("AAAAAAAAAAAAAAAA")


@pytest.mark.parametrize("window", [1, 8])
async def test_windowed_transfer_of_64_kib(
    pty_rig: tuple[SerialRig, ServedPort], window: int
) -> None:
    rig, _ = pty_rig
    image = make_ota_image(64 * 1024, signed=True)
    seen: list[tuple[int, int]] = []
    result = await rig.distribute_image(
        IEEE, image, window=window, progress=lambda d, t: seen.append((d, t))
    )
    assert result.status is TransferStatus.OK, result.reason
    assert result.bytes_sent == len(image) and result.blocks == len(image) // 512
    assert result.retries == 0 and result.resumes == 0
    assert seen[-1] == (len(image), len(image))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    held = await rig.read_held_image(IEEE)
    assert held is not None
    assert held.sha256 == hashlib.sha256(image).digest()
    assert held.size == len(image) and held.file_version == 0x202
    assert held.manufacturer_image_sha256 == hashlib.sha256(image[56:-66]).digest()
    identity = await rig.read_firmware_version(IEEE)
    assert identity.file_version == 0x101  # held, not running


async def test_activate_now(pty_rig: tuple[SerialRig, ServedPort]) -> None:
    rig, _ = pty_rig
    image = make_ota_image(4096)
    assert (await rig.distribute_image(IEEE, image)).ok
    result = await rig.activate(IEEE, expected_sha256=hashlib.sha256(image[56:]).digest())
    assert result.status is ActivationStatus.ACTIVATED
    assert result.running is not None and result.running.file_version == 0x202
    assert (await rig.read_firmware_version(IEEE)).build_id == "00000202"
    assert await rig.read_held_image(IEEE) is None


async def test_activate_refuses_a_wrong_hash_and_a_missing_image(
    pty_rig: tuple[SerialRig, ServedPort],
) -> None:
    rig, _ = pty_rig
    with pytest.raises(TestPortError, match="NO_IMAGE") as missing:
        await rig.activate(IEEE)
    assert missing.value.status == Status.NO_IMAGE
    assert (await rig.distribute_image(IEEE, make_ota_image(2048))).ok
    with pytest.raises(TestPortError, match="HASH_MISMATCH"):
        await rig.activate(IEEE, expected_sha256=bytes(32))
    assert (await rig.read_firmware_version(IEEE)).file_version == 0x101


async def test_activate_at_a_time_and_cancel(
    pty_rig: tuple[SerialRig, ServedPort], clock: DeviceClock
) -> None:
    rig, _ = pty_rig
    assert (await rig.distribute_image(IEEE, make_ota_image(2048, file_version=0x303))).ok
    at = clock.now().replace(microsecond=0) + dt.timedelta(hours=1)
    scheduled = await rig.activate(IEEE, at)
    assert scheduled.status is ActivationStatus.SCHEDULED and scheduled.at == at
    cancelled = await rig.cancel_activation(IEEE)
    assert cancelled.status is ActivationStatus.CANCELLED and cancelled.reason == ""
    clock.advance(2 * 3600)
    assert (await rig.read_firmware_version(IEEE)).file_version == 0x101
    again = await rig.cancel_activation(IEEE)
    assert again.reason == "nothing scheduled"

    await rig.activate(IEEE, clock.now() + dt.timedelta(minutes=30))
    clock.advance(29 * 60)
    assert (await rig.read_firmware_version(IEEE)).file_version == 0x101
    clock.advance(2 * 60)
    assert (await rig.read_firmware_version(IEEE)).file_version == 0x303


async def test_pin_verification_and_lockout(pty_rig: tuple[SerialRig, ServedPort]) -> None:
    rig, _ = pty_rig
    assert not await rig.pin_is_default(IEEE)
    assert (await rig.verify_pin(IEEE, "4729")).result is PinCheck.CORRECT
    answers = [await rig.verify_pin(IEEE, "0000") for _ in range(5)]
    assert [a.attempts_left for a in answers] == [4, 3, 2, 1, 0]
    assert [a.result for a in answers[:4]] == [PinCheck.WRONG] * 4
    assert answers[4].result is PinCheck.LOCKED
    locked = await rig.verify_pin(IEEE, "4729")
    assert locked.result is PinCheck.LOCKED and locked.attempts_left == 0
    status = await rig.read_pin_status(IEEE)
    assert status.locked and status.attempts_left == 0


async def test_default_pin_is_reported(clock: DeviceClock) -> None:
    device = emulated_device(clock, pin="1234")
    async with served_device(device, "pty") as (_, url), SerialRig() as rig:
        await rig.attach(url)
        assert await rig.pin_is_default(IEEE)


def test_set_pin_is_not_offered() -> None:
    # the privileged PIN change is made over ZigBee by the configuration tool
    assert not isinstance(SerialRig(), PinChange)


async def test_pin_must_be_short_ascii(pty_rig: tuple[SerialRig, ServedPort]) -> None:
    rig, _ = pty_rig
    with pytest.raises(RigError, match="1 to 16 ASCII") as info:
        await rig.verify_pin(IEEE, "12345678901234567")
    assert "12345678901234567" not in str(info.value)


async def test_event_log_is_read_in_pages(pty_rig: tuple[SerialRig, ServedPort]) -> None:
    rig, _ = pty_rig
    for _ in range(40):
        await rig.verify_pin(IEEE, "4729")
    events = await rig.read_event_log(IEEE)
    assert len(events) == 41  # boot + 40 verifications, more than one page of 32
    assert [e.index for e in events] == list(range(41))
    assert (events[0].code, events[0].text) == (1, "boot: device started")
    assert all((e.code, e.text) == (30, "pin-correct") for e in events[1:])
    assert all("4729" not in e.text for e in events)


async def test_image_for_another_device_is_rejected(pty_rig: tuple[SerialRig, ServedPort]) -> None:
    rig, _ = pty_rig
    result = await rig.distribute_image(IEEE, make_ota_image(4096, manufacturer_code=0x9999))
    assert result.status is TransferStatus.REJECTED
    assert "manufacturer 0x9999" in result.reason
    assert await rig.read_held_image(IEEE) is None


async def test_oversized_image_is_rejected_at_offer(clock: DeviceClock) -> None:
    device = emulated_device(clock, max_image_size=8192)
    async with served_device(device, "pty") as (_, url), SerialRig() as rig:
        await rig.attach(url)
        result = await rig.distribute_image(IEEE, make_ota_image(9000))
        assert result.status is TransferStatus.REJECTED
        assert "larger than 8192" in result.reason
        assert result.bytes_sent == 0


async def test_not_an_ota_file_is_rejected(pty_rig: tuple[SerialRig, ServedPort]) -> None:
    rig, _ = pty_rig
    result = await rig.distribute_image(IEEE, b"\x01" * 3000)
    assert result.status is TransferStatus.REJECTED and "not a ZigBee OTA file" in result.reason


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_scenario_over_each_transport(device: DeviceTestPort, transport: str) -> None:
    """The same scenario, unchanged, over a pty, socket:// and rfc2217:// (export subprocess)."""
    async with (
        served_device(device, transport) as (_, url),
        SerialRig(window=8, block_size=1024) as rig,
    ):
        identity = await rig.attach(url)
        assert identity.ieee == IEEE
        image = make_ota_image(64 * 1024)
        result = await rig.distribute_image(IEEE, image, timeout=60)
        assert result.ok, result.reason
        held = await rig.read_held_image(IEEE)
        assert held is not None and held.sha256 == hashlib.sha256(image).digest()
        assert (await rig.activate(IEEE)).status is ActivationStatus.ACTIVATED
        assert (await rig.read_firmware_version(IEEE)).file_version == 0x202
        assert (await rig.verify_pin(IEEE, "1111")).result is PinCheck.WRONG
        assert await rig.read_site_id(IEEE) == SITE_ID

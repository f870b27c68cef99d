"""End to end: zigpy with the emulated radio <-> pty <-> emulator process <-> emulated devices."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from emulated_device_images import NEW_VERSION, digests, image_for

from rigs.capabilities import Firmware, Identity, Pin, PinChange, Power, SiteId
from rigs.emulator import EmulatorProcess
from rigs.link import LinkOpenError
from rigs.operations import (
    ActivationStatus,
    DeviceRole,
    PinCheck,
    PinStatus,
    RigError,
    TransferStatus,
)
from rigs.zigbee import RadioUnavailable, ZigbeeRig, ZigbeeRigConfig, embedded_rig
from rigs.zigbee.rig import application_class

pytestmark = pytest.mark.slow


def _recorder(into: list[tuple[int, int]]) -> Callable[[int, int], None]:
    return lambda done, total: into.append((done, total))


async def test_join_interview_identify() -> None:
    async with embedded_rig() as er:
        rig = er.rig
        for capability in (Identity, Firmware, Pin, PinChange, SiteId):
            assert isinstance(rig, capability), capability.__name__
        assert not isinstance(rig, Power)
        assert rig.ready_devices() == sorted(d["ieee"] for d in er.devices)
        for device in er.devices:
            identity = await rig.identify(device["ieee"])
            assert identity.role.value == device["role"]
            assert identity.manufacturer_code == 0x121D == device["manufacturer_code"]
            assert identity.image_type == device["image_type"]
            assert identity.model == device["model"]
            version = await rig.read_firmware_version(device["ieee"])
            assert (version.file_version, version.build_id) == (0x01000000, "01000000")


async def test_distribute_hold_and_activate_now_on_every_role() -> None:
    async with embedded_rig() as er:
        rig = er.rig
        for role in DeviceRole:
            ieee = er.by_role(role)[0]
            image = image_for(role)
            progress: list[tuple[int, int]] = []
            result = await rig.distribute_image(
                ieee, image, progress=_recorder(progress), timeout=60
            )
            assert result.status is TransferStatus.OK, result.reason
            assert result.bytes_sent == len(image) and result.blocks >= len(image) // 64
            assert progress[-1] == (len(image), len(image))
            assert [p[0] for p in progress] == sorted(p[0] for p in progress)
            held = await rig.read_held_image(ieee)
            assert held is not None
            assert (held.sha256, held.manufacturer_image_sha256) == digests(image)
            assert (held.file_version, held.size) == (NEW_VERSION, len(image))
            assert (await rig.read_firmware_version(ieee)).file_version == 0x01000000
            activation = await rig.activate(ieee)
            assert activation.status is ActivationStatus.ACTIVATED
            assert activation.running is not None and activation.running.build_id == "01020304"
            running = await rig.read_firmware_version(ieee)
            assert (running.file_version, running.build_id) == (NEW_VERSION, "01020304")
            assert await rig.read_held_image(ieee) is None
            again = await rig.activate(ieee)
            assert again.status is ActivationStatus.NO_IMAGE


async def test_activation_at_a_future_time_and_cancel() -> None:
    async with embedded_rig() as er:
        rig = er.rig
        assert rig.emulator_clock is not None
        t0 = dt.datetime(2027, 6, 1, 9, 0, tzinfo=dt.UTC)
        assert abs((await rig.emulator_clock.set(t0)) - t0) < dt.timedelta(seconds=1)
        esme, gsme = er.by_role(DeviceRole.ESME)[0], er.by_role(DeviceRole.GSME)[0]
        for ieee, role in ((esme, DeviceRole.ESME), (gsme, DeviceRole.GSME)):
            assert (await rig.distribute_image(ieee, image_for(role, 8 * 1024))).ok
        at = t0 + dt.timedelta(hours=1)
        scheduled = await rig.activate(esme, at)
        assert scheduled.status is ActivationStatus.SCHEDULED and scheduled.at == at
        assert (await rig.activate(gsme, at)).status is ActivationStatus.SCHEDULED
        assert (await rig.cancel_activation(gsme)).status is ActivationStatus.CANCELLED
        await rig.emulator_clock.advance(3590)
        assert (await rig.read_firmware_version(esme)).file_version == 0x01000000
        await rig.emulator_clock.advance(20)
        assert (await rig.read_firmware_version(esme)).file_version == NEW_VERSION
        assert (await rig.read_firmware_version(gsme)).file_version == 0x01000000
        assert await rig.read_held_image(gsme) is not None


async def test_site_ids() -> None:
    async with embedded_rig() as er:
        rig = er.rig
        mpan = await rig.read_site_id(er.by_role(DeviceRole.ESME)[0])
        assert len(mpan) == 13 and mpan.isdigit()
        assert await rig.read_site_id(er.by_role(DeviceRole.GSME)[0]) == "0007654321"
        with pytest.raises(RigError, match="no cluster 0x0702"):
            await rig.read_site_id(er.by_role(DeviceRole.PPMID)[0])


@pytest.mark.parametrize("kind", ["znp", "emulated"])
async def test_pin_operations_lockout_and_secrecy(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    caplog.set_level(logging.DEBUG)
    trace = tmp_path / "radio.trace"
    async with embedded_rig(trace=trace, kind=kind) as er:
        rig = er.rig
        gsme = er.by_role(DeviceRole.GSME)[0]
        assert await rig.pin_is_default(gsme)
        correct = await rig.verify_pin(gsme, "1234")
        assert (correct.result, correct.attempts_left) == (PinCheck.CORRECT, 5)
        first = await rig.verify_pin(gsme, "9876")
        assert (first.result, first.attempts_left) == (PinCheck.WRONG, 4)
        for _ in range(3):
            await rig.verify_pin(gsme, "9876")
        # The PIN status reads the count without spending an attempt.
        for _ in range(2):
            assert await rig.read_pin_status(gsme) == PinStatus(
                is_default=True, locked=False, attempts_left=1
            )
        locked = await rig.verify_pin(gsme, "9876")
        assert (locked.result, locked.attempts_left) == (PinCheck.LOCKED, 0)
        assert await rig.read_pin_status(gsme) == PinStatus(True, locked=True, attempts_left=0)
        assert (await rig.verify_pin(gsme, "1234")).result is PinCheck.LOCKED
        await rig.set_pin(gsme, "86420135")
        assert not await rig.pin_is_default(gsme)
        assert await rig.read_pin_status(gsme) == PinStatus(False, locked=False, attempts_left=5)
        assert (await rig.verify_pin(gsme, "86420135")).result is PinCheck.CORRECT
        with pytest.raises(RigError) as refused:
            await rig.set_pin(gsme, "12")
        assert "12" not in str(refused.value).replace(gsme, "")
        with pytest.raises(RigError, match="refused"):
            await rig.verify_pin(er.by_role(DeviceRole.PPMID)[0], "1234")
    records = [json.loads(line) for line in trace.read_text().splitlines()[1:]]
    frames = [r for r in records if r.get("hex")]
    # the PIN commands were recorded (engineering cluster 0xFC53 travels as 53 FC) ...
    if kind == "emulated":
        pin_frames = [r for r in frames if r["frame"] == "SEND" and "53fc" in r["hex"]]
    else:  # MT AF_DATA_REQUEST_EXT (cmd0 24, cmd1 02) from the host
        pin_frames = [
            r for r in frames if r["dir"] == "tx" and r["hex"][4:8] == "2402" and "53fc" in r["hex"]
        ]
    assert len(pin_frames) >= 8
    for pin in ("9876", "86420135"):
        # ... but never the PIN: a ZCL character string is its length byte, then the digits
        as_on_air = bytes((len(pin),)) + pin.encode()
        assert all(as_on_air.hex() not in r["hex"] for r in frames)
        assert all(repr(as_on_air)[2:-1] not in rec.getMessage() for rec in caplog.records)
        assert all(as_on_air.hex() not in rec.getMessage() for rec in caplog.records)


async def test_resume_after_reboot_and_lost_blocks(tmp_path: Path) -> None:
    device_file = tmp_path / "devices.toml"
    device_file.write_text("""
[[devices]]
role = "PPMID"
[devices.faults]
reboot_at_offset = 8192
reboot_silent_seconds = 0.3
reboot_keeps_state = true
drop_blocks = [5, 40]

[[devices]]
role = "PPMID"
[devices.faults]
reboot_at_offset = 4096
reboot_silent_seconds = 0.3
reboot_keeps_state = false

[[devices]]
role = "ESME"
[devices.faults]
corrupt_blocks = [20]
""")
    async with embedded_rig(["--device-file", str(device_file)], nudge_interval=0.2) as er:
        rig = er.rig
        kept, lost = er.by_role(DeviceRole.PPMID)
        image = image_for(DeviceRole.PPMID, 16 * 1024)
        results = await asyncio.gather(
            rig.distribute_image(kept, image, timeout=60),
            rig.distribute_image(lost, image, timeout=60),
        )
        for ieee, result in zip((kept, lost), results, strict=True):
            assert result.status is TransferStatus.OK, result.reason
            assert result.resumes >= 1
            held = await rig.read_held_image(ieee)
            assert held is not None and (held.sha256, held.manufacturer_image_sha256) == digests(
                image
            )
        assert results[0].retries >= 2
        state = await rig.emulator_device_state(kept)
        kinds = [e["kind"] for e in state["events"]]
        assert "reboot" in kinds and "download-resumed" in kinds
        resumed_at = [e["detail"] for e in state["events"] if e["kind"] == "download-resumed"]
        assert resumed_at and resumed_at[0] != "at offset 0"
        assert "download-resumed" not in [
            e["kind"] for e in (await rig.emulator_device_state(lost))["events"]
        ]
        # an altered block is held as received: its hash shows it
        esme = er.by_role(DeviceRole.ESME)[0]
        esme_image = image_for(DeviceRole.ESME, 4096)
        assert (await rig.distribute_image(esme, esme_image)).ok
        held = await rig.read_held_image(esme)
        assert held is not None and held.sha256 != digests(esme_image)[0]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("wrong-manufacturer", "manufacturer 0x1234"),
        ("wrong-image-type", "image type 0x0000"),
        ("truncated", "header total size"),
    ],
)
async def test_bad_images_fail_cleanly(name: str, reason: str) -> None:
    good = image_for(DeviceRole.PPMID, 8 * 1024)
    bad = {
        "wrong-manufacturer": image_for(DeviceRole.PPMID, 8 * 1024, manufacturer_code=0x1234),
        "wrong-image-type": image_for(DeviceRole.PPMID, 8 * 1024, image_type=0x0000),
        "truncated": good[:-1000],
    }[name]
    async with embedded_rig(["--esmes", "0", "--gsmes", "0"]) as er:
        rig = er.rig
        ppmid = er.by_role(DeviceRole.PPMID)[0]
        result = await rig.distribute_image(ppmid, bad, timeout=30)
        assert result.status is TransferStatus.REJECTED
        assert "INVALID_IMAGE" in result.reason
        assert reason in (await rig.emulator_device_state(ppmid))["last_refusal"]
        assert await rig.read_held_image(ppmid) is None
        # the device is still usable
        assert (await rig.distribute_image(ppmid, good)).ok


async def test_sixteen_ppmids_concurrently() -> None:
    async with embedded_rig(["--ppmids", "16", "--esmes", "0", "--gsmes", "0"]) as er:
        rig = er.rig
        ppmids = er.by_role(DeviceRole.PPMID)
        assert len(ppmids) == 16
        image = image_for(DeviceRole.PPMID, 8 * 1024)
        results = await asyncio.gather(
            *(rig.distribute_image(i, image, timeout=120) for i in ppmids)
        )
        assert [r.status for r in results] == [TransferStatus.OK] * 16
        held = await asyncio.gather(*(rig.read_held_image(i) for i in ppmids))
        assert all(
            h is not None and (h.sha256, h.manufacturer_image_sha256) == digests(image)
            for h in held
        )


async def test_unreachable_radio_is_one_clear_error() -> None:
    with pytest.raises(LinkOpenError, match="^cannot open /dev/ttyNOPE0: no such port$"):
        await ZigbeeRig.open(ZigbeeRigConfig(path="/dev/ttyNOPE0"))
    with pytest.raises(RadioUnavailable, match="unknown radio type"):
        await ZigbeeRig.open(ZigbeeRigConfig(path="/dev/null", radio="carrier-pigeon"))


@pytest.mark.parametrize("radio", ["ezsp", "znp"])
async def test_real_radio_library_with_a_missing_port(radio: str) -> None:
    pytest.importorskip({"ezsp": "bellows", "znp": "zigpy_znp"}[radio])
    with pytest.raises(LinkOpenError, match="^cannot open /dev/ttyNOPE0: no such port$"):
        await ZigbeeRig.open(ZigbeeRigConfig(path="/dev/ttyNOPE0", radio=radio), timeout=20)


async def test_slow_device_still_serves_every_operation(tmp_path: Path) -> None:
    device_file = tmp_path / "devices.toml"
    device_file.write_text('[[devices]]\nrole = "GSME"\n[devices.faults]\nresponse_delay_ms = 40\n')
    async with embedded_rig(["--device-file", str(device_file)]) as er:
        rig = er.rig
        gsme = er.by_role(DeviceRole.GSME)[0]
        assert (await rig.identify(gsme)).role is DeviceRole.GSME
        assert (await rig.verify_pin(gsme, "1234")).result is PinCheck.CORRECT
        image = image_for(DeviceRole.GSME, 1024)
        assert (await rig.distribute_image(gsme, image, timeout=60)).ok
        assert (await rig.activate(gsme)).status is ActivationStatus.ACTIVATED


async def test_emulator_gone_mid_transfer_fails_cleanly() -> None:
    async with embedded_rig(["--esmes", "0", "--gsmes", "0"], nudge_interval=0.2) as er:
        rig = er.rig
        ppmid = er.by_role(DeviceRole.PPMID)[0]
        image = image_for(DeviceRole.PPMID, 256 * 1024)
        halfway = asyncio.Event()

        def progress(done: int, total: int) -> None:
            if done > total // 4:
                halfway.set()

        transfer = asyncio.create_task(rig.distribute_image(ppmid, image, progress=progress))
        async with asyncio.timeout(30):
            await halfway.wait()
        er.emulator.stop()
        async with asyncio.timeout(30):
            result = await transfer
        assert result.status is TransferStatus.FAILED
        assert "radio link is lost" in result.reason
        assert len(image) // 4 < result.bytes_sent < len(image)
        with pytest.raises(RigError, match="radio link is lost"):
            await rig.read_firmware_version(ppmid)


async def test_rig_over_tcp() -> None:
    async with EmulatorProcess(["--tcp", "127.0.0.1:0", "--esmes", "0", "--gsmes", "0"]) as emu:
        rig = await ZigbeeRig.open(ZigbeeRigConfig(path=emu.radio))
        try:
            await rig.permit_join(30)
            ieee = emu.devices[0]["ieee"]
            await rig.wait_for_devices([ieee], timeout=30)
            assert (await rig.read_firmware_version(ieee)).build_id == "01000000"
            assert (await rig.distribute_image(ieee, image_for(DeviceRole.PPMID, 2048))).ok
        finally:
            await rig.close()


def test_missing_radio_library_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    real_import = importlib.import_module

    def without_bellows(name: str, package: str | None = None) -> object:
        if name.startswith("bellows"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, package)

    monkeypatch.setattr(importlib, "import_module", without_bellows)
    with pytest.raises(RadioUnavailable, match=r"^radio 'ezsp' needs the bellows library \("):
        application_class("ezsp")


async def test_a_second_rig_session_finds_devices_and_their_state() -> None:
    async with EmulatorProcess(["--esmes", "0", "--gsmes", "0"]) as emu:
        ieee = emu.devices[0]["ieee"]
        image = image_for(DeviceRole.PPMID, 2048)
        for session in range(2):
            rig = await ZigbeeRig.open(ZigbeeRigConfig(path=emu.radio))
            try:
                await rig.permit_join(30)
                await rig.wait_for_devices([ieee], timeout=30)
                if session == 0:
                    assert (await rig.distribute_image(ieee, image)).ok
                else:
                    held = await rig.read_held_image(ieee)
                    assert held is not None and held.sha256 == digests(image)[0]
                    assert (await rig.activate(ieee)).status is ActivationStatus.ACTIVATED
            finally:
                await rig.close()


async def test_image_pages_and_minimum_block_period(tmp_path: Path) -> None:
    """A device whose profile fetches with Image Page Requests, and a server that asks for a
    minimum block period: both images arrive whole and are held."""
    device_file = tmp_path / "devices.toml"
    device_file.write_text("""
[profiles.PAGING-ESME]
role = "ESME"
manufacturer = "SMETS1-HIL"
model = "EMU-ESME-P"
manufacturer_code = 0x121D
image_type = 0x0000
hardware_version = 1
max_block = 64
max_image_size = 1048576
file_version = 0x01000000
engineering_pin = true
page_size = 1024
response_spacing = 2

[[devices]]
role = "ESME"
profile = "PAGING-ESME"

[[devices]]
role = "PPMID"
""")
    async with embedded_rig(["--device-file", str(device_file)]) as er:
        rig = er.rig
        esme = er.by_role(DeviceRole.ESME)[0]
        image = image_for(DeviceRole.ESME, 8 * 1024)
        result = await rig.distribute_image(esme, image, timeout=60)
        assert result.status is TransferStatus.OK, result.reason
        paged = rig.last_distribution
        assert paged is not None and paged.pages == 8 and paged.blocks == 128
        held = await rig.read_held_image(esme)
        assert held is not None and (held.sha256, held.manufacturer_image_sha256) == digests(image)

    async with embedded_rig(["--ppmids", "1", "--esmes", "0", "--gsmes", "0"],
                            min_block_period=15) as er:  # fmt: skip
        ppmid = er.by_role(DeviceRole.PPMID)[0]
        image = image_for(DeviceRole.PPMID, 2 * 1024)
        result = await er.rig.distribute_image(ppmid, image, timeout=60)
        assert result.status is TransferStatus.OK, result.reason
        told = er.rig.last_distribution
        assert told is not None and told.waits >= 1 and told.pages == 0
        assert result.seconds >= 31 * 0.015  # 32 blocks at least 15 ms apart
        held = await er.rig.read_held_image(ppmid)
        assert held is not None and held.sha256 == digests(image)[0]

"""Bad lines and bad days: garbage, corruption, truncation, duplicates, reordering, device restarts,
a port that disappears, a device that never answers. The client recovers where the protocol allows
and otherwise fails with a clear error; nothing hangs."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from pathlib import Path

import pytest
from served_devices import (
    IEEE,
    SITE_ID,
    emulated_device,
    make_ota_image,
    mangled_device,
    served_device,
)

from rigs.emulator.clock import DeviceClock
from rigs.emulator.device_test_port import DeviceTestPort
from rigs.impair import Impairment
from rigs.link import LinkClosed, open_link, open_pty_pair
from rigs.operations import PinCheck, RigError, TransferStatus
from rigs.serial import SerialRig, TestPortTimeout
from rigs.serial.client import TestPortClient
from rigs.serial.protocol import Command, Status

pytestmark = pytest.mark.timeout(90)


async def test_garbage_between_frames_is_skipped(device: DeviceTestPort) -> None:
    noise = bytes([0x00, 0x7D, 0x41, 0xFF, 0x13]) * 7

    def with_garbage(frames: list[bytes]) -> list[bytes]:
        out = []
        for frame in frames:
            out += [noise, frame, b"\x7e\x01\x02\x7e"]  # garbage and a too-short frame
        return out

    async with mangled_device(device, with_garbage) as url, SerialRig() as rig:
        await rig.attach(url)
        # garbage towards the device too: straight onto the line before the next request
        client = rig._clients[IEEE]
        await client.link.write(os.urandom(300).replace(b"\x7e", b"\x00") + b"\x7e")
        assert await rig.read_site_id(IEEE) == SITE_ID
        result = await rig.distribute_image(IEEE, make_ota_image(16 * 1024))
        assert result.ok, result.reason
        assert client.stats.bad_frames > 0


async def test_corrupted_lines_both_ways(device: DeviceTestPort) -> None:
    impairment = Impairment(corrupt=0.0005, seed=11)
    async with (
        served_device(device, "pty", impairment=impairment) as (served, url),
        SerialRig(block_size=256, window=8) as rig,
    ):
        await rig.attach(url)
        image = make_ota_image(48 * 1024)
        result = await rig.distribute_image(IEEE, image, timeout=60)
        assert result.ok, result.reason
        assert result.retries > 0
        held = await rig.read_held_image(IEEE)
        assert held is not None and held.sha256 == hashlib.sha256(image).digest()
        responder = served.responders[0]
        assert responder.stats.bad_frames > 0  # the device saw damaged frames and said so


async def test_byte_loss_is_recovered(device: DeviceTestPort) -> None:
    impairment = Impairment(loss=0.002, seed=5)
    async with (
        served_device(device, "pty", impairment=impairment) as (_, url),
        SerialRig(block_size=128, window=8) as rig,
    ):
        await rig.attach(url, timeout=20)
        image = make_ota_image(24 * 1024)
        result = await rig.distribute_image(IEEE, image, timeout=60)
        assert result.ok, result.reason
        assert result.retries > 0
        held = await rig.read_held_image(IEEE, timeout=20)
        assert held is not None and held.sha256 == hashlib.sha256(image).digest()


async def test_truncated_answers_are_retried(device: DeviceTestPort) -> None:
    cut = {"left": 3}

    def truncate_first(frames: list[bytes]) -> list[bytes]:
        out = []
        for frame in frames:
            if cut["left"] > 0 and len(frame) > 6:
                cut["left"] -= 1
                out.append(frame[: len(frame) // 2] + b"\x7e")
            else:
                out.append(frame)
        return out

    async with mangled_device(device, truncate_first) as url, SerialRig() as rig:
        await rig.attach(url)
        assert (await rig.read_firmware_version(IEEE)).file_version == 0x101
        client = rig._clients[IEEE]
        assert client.stats.retransmissions >= 1
        assert client.stats.bad_frames >= 1
        assert cut["left"] == 0


async def test_duplicated_answers_are_harmless(device: DeviceTestPort) -> None:
    async with (
        mangled_device(
            device, lambda frames: [f for frame in frames for f in (frame, frame)]
        ) as url,
        SerialRig() as rig,
    ):
        await rig.attach(url)
        assert (await rig.verify_pin(IEEE, "0000")).attempts_left == 4
        assert (await rig.verify_pin(IEEE, "0000")).attempts_left == 3  # counted once each
        result = await rig.distribute_image(IEEE, make_ota_image(32 * 1024))
        assert result.ok, result.reason
        assert rig._clients[IEEE].stats.unmatched > 0


async def test_out_of_order_answers_are_matched(device: DeviceTestPort) -> None:
    held_back: list[bytes] = []

    def swap_pairs(frames: list[bytes]) -> list[bytes]:
        out = []
        for frame in frames:
            if held_back:
                out += [frame, held_back.pop()]
            else:
                held_back.append(frame)
        return out

    async with mangled_device(device, swap_pairs) as url, SerialRig(window=8) as rig:
        await rig.attach(url, timeout=20)
        image = make_ota_image(32 * 1024)
        result = await rig.distribute_image(IEEE, image, timeout=60)
        assert result.ok, result.reason
        held = await rig.read_held_image(IEEE, timeout=20)
        assert held is not None and held.sha256 == hashlib.sha256(image).digest()


async def test_resume_after_a_device_restart(device: DeviceTestPort) -> None:
    device.reset_after_bytes = 40_000
    async with (
        served_device(device, "pty") as (_, url),
        SerialRig(block_size=512, window=8) as rig,
    ):
        await rig.attach(url)
        image = make_ota_image(64 * 1024)
        result = await rig.distribute_image(IEEE, image)
        assert result.ok, result.reason
        assert result.resumes >= 1
        # resumed from what the device held, not started over
        assert result.bytes_sent < len(image) + 8 * 512 * 2
        held = await rig.read_held_image(IEEE)
        assert held is not None and held.sha256 == hashlib.sha256(image).digest()
        assert device.boot_count == 2
        assert any(e.text == "reboot: state kept" for e in await rig.read_event_log(IEEE))


async def test_an_image_stored_damaged_is_sent_again(device: DeviceTestPort) -> None:
    device.damage_byte_at = 5000  # as if a block had been damaged past the FCS
    async with (
        served_device(device, "pty") as (_, url),
        SerialRig(block_size=1024) as rig,
    ):
        await rig.attach(url)
        image = make_ota_image(16 * 1024)
        result = await rig.distribute_image(IEEE, image)
        assert result.ok, result.reason
        assert result.resumes == 1 and result.bytes_sent == 2 * len(image)
        held = await rig.read_held_image(IEEE)
        assert held is not None and held.sha256 == hashlib.sha256(image).digest()
        events = [e.text for e in await rig.read_event_log(IEEE)]
        assert "image-refused: image SHA-256 does not match the offer" in events


async def test_status_shows_a_partial_image_and_resume_uses_it(
    device: DeviceTestPort,
) -> None:
    image = make_ota_image(40 * 1024)
    device.offer_image(len(image), hashlib.sha256(image).digest())
    device.write_block(0, image[:10_000])
    device.reset()
    async with served_device(device, "pty") as (_, url), SerialRig(block_size=1024) as rig:
        await rig.attach(url)
        status = await rig.read_image_status(IEEE)
        assert (status.size, status.received) == (len(image), 10_000)
        result = await rig.distribute_image(IEEE, image)
        assert result.ok, result.reason
        assert result.bytes_sent == len(image) - 9 * 1024  # from the block holding byte 10000


async def test_port_disappearing_mid_transfer_fails_clearly(device: DeviceTestPort) -> None:
    async with (
        served_device(device, "pty", impairment=Impairment(baud=115200)) as (served, url),
        SerialRig() as rig,
    ):
        await rig.attach(url)
        started = asyncio.Event()

        def progress(done: int, total: int) -> None:
            if done >= 4096:
                started.set()

        transfer = asyncio.create_task(
            rig.distribute_image(IEEE, make_ota_image(64 * 1024), progress=progress)
        )
        await asyncio.wait_for(started.wait(), 20)
        await served.close()
        result = await asyncio.wait_for(transfer, 20)
        assert result.status is TransferStatus.FAILED
        assert "port gone" in result.reason
        with pytest.raises(RigError, match="cannot open .*: no such port"):
            await rig.read_site_id(IEEE)


async def test_a_port_that_comes_back_is_reopened(device: DeviceTestPort, tmp_path: Path) -> None:
    from rigs.serial import serve_on_tcp

    first = await serve_on_tcp(device)
    port = int(first.url.rsplit(":", 1)[1])
    async with SerialRig({IEEE: first.url}, trace_dir=tmp_path) as rig:
        assert await rig.read_site_id(IEEE) == SITE_ID
        await first.close()
        with pytest.raises(RigError, match="connection"):
            await rig.read_site_id(IEEE, timeout=3)
        second = await serve_on_tcp(device, port=port)  # the same address again
        try:
            assert await rig.read_site_id(IEEE) == SITE_ID
        finally:
            await second.close()
    # each opening traces into a file of its own: the first session's frames are kept
    sessions = [
        t for t in tmp_path.glob(f"test-port-{IEEE}*.jsonl") if "READ_SITE_ID" in t.read_text()
    ]
    assert len(sessions) == 2


async def test_port_disappearing_between_requests(device: DeviceTestPort) -> None:
    async with served_device(device, "pty") as (served, url), SerialRig() as rig:
        await rig.attach(url)
        client = rig._clients[IEEE]
        await served.close()
        with pytest.raises(LinkClosed) as info:
            await client.request(Command.READ_SITE_ID, timeout=5)
        assert "port gone" in str(info.value)
        assert "\n" not in str(info.value)


async def test_silent_device_times_out_with_the_last_frames() -> None:
    master, path = open_pty_pair()  # nobody answers on this port
    try:
        link = await open_link(path)
        client = TestPortClient(link)
        client.start()
        try:
            with pytest.raises(TestPortTimeout) as info:
                await client.request(Command.IDENTIFY, timeout=0.6, attempt_timeout=0.2)
            assert "IDENTIFY: no answer after 3 tries" in str(info.value)
            assert info.value.recent_frames and "IDENTIFY" in info.value.recent_frames[-1]
            assert client.stats.retransmissions == 2
        finally:
            await client.close()
    finally:
        await master.close()


async def test_attach_to_a_silent_port_times_out_and_lets_go(tmp_path: Path) -> None:
    master, path = open_pty_pair()
    try:
        async with SerialRig(trace_dir=tmp_path) as rig:
            with pytest.raises(TestPortTimeout, match="IDENTIFY: no answer"):
                await rig.attach(path, timeout=1.0)
            assert rig._clients == {}
        trace = next(tmp_path.iterdir()).read_text()
        assert "IDENTIFY" in trace
    finally:
        await master.close()


async def test_unknown_command_and_bad_version_get_a_status(device: DeviceTestPort) -> None:
    async with served_device(device, "pty") as (_, url):
        link = await open_link(url)
        client = TestPortClient(link)
        client.start()
        try:
            answer = await client.request(0x6E, timeout=5, expect_ok=False)
            assert answer.status == Status.UNKNOWN_COMMAND
            assert "unknown command 0x6E" in answer.error()[1]
            bad = await client.request(Command.IMAGE_OFFER, b"\x00\x01", timeout=5, expect_ok=False)
            assert bad.status == Status.BAD_REQUEST
            block = await client.request(
                Command.IMAGE_BLOCK, b"\x00\x00\x00\x00abc", timeout=5, expect_ok=False
            )
            assert block.status == Status.NO_SESSION
        finally:
            await client.close()


async def test_pin_never_reaches_a_trace(clock: DeviceClock, tmp_path: Path) -> None:
    from rigs.trace import TraceWriter

    pin, wrong = "83927164", "55502914"
    device = emulated_device(clock, pin=pin)
    device_trace = TraceWriter(tmp_path / "device.jsonl")
    async with (
        served_device(device, "pty", trace=device_trace) as (_, url),
        SerialRig(trace_dir=tmp_path / "rig") as rig,
    ):
        await rig.attach(url)
        assert (await rig.verify_pin(IEEE, wrong)).result is PinCheck.WRONG
        assert (await rig.verify_pin(IEEE, pin)).result is PinCheck.CORRECT
        await rig.read_event_log(IEEE)
    device_trace.close()
    files = [tmp_path / "device.jsonl", *sorted((tmp_path / "rig").iterdir())]
    assert len(files) == 2
    for path in files:
        data = path.read_bytes()
        assert b"VERIFY_PIN" in data  # the exchanges are there ...
        for secret in (pin, wrong):
            for form in (
                secret.encode(),
                secret.encode().hex().encode(),
                bytes([len(secret)]) + secret.encode(),
            ):
                assert form not in data, f"{secret} found in {path.name}"  # ... the PINs are not
    rig_trace = files[1].read_text().splitlines()
    assert json.loads(rig_trace[0])["redacted"] is True  # the header says so from the start

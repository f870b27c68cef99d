"""The OTA client state machine of the emulated devices, driven without any transport."""

from __future__ import annotations

import datetime as dt

import pytest
from emulated_device_factory import START, make_device

from rigs.emulator import zcl_frames as zcl
from rigs.emulator.clock import DeviceClock
from rigs.emulator.device import ActivationOutcome
from rigs.emulator.ota_client import BlockRequest, OtaClient, UpgradeEnd, UpgradeStatus
from rigs.emulator.ota_image import build_image, digest

PPMID_MFR, PPMID_TYPE = 0x121D, 0x0084


def image(**overrides: object) -> bytes:
    values: dict[str, object] = {
        "manufacturer_code": PPMID_MFR,
        "image_type": PPMID_TYPE,
        "file_version": 0x01020000,
        "payload": bytes(range(256)) * 4,
    }
    values.update(overrides)
    return build_image(**values)  # type: ignore[arg-type]


def offer(client: OtaClient, data: bytes, size: int | None = None):  # type: ignore[no-untyped-def]
    return client.on_query_response(
        zcl.SUCCESS,
        int.from_bytes(data[10:12], "little"),
        int.from_bytes(data[12:14], "little"),
        int.from_bytes(data[14:18], "little"),
        len(data) if size is None else size,
    )


def serve(client: OtaClient, data: bytes, request, stop_at: int | None = None):  # type: ignore[no-untyped-def]
    """Answer block requests from ``data`` until the client asks for something else."""
    while isinstance(request, BlockRequest):
        if stop_at is not None and request.offset >= stop_at:
            return request
        block = data[request.offset : request.offset + request.max_size]
        request = client.on_block_response(
            zcl.SUCCESS,
            request.manufacturer_code,
            request.image_type,
            request.file_version,
            request.offset,
            block,
        )
    return request


def test_download_is_held_not_run(clock: DeviceClock) -> None:
    device = make_device(clock)
    client = OtaClient(device)
    data = image()
    first = offer(client, data)
    assert isinstance(first, BlockRequest) and first.offset == 0 and first.max_size == 64
    end = serve(client, data, first)
    assert end == UpgradeEnd(zcl.SUCCESS, PPMID_MFR, PPMID_TYPE, 0x01020000)
    assert device.held is not None and device.held.digest == digest(data)
    assert device.running_version == 0x01000000
    assert client.status is UpgradeStatus.DOWNLOAD_COMPLETE


@pytest.mark.parametrize(
    ("data", "size", "reason"),
    [
        (image(manufacturer_code=0x1234), None, "manufacturer 0x1234"),
        (image(image_type=0x0000), None, "image type 0x0000"),
        (image(hardware_versions=(2, 5)), None, "hardware version 1 outside 2..5"),
        (image()[:-100], None, "header total size"),
        (b"\x00" * 4 + image()[4:], None, "bad magic"),
        (image(), 40, "smaller than an OTA header"),
    ],
    ids=["manufacturer", "image-type", "hardware", "truncated", "magic", "tiny"],
)
def test_bad_images_are_refused(
    clock: DeviceClock, data: bytes, size: int | None, reason: str
) -> None:
    device = make_device(clock)
    client = OtaClient(device)
    end = serve(client, data, offer(client, data, size))
    assert isinstance(end, UpgradeEnd) and end.status == zcl.INVALID_IMAGE
    assert reason in client.last_refusal
    assert device.held is None and client.partial is None


def test_resume_from_last_offset_after_abort(clock: DeviceClock) -> None:
    device = make_device(clock)
    client = OtaClient(device)
    data = image()
    pending = serve(client, data, offer(client, data), stop_at=512)
    assert isinstance(pending, BlockRequest) and client.offset == 512
    assert client.on_block_response(zcl.ABORT) is None
    assert not client.downloading and client.offset == 512
    again = offer(client, data)
    assert isinstance(again, BlockRequest) and again.offset == 512
    assert client.resumes == 1
    assert isinstance(serve(client, data, again), UpgradeEnd)
    assert device.held is not None and device.held.digest.sha256 == digest(data).sha256


def test_another_image_restarts_from_zero(clock: DeviceClock) -> None:
    client = OtaClient(make_device(clock))
    serve(client, image(), offer(client, image()), stop_at=256)
    other = image(file_version=0x01030000)
    first = offer(client, other)
    assert isinstance(first, BlockRequest) and first.offset == 0 and client.resumes == 0


def test_stale_and_foreign_blocks_are_ignored(clock: DeviceClock) -> None:
    client = OtaClient(make_device(clock))
    data = image()
    request = offer(client, data)
    assert (
        client.on_block_response(zcl.SUCCESS, PPMID_MFR, PPMID_TYPE, 0x01020000, 64, data[64:128])
        is None
    )
    assert (
        client.on_block_response(zcl.SUCCESS, PPMID_MFR, PPMID_TYPE, 0x09999999, 0, data[:64])
        is None
    )
    assert client.offset == 0 and client.on_block_timeout() == request


def test_reboot_losing_state_drops_partial_and_held(clock: DeviceClock) -> None:
    device = make_device(clock)
    client = OtaClient(device)
    serve(client, image(), offer(client, image()))
    assert device.held is not None
    client.on_reboot(keep_state=False)
    assert device.held is None and client.partial is None
    client2 = OtaClient(make_device(clock))
    serve(client2, image(), offer(client2, image()), stop_at=128)
    client2.on_reboot(keep_state=True)
    assert client2.offset == 128


def held_device(clock: DeviceClock):  # type: ignore[no-untyped-def]
    device = make_device(clock)
    client = OtaClient(device)
    serve(client, image(), offer(client, image()))
    return device, client


def test_upgrade_end_response_wait_now_and_wildcards(clock: DeviceClock) -> None:
    device, client = held_device(clock)
    assert (
        client.on_upgrade_end_response(PPMID_MFR, PPMID_TYPE, 0x01020000, 0, 0xFFFFFFFF)
        is ActivationOutcome.WAITING
    )
    assert client.status is UpgradeStatus.WAITING_TO_UPGRADE
    assert (
        client.on_upgrade_end_response(PPMID_MFR, PPMID_TYPE, 0x7777, 0, 0)
        is ActivationOutcome.NO_IMAGE
    )
    assert device.running_version == 0x01000000
    assert (
        client.on_upgrade_end_response(0xFFFF, 0xFFFF, 0xFFFFFFFF, 0, 0)
        is ActivationOutcome.ACTIVATED
    )
    assert device.running_version == 0x01020000 and device.build_id == "01020000"
    assert device.held is None
    assert (
        client.on_upgrade_end_response(0xFFFF, 0xFFFF, 0xFFFFFFFF, 0, 0)
        is ActivationOutcome.NO_IMAGE
    )


def test_activation_at_a_time_on_the_device_clock(clock: DeviceClock) -> None:
    device, client = held_device(clock)
    at = START + dt.timedelta(hours=1)
    outcome = client.on_upgrade_end_response(0xFFFF, 0xFFFF, 0xFFFFFFFF, 0, zcl.to_zigbee_time(at))
    assert outcome is ActivationOutcome.SCHEDULED and device.activation_at == at
    clock.advance(3590)
    assert not device.tick() and device.running_version == 0x01000000
    clock.advance(20)
    assert device.tick() and device.running_version == 0x01020000


def test_scheduled_activation_can_be_cancelled(clock: DeviceClock) -> None:
    device, client = held_device(clock)
    client.on_upgrade_end_response(
        0xFFFF, 0xFFFF, 0xFFFFFFFF, 0, zcl.to_zigbee_time(START + dt.timedelta(minutes=5))
    )
    client.on_upgrade_end_response(0xFFFF, 0xFFFF, 0xFFFFFFFF, 0, 0xFFFFFFFF)
    clock.advance(3600)
    assert not device.tick() and device.held is not None


def test_a_page_profile_fetches_with_image_page_requests(clock: DeviceClock) -> None:
    import dataclasses

    from rigs.emulator.ota_client import PageRequest
    from rigs.emulator.profiles import builtin_profiles

    profile = dataclasses.replace(builtin_profiles()["PPMID"], page_size=256, response_spacing=5)
    client = OtaClient(make_device(clock, profile=profile))
    data = image()
    request = offer(client, data)
    pages = 0
    while isinstance(request, PageRequest):
        pages += 1
        assert request.page_size == min(256, len(data) - request.offset)
        assert request.response_spacing == 5
        offset, answer = request.offset, None
        end = offset + request.page_size
        while offset < end:  # the server's run of blocks for this page
            block = data[offset : min(offset + request.max_size, end)]
            answer = client.on_block_response(
                zcl.SUCCESS,
                request.manufacturer_code,
                request.image_type,
                request.file_version,
                offset,
                block,
            )
            offset += len(block)
            if offset < end:
                assert answer is None  # no new request in the middle of a page
        request = answer
    assert isinstance(request, UpgradeEnd) and request.status == zcl.SUCCESS
    assert pages == -(-len(data) // 256)
    assert client.device.held is not None


def test_wait_for_data_sets_the_block_period_and_the_wait(clock: DeviceClock) -> None:
    client = OtaClient(make_device(clock))
    offer(client, image())
    assert client.on_block_response(zcl.WAIT_FOR_DATA) is None
    assert client.on_wait_for_data(1000, 1003, 250) == 3
    assert client.on_wait_for_data(1000, 1000, 250) == 0.25
    assert client.min_block_period == 250

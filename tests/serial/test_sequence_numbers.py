"""Sequence numbers: they wrap from 65535 to 1 (never 0), and a new client session is never
answered from what the device remembers of an earlier session that used the same numbers."""

from __future__ import annotations

import pytest
from served_devices import IEEE, PIN, make_ota_image

from rigs.emulator.device_test_port import DeviceTestPort
from rigs.operations import ActivationStatus, PinCheck
from rigs.serial import SerialRig, ServedPort, serve_on_pty
from rigs.serial import client as client_module

pytestmark = pytest.mark.timeout(60)


async def test_numbers_wrap_past_65535_and_every_answer_is_fresh(
    pty_rig: tuple[SerialRig, ServedPort],
) -> None:
    rig, _ = pty_rig
    client = rig._clients[IEEE]
    used: list[int] = []
    submit = client.submit

    def recording_submit(command: int, body: bytes = b"") -> object:
        sent = submit(command, body)
        used.append(sent[0])
        return sent

    client.submit = recording_submit  # type: ignore[assignment,method-assign]
    client._seq = 0xFFFF - 5
    for _ in range(8):
        wrong = await rig.verify_pin(IEEE, "0000")
        assert (wrong.result, wrong.attempts_left) == (PinCheck.WRONG, 4)
        right = await rig.verify_pin(IEEE, PIN)
        assert (right.result, right.attempts_left) == (PinCheck.CORRECT, 5)
    assert used == [65531, 65532, 65533, 65534, 65535, *range(1, 12)]  # 0 is never used
    assert (await rig.read_firmware_version(IEEE)).file_version == 0x101


async def test_a_new_session_with_the_same_numbers_gets_fresh_answers(
    device: DeviceTestPort, monkeypatch: pytest.MonkeyPatch
) -> None:
    # both sessions number their requests from 1, the same requests with the same numbers
    monkeypatch.setattr(f"{client_module.__name__}.secrets.randbelow", lambda _: 0)
    served = await serve_on_pty(device)
    try:
        async with SerialRig() as rig:
            await rig.attach(served.url)
            assert (await rig.read_firmware_version(IEEE)).file_version == 0x101
            assert (await rig.distribute_image(IEEE, make_ota_image(2048))).ok
            assert (await rig.activate(IEEE)).status is ActivationStatus.ACTIVATED
        async with SerialRig() as rig:
            await rig.attach(served.url)
            assert (await rig.read_firmware_version(IEEE)).file_version == 0x202
    finally:
        await served.close()

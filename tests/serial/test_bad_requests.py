"""A well-formed request with values out of range is answered BAD_REQUEST, and the port keeps
answering afterwards (on a pty and on TCP)."""

from __future__ import annotations

import asyncio
import struct

import pytest
from served_devices import served_device

from fastpath import hdlc
from rigs.emulator.device_test_port import DeviceTestPort
from rigs.link import open_link
from rigs.serial.framing import FrameDecoder
from rigs.serial.protocol import NOTICE_CMD, Command, Request, Status, decode_response

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize(
    ("transport", "seconds"),
    [("pty", 2**62), ("pty", -(2**62)), ("pty", 2**63 - 1), ("pty", -(2**63)), ("tcp", 2**62)],
)
async def test_port_answers_after_an_out_of_range_activate(
    device: DeviceTestPort, transport: str, seconds: int
) -> None:
    async with served_device(device, transport) as (_, url):
        link = await open_link(url)
        try:
            frames = FrameDecoder()
            far = Request(Command.ACTIVATE, 2, struct.pack(">Bq", 1, seconds))
            await link.write(hdlc.encode(far.encode()))
            await link.write(hdlc.encode(Request(Command.READ_SITE_ID, 3).encode()))
            answered: list[tuple[int, int, int]] = []
            while len(answered) < 2:
                for payload in frames.feed(await asyncio.wait_for(link.read(), 10)):
                    response = decode_response(payload)
                    if response.command != NOTICE_CMD:
                        answered.append((response.command, response.seq, response.status))
            assert answered == [
                (Command.ACTIVATE, 2, Status.BAD_REQUEST),
                (Command.READ_SITE_ID, 3, Status.OK),
            ]
        finally:
            await link.close()

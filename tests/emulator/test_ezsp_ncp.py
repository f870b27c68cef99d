"""The emulated EmberZNet co-processor's EZSP command set (UG100, protocol version 8), frame by frame."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator

import pytest
from emulated_device_factory import make_device

from rigs.emulator.clock import DeviceClock
from rigs.emulator.coprocessors.air import Air
from rigs.emulator.coprocessors.ezsp.ncp import EzspNcp
from rigs.emulator.coprocessors.link_protocol import LinkProtocolCoProcessor as CoProcessor

VERSION_LEGACY = bytes.fromhex("00 00 00 04")  # seq 0, command, frame ID 0, desired version 4
VERSION_V8 = bytes.fromhex("01 00 01 0000 08")  # extended layout, desired version 8
NETWORK_PARAMS = bytes.fromhex("0102030405060708 3412 08 0F 00 0000 00 00800000")


class Ncp:
    def __init__(self, ncp: EzspNcp, sent: list[bytes]) -> None:
        self.ncp = ncp
        self.sent = sent
        self.seq = 1

    def command(self, frame_id: int, params: bytes = b"") -> list[bytes]:
        """Send one command in the extended layout; every frame the NCP sent for it."""
        self.seq = (self.seq + 1) & 0xFF
        self.sent.clear()
        self.ncp.handle(bytes((self.seq, 0x00, 0x01)) + struct.pack("<H", frame_id) + params)
        return list(self.sent)

    def answer(self, frame_id: int, params: bytes = b"") -> bytes:
        frames = self.command(frame_id, params)
        assert frames[0][:1] == bytes((self.seq,)) and frames[0][1:3] == b"\x80\x01"
        assert struct.unpack_from("<H", frames[0], 3)[0] == frame_id
        return frames[0][5:]


@pytest.fixture
async def ncp(clock: DeviceClock) -> AsyncIterator[Ncp]:
    devices = [make_device(clock)]
    air = Air(devices, clock)
    coprocessor = CoProcessor(air)
    sent: list[bytes] = []
    emulated = EzspNcp(coprocessor, sent.append)
    emulated.handle(VERSION_LEGACY)
    emulated.handle(VERSION_V8)
    yield Ncp(emulated, sent)
    emulated.close()
    air.close()


async def test_version_is_negotiated_in_the_legacy_then_the_extended_layout(
    clock: DeviceClock,
) -> None:
    air = Air([make_device(clock)], clock)
    coprocessor = CoProcessor(air)
    sent: list[bytes] = []
    ncp = EzspNcp(coprocessor, sent.append)
    ncp.handle(bytes.fromhex("05 00 01 2800"))  # getNodeId before any version command
    assert sent.pop() == bytes.fromhex("05 80 01 5800 30")  # invalidCommand, VERSION_NOT_SET
    ncp.handle(VERSION_LEGACY)
    assert sent.pop() == bytes.fromhex("00 80 00 08 02 306A")  # legacy: version 8, mesh, 6.10.3
    ncp.handle(VERSION_V8)
    assert sent.pop() == bytes.fromhex("01 80 01 0000 08 02 306A")
    ncp.handle(bytes.fromhex("02 00 01 2700"))  # getNodeId: the stack is not up
    assert sent.pop() == bytes.fromhex("02 80 01 2700 FEFF")
    ncp.close()
    air.close()


async def test_unknown_command_gets_invalid_command_and_is_counted(ncp: Ncp) -> None:
    frames = ncp.command(0x7FFF)  # no EZSP frame has this ID
    assert frames == [bytes((ncp.seq,)) + bytes.fromhex("80 01 5800 31")]  # INVALID_FRAME_ID
    frames = ncp.command(0x0052)  # getConfigurationValue without its configId
    assert frames[0][3:] == bytes.fromhex("5800 36")  # ERROR_INVALID_VALUE
    assert ncp.ncp.invalid_commands == 2 and ncp.ncp.malformed_commands == 1


async def test_gp_sink_table_clear_all_is_answered_with_no_parameters(ncp: Ncp) -> None:
    """UG100: gpSinkTableClearAll (0x00E2) has no command and no response parameters; an NCP
    built with Green Power (the stock NCP application is) answers it with its own frame ID."""
    frames = ncp.command(0x00E2)
    assert frames == [bytes((ncp.seq,)) + bytes.fromhex("80 01 E200")]
    assert ncp.ncp.invalid_commands == 0 and ncp.ncp.malformed_commands == 0


async def test_form_network_answers_then_reports_network_up(ncp: Ncp) -> None:
    assert ncp.answer(0x0017, b"\x00\x00") == bytes((0x93,))  # networkInit: NOT_JOINED
    key = bytes(range(16))
    state = struct.pack("<H", 0x0304 | 0x0100 | 0x0200) + b"ZigBeeAlliance09" + key + b"\x00" * 9
    assert ncp.answer(0x0068, state) == b"\x00"
    frames = ncp.command(0x001E, NETWORK_PARAMS)
    assert frames[0][3:] == bytes.fromhex("1E00 00")
    # stackStatusHandler(NETWORK_UP) follows the response, with the sequence of that command
    assert frames[1] == bytes((ncp.seq,)) + bytes.fromhex("90 01 1900 90")
    assert ncp.answer(0x0018) == b"\x02"  # networkState: JOINED_NETWORK
    answer = ncp.answer(0x0028)
    assert answer[:2] == b"\x00\x01" and answer[2:] == NETWORK_PARAMS  # coordinator
    network_key = ncp.answer(0x006A, b"\x03")  # getKey(CURRENT_NETWORK_KEY)
    assert network_key[0] == 0 and network_key[4:20] == key
    assert ncp.answer(0x0026) == bytes.fromhex("00 00 00 00 00 7A 13 00")


async def test_device_joins_and_answers_a_unicast(ncp: Ncp) -> None:
    state = struct.pack("<H", 0x0304) + b"ZigBeeAlliance09" + b"\x00" * 25
    ncp.answer(0x0068, state)
    ncp.command(0x001E, NETWORK_PARAMS)
    assert ncp.answer(0x0022, b"\x3c") == b"\x00"  # permitJoining 60 s
    async with asyncio.timeout(2):
        while not any(f[3:5] == b"\x24\x00" for f in ncp.sent):
            await asyncio.sleep(0.005)
    join = next(f for f in ncp.sent if f[3:5] == b"\x24\x00")  # trustCenterJoinHandler
    assert join[5:7] == b"\x01\x10" and join[7:15] == bytes.fromhex("010000 00017A1300")
    # ZDO Node_Desc_req (TSN 9) to 0x1001: response, messageSentHandler, then the device's answer
    aps = struct.pack("<HHBBHHB", 0x0000, 0x0002, 0, 0, 0x0040, 0, 0)
    frames = ncp.command(0x0034, b"\x00\x01\x10" + aps + b"\x07" + bytes.fromhex("03 09 0110"))
    assert frames[0][3:6] == bytes.fromhex("3400 00")
    assert frames[1][3:5] == b"\x3f\x00" and frames[1][5:8] == b"\x00\x01\x10"
    assert frames[1][19:21] == b"\x07\x00"  # tag 7, SUCCESS
    assert frames[1][21:] == b"\x00"  # UG100's default policy: the tag only, no message contents
    incoming = next(f for f in frames[2:] if f[3:5] == b"\x45\x00")
    assert incoming[8:10] == b"\x02\x80"  # cluster Node_Desc_rsp
    assert incoming[19:21] == b"\x01\x10"  # sender 0x1001
    assert incoming[24:26] == b"\x09\x00"  # TSN 9, SUCCESS


async def test_message_sent_handler_carries_the_contents_only_when_the_policy_asks(
    ncp: Ncp,
) -> None:
    """UG100: MESSAGE_CONTENTS_IN_CALLBACK_POLICY (0x04) defaults to the tag only (0x40); with
    MESSAGE_TAG_AND_CONTENTS_IN_CALLBACK (0x41) the callback repeats the message."""
    ncp.command(0x001E, NETWORK_PARAMS)
    aps = struct.pack("<HHBBHHB", 0x0000, 0x0002, 0, 0, 0x0040, 0, 0)
    unicast = b"\x00\x01\x10" + aps + b"\x07" + bytes.fromhex("03 09 0110")
    sent = ncp.command(0x0034, unicast)[1]
    assert sent[3:5] == b"\x3f\x00" and sent[19:] == bytes.fromhex("07 66 00")  # not joined
    assert ncp.answer(0x0055, b"\x04\x41") == b"\x00"  # setPolicy: tag and contents
    sent = ncp.command(0x0034, unicast)[1]
    assert sent[3:5] == b"\x3f\x00" and sent[19:] == bytes.fromhex("07 66 03 09 0110")

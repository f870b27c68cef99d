"""The ``znp`` co-processor kind against unmodified zigpy-znp, and its MT error answers."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
import zigpy_znp.types as znp_t
import zigpy_znp.zigbee.application as znp_app

from fastpath import mt
from rigs.control_client import ControlClient
from rigs.emulator import EmulatorProcess
from rigs.emulator.coprocessors.znp import nv
from rigs.link import Link, open_link

EXPECTED_IEEES = {"00137A0100000001", "00137A0200000001", "00137A0300000001"}


def test_nib_layout_is_what_zigpy_znp_reads_for_a_cc2652() -> None:
    nib = nv.Nib()
    nib.formed(20, 0x1A62, bytes(range(1, 9)), 1 << 20)
    parsed, rest = znp_t.NIB.deserialize(nib.encode(), align=True)
    assert rest == b"" and len(nib.encode()) == 116
    assert (parsed.nwkLogicalChannel, parsed.nwkPanId, parsed.nwkDevAddress) == (20, 0x1A62, 0)
    assert parsed.extendedPANID.serialize() == bytes(range(1, 9)) and parsed.nwkKeyLoaded
    assert parsed.serialize(align=True) == nib.encode()  # the host writes it back unchanged


async def _request(link: Link, decoder: mt.Decoder, cmd0: int, cmd1: int, data: bytes) -> bytes:
    await link.write(mt.encode(cmd0, cmd1, data))
    async with asyncio.timeout(5):
        while True:
            for rcmd0, _rcmd1, rdata in decoder.feed(await link.read()):
                if rcmd0 & 0xE0 == 0x60:
                    return bytes((rcmd0, _rcmd1)) + rdata


@pytest.mark.slow
async def test_unknown_commands_get_the_rpc_error_and_bad_frames_are_counted() -> None:
    async with EmulatorProcess(["--coprocessor", "znp", "--no-test-ports"]) as emulator:
        assert emulator.coprocessor == "znp"
        link = await open_link(emulator.radio)
        decoder = mt.Decoder()
        try:
            corrupted = bytearray(mt.encode(0x21, 0x01))
            corrupted[-1] ^= 0xFF
            await link.write(bytes(corrupted))
            # SYS_PING answers its capabilities
            assert (await _request(link, decoder, 0x21, 0x01, b""))[:2] == b"\x61\x01"
            # an unknown SYS command, an unknown subsystem, a truncated request
            assert await _request(link, decoder, 0x21, 0x7E, b"") == bytes.fromhex("6000 02217E")
            assert await _request(link, decoder, 0x3E, 0x01, b"") == bytes.fromhex("6000 013E01")
            assert await _request(link, decoder, 0x21, 0x13, b"\x01") == bytes.fromhex(
                "6000 042113"
            )
        finally:
            await link.close()
        control = await ControlClient.connect(emulator.control)
        try:
            stats = await control.link_stats()
        finally:
            await control.close()
        assert stats["crc_errors"] == 1
        assert (stats["unknown_commands"], stats["malformed_commands"]) == (2, 1)


class _Joined:
    def __init__(self) -> None:
        self.ieees: set[str] = set()
        self.all = asyncio.Event()

    def device_initialized(self, device: Any) -> None:
        self.ieees.add(str(device.ieee).replace(":", "").upper())
        if EXPECTED_IEEES <= self.ieees:
            self.all.set()


@pytest.mark.slow
async def test_zigpy_znp_forms_sees_devices_join_and_reloads_the_network(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    async with EmulatorProcess(["--coprocessor", "znp", "--no-test-ports"]) as emulator:
        # only what a user writes: the port
        app = znp_app.ControllerApplication({"device": {"path": emulator.radio}})
        joined = _Joined()
        app.add_listener(joined)
        await app.startup(auto_form=True)
        try:
            network = app.state.network_info
            assert app.state.node_info.model == "CC2652"
            await app.permit(60)
            async with asyncio.timeout(30):
                await joined.all.wait()
        finally:
            await app.shutdown()
        # the co-processor's NV keeps the network for the next host
        again = znp_app.ControllerApplication({"device": {"path": emulator.radio}})
        await again.startup(auto_form=False)
        try:
            assert again.state.network_info.pan_id == network.pan_id
            assert again.state.network_info.network_key.key == network.network_key.key
            assert again.state.network_info.extended_pan_id == network.extended_pan_id
        finally:
            await again.shutdown()
        control = await ControlClient.connect(emulator.control)
        try:
            stats = await control.link_stats()
        finally:
            await control.close()
        assert stats["unknown_commands"] == 0 and stats["malformed_commands"] == 0

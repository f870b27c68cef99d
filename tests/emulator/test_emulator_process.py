"""The emulator as a separate process: start-up line, the radio link on a pty or TCP, CRC drops."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest

from fastpath import ash
from rigs.control_client import ControlClient
from rigs.emulator import EmulatorProcess, EmulatorStartError
from rigs.link import Link, open_link
from rigs.protocols import radio_link as rp
from rigs.protocols.radio_link import PacketType as P

pytestmark = pytest.mark.slow


async def exchange(
    link: Link, payload: bytes, decoder: ash.Decoder, *, prefix: bytes = b""
) -> bytes:
    """Send one DATA frame (after ``prefix`` bytes) and return the first DATA frame answering it."""
    await link.write(prefix + ash.encode(0x00, payload, max_data=256))
    async with asyncio.timeout(5):
        while True:
            for control, data in decoder.feed(await link.read()):
                if control & 0x80 == 0 and data[1] == payload[1]:
                    return data


async def reset(link: Link, decoder: ash.Decoder) -> bytes:
    await link.write(bytes((ash.CANCEL,)) + ash.encode(ash.RST))
    async with asyncio.timeout(5):
        while True:
            for control, data in decoder.feed(await link.read()):
                if control == ash.RSTACK:
                    return data


async def test_pty_link_answers_and_counts_crc_errors() -> None:
    async with EmulatorProcess(["--ppmids", "2", "--esmes", "0", "--gsmes", "0"]) as emulator:
        assert emulator.radio.startswith("/dev/")
        assert [d["role"] for d in emulator.devices] == ["PPMID", "PPMID"]
        link = await open_link(emulator.radio)
        decoder = ash.Decoder(max_data=256)
        try:
            assert await reset(link, decoder) == bytes((2, 0x0B))
            corrupted = bytearray(ash.encode(0x00, rp.packet(P.GET_INFO, 7), max_data=256))
            corrupted[1] ^= 0x01
            reply = await exchange(
                link, rp.packet(P.GET_INFO, 8), decoder, prefix=b"noise" + bytes(corrupted)
            )
            assert reply[0] == P.INFO
            info = rp.decode_info(reply[2:])
            assert info.protocol_version == rp.PROTOCOL_VERSION
            control = await ControlClient.connect(emulator.control)
            try:
                stats = await control.link_stats()
            finally:
                await control.close()
            assert stats["crc_errors"] >= 1 and stats["resets"] == 1
            # requests before the network exists are answered, not ignored
            status = await exchange(link, rp.packet(P.START_NETWORK, 10), decoder)
            assert status[0] == P.STATUS and status[2] == rp.Status.NOT_FORMED
            error = await exchange(link, rp.packet(0x77, 11), decoder)  # type: ignore[arg-type]
            assert error[0] == P.ERROR and b"unknown packet type" in error[3:]
        finally:
            await link.close()


async def test_tcp_link() -> None:
    async with EmulatorProcess(["--tcp", "127.0.0.1:0", "--gsmes", "2"]) as emulator:
        assert emulator.radio.startswith("socket://127.0.0.1:")
        assert emulator.coprocessor == "emulated"
        assert [d["role"] for d in emulator.devices] == ["PPMID", "ESME", "GSME", "GSME"]
        link = await open_link(emulator.radio)
        try:
            decoder = ash.Decoder(max_data=256)
            await reset(link, decoder)
            reply = await exchange(link, rp.packet(P.PING, 3), decoder)
            assert reply[0] == P.PONG
        finally:
            await link.close()


def test_stops_cleanly_on_sigterm() -> None:
    emulator = EmulatorProcess().start()
    assert emulator.stop() == 0


def test_bad_options_fail_with_one_line() -> None:
    with pytest.raises(EmulatorStartError, match="status 2: .*--tcp wants HOST:PORT"):
        EmulatorProcess(["--tcp", "nowhere"]).start()


def test_cli_emulate_reports_user_errors() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "harness", "emulate", "--ppmids", "-1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("smets1-hil: error: device counts")
    assert "Traceback" not in proc.stderr


async def test_socketpair_link_answers_and_is_released() -> None:
    async with EmulatorProcess(
        ["--ppmids", "1", "--esmes", "0", "--gsmes", "0", "--no-test-ports"],
        radio_socketpair=True,
    ) as emulator:
        assert emulator.radio.startswith("fd://")
        link = await open_link(emulator.radio)
        decoder = ash.Decoder(max_data=256)
        try:
            assert await reset(link, decoder) == bytes((2, 0x0B))
            reply = await exchange(link, rp.packet(P.GET_INFO, 8), decoder)
            assert reply[0] == P.INFO
        finally:
            await link.close()
        os.fstat(int(emulator.radio[5:]))  # our end stays open: the link closed its duplicate


async def test_radio_tcp_serves_the_first_host_only_and_keeps_test_ports_on_ptys() -> None:
    async with EmulatorProcess(
        ["--ppmids", "1", "--esmes", "0", "--gsmes", "0"], radio_tcp=True
    ) as emulator:
        assert emulator.radio.startswith("socket://127.0.0.1:")
        assert all(d["serial"].startswith("/dev/pts/") for d in emulator.devices)
        link = await open_link(emulator.radio)
        decoder = ash.Decoder(max_data=256)
        try:
            assert await reset(link, decoder) == bytes((2, 0x0B))
            host, port = emulator.radio.removeprefix("socket://").rsplit(":", 1)
            with pytest.raises(ConnectionRefusedError):  # nobody else can take the port over
                await asyncio.open_connection(host, int(port))
            reply = await exchange(link, rp.packet(P.GET_INFO, 9), decoder)
            assert reply[0] == P.INFO
        finally:
            await link.close()


def test_radio_tcp_with_another_radio_port_is_refused() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "harness", "emulate", "--radio-tcp", "127.0.0.1:0", "--tcp",
         "127.0.0.1:0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "give only one of --tcp, --radio-tcp and --radio-fd" in proc.stderr
    assert "Traceback" not in proc.stderr

"""Rigs exported by ser2net (the usual RFC 2217 server on lab hosts) work with our client.

ser2net is a system package (Debian: ser2net); the test skips with that reason where it is absent.
It serves an emulated device's test port (a pty) as RFC 2217 on loopback, and the serial rig
identifies the device and sends it an image through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.bench.transfer import image_for
from rigs.emulator.process import EmulatorProcess
from rigs.operations import TransferStatus
from rigs.serial import SerialRig

SER2NET = shutil.which("ser2net") or (
    "/usr/sbin/ser2net" if Path("/usr/sbin/ser2net").exists() else None
)
pytestmark = pytest.mark.skipif(
    SER2NET is None, reason="ser2net is not installed (Debian package ser2net)"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def ser2net(tmp_path: Path, device_path: str) -> Iterator[int]:
    port = _free_port()
    config = tmp_path / "ser2net.yaml"
    config.write_text(
        "connection: &dut\n"
        f"    accepter: telnet(rfc2217),tcp,127.0.0.1,{port}\n"
        f"    connector: serialdev,{device_path},115200n81,local\n"
    )
    assert SER2NET is not None
    proc = subprocess.Popen(
        [SER2NET, "-n", "-d", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def _wait_listening(port: int, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.05)  # polling a port that is not yet open, bounded above
                continue
            writer.close()
            await writer.wait_closed()
            return


async def test_serial_rig_through_ser2net(tmp_path: Path) -> None:
    async with EmulatorProcess([]) as emulator:
        esme = next(d for d in emulator.devices if d["role"] == "ESME")
        with ser2net(tmp_path, esme["serial"]) as port:
            await _wait_listening(port)
            # a pty has no modem-control lines: ser2net leaves SET_CONTROL unanswered there
            url = f"rfc2217://127.0.0.1:{port}?ign_set_control"
            async with SerialRig(block_size=512, window=4) as rig:
                identity = await rig.attach(url)
                assert identity.ieee == esme["ieee"]
                before = await rig.read_firmware_version(identity.ieee)
                image = image_for(identity, 16 * 1024, 0x7F000001)
                result = await rig.distribute_image(identity.ieee, image, timeout=60)
                assert result.status is TransferStatus.OK, result.reason
                held = await rig.read_held_image(identity.ieee)
                assert held is not None and held.size == len(image)
                assert (await rig.read_firmware_version(identity.ieee)) == before

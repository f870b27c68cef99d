"""Support for the serial test-port tests: the emulator's devices served on real ptys and TCP
ports, OTA images, an RFC 2217 export in a subprocess, and a relay that mangles frames on the line.

The fixtures built on these are in this folder's ``conftest.py``."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import os
import signal
import struct
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from rigs.emulator.clock import DeviceClock
from rigs.emulator.device import EmulatedDevice
from rigs.emulator.device_file import build_config
from rigs.emulator.device_test_port import DeviceTestPort
from rigs.link import Link, LinkClosed, open_link, open_pty_pair
from rigs.serial import ServedPort, serve_on_pty, serve_on_tcp

REPO = Path(__file__).resolve().parents[2]
IEEE = "00124B0001ABCDEF"
MANUFACTURER = 0x121D  # the built-in ESME profile's
IMAGE_TYPE = 0x0000
SITE_ID = "9912345678903"
PIN = "4729"


def make_ota_image(
    size: int,
    *,
    file_version: int = 0x00000202,
    manufacturer_code: int = MANUFACTURER,
    image_type: int = IMAGE_TYPE,
    signed: bool = False,
    seed: int = 1,
) -> bytes:
    """A ZigBee OTA file of exactly ``size`` bytes: 56-byte header, manufacturer image, optional signature."""
    header_length = 56
    body_length = size - header_length - (66 if signed else 0)
    if body_length <= 0:
        raise ValueError("image too small")
    body = (seed.to_bytes(4, "big") * (body_length // 4 + 1))[:body_length]
    body = bytes((b + i * 131) & 0xFF for i, b in enumerate(body))
    header = struct.pack(
        "<IHHHHHIH32sI",
        0x0BEEF11E,
        0x0100,
        header_length,
        0,
        manufacturer_code,
        image_type,
        file_version,
        2,
        b"smets1-hil test image".ljust(32, b"\0"),
        size,
    )
    return header + body + ((b"\x00\x40" + bytes(range(64))) if signed else b"")


START = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


def emulated_device(
    clock: DeviceClock, *, max_image_size: int | None = None, **entry: object
) -> DeviceTestPort:
    """An ESME of the emulator, built as from a device file ``[[devices]]`` entry, seen through
    its test port; ``entry`` overrides the entry's keys."""
    table: dict[str, object] = {
        "role": "ESME",
        "ieee": IEEE,
        "file_version": 0x101,
        "site_id": SITE_ID,
        "pin": PIN,
    }
    table.update(entry)
    spec = build_config({"devices": [table]}, source="test").devices[0]
    if max_image_size is not None:
        spec = dataclasses.replace(
            spec, profile=dataclasses.replace(spec.profile, max_image_size=max_image_size)
        )
    return DeviceTestPort(EmulatedDevice(spec, clock))


@dataclass
class ExportProcess:
    url: str
    process: asyncio.subprocess.Process

    async def stop(self) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), 10)


@contextlib.asynccontextmanager
async def export_process(port_url: str) -> AsyncIterator[ExportProcess]:
    """``smets1-hil export`` of ``port_url`` on 127.0.0.1 in a subprocess."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "harness",
        "export",
        "--port",
        port_url,
        "--listen",
        "127.0.0.1:0",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=str(REPO),
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 20)
        if not line:
            assert process.stderr is not None
            err = await process.stderr.read()
            raise AssertionError(f"export did not start: {err.decode(errors='replace')}")
        info = json.loads(line)
        yield ExportProcess(info["url"], process)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


TRANSPORTS = ["pty", "socket", "rfc2217"]


@contextlib.asynccontextmanager
async def served_device(
    device: DeviceTestPort, transport: str, **kwargs: object
) -> AsyncIterator[tuple[ServedPort, str]]:
    """``device`` served on a pty (optionally behind an RFC 2217 export) or on TCP; yields (served, url)."""
    if transport == "socket":
        served = await serve_on_tcp(device, **kwargs)  # type: ignore[arg-type]
        try:
            yield served, served.url
        finally:
            await served.close()
        return
    served = await serve_on_pty(device, **kwargs)  # type: ignore[arg-type]
    try:
        if transport == "rfc2217":
            async with export_process(served.url) as export:
                yield served, export.url
        else:
            yield served, served.url
    finally:
        await served.close()


FrameFilter = Callable[[list[bytes]], list[bytes]]


class FrameMangler:
    """A relay between a client-side pty and a device link that rewrites the device's frames.

    Bytes from the client pass unchanged; the device's output is cut at flags into frames and
    handed to ``mangle``, whose output goes to the client. It sits on real byte streams.
    """

    def __init__(self, device_link: Link, mangle: FrameFilter) -> None:
        self.device_link = device_link
        self.mangle = mangle
        self.client_side: Link | None = None
        self.url = ""
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> str:
        master, path = open_pty_pair()
        self.client_side = master
        self.url = path
        self._tasks = [asyncio.create_task(self._up()), asyncio.create_task(self._down())]
        return path

    async def _up(self) -> None:
        assert self.client_side is not None
        with contextlib.suppress(LinkClosed):
            while True:
                await self.device_link.write(await self.client_side.read())

    async def _down(self) -> None:
        assert self.client_side is not None
        pending = bytearray()
        with contextlib.suppress(LinkClosed):
            while True:
                pending += await self.device_link.read()
                frames = []
                while True:
                    start = pending.find(b"\x7e")
                    if start < 0:
                        pending.clear()
                        break
                    end = pending.find(b"\x7e", start + 1)
                    if end < 0:
                        del pending[:start]
                        break
                    frames.append(bytes(pending[start : end + 1]))
                    del pending[: end + 1]
                out = self.mangle(frames)
                if out:
                    await self.client_side.write(b"".join(out))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.client_side is not None:
            await self.client_side.close()


@contextlib.asynccontextmanager
async def mangled_device(device: DeviceTestPort, mangle: FrameFilter) -> AsyncIterator[str]:
    """``device`` behind a frame-mangling relay; yields the pty path a client opens."""
    served = await serve_on_pty(device)
    device_side = await open_link(served.url)
    mangler = FrameMangler(device_side, mangle)
    try:
        yield await mangler.start()
    finally:
        await mangler.close()
        await device_side.close()
        await served.close()

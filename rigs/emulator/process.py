"""The emulator process: host the emulated devices and serve their radio link; start it from Python.

``python -m rigs.emulator`` (or ``smets1-hil emulate``) runs :func:`main`. It prints one JSON line
saying where the radio link is and which devices it hosts, e.g.
``{"radio": "/dev/pts/7", "devices": [...], "pid": 4242, "fastpath": "compiled"}``, then serves
until SIGINT or SIGTERM.

:class:`EmulatorProcess` starts that process as a subprocess and reads the JSON line; it is a sync
and an async context manager.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

from rigs.emulator.clock import DeviceClock
from rigs.emulator.coprocessor import CoProcessor
from rigs.emulator.device import EmulatedDevice
from rigs.emulator.device_file import (
    DeviceFileError,
    EmulatorConfig,
    default_config,
    load_device_file,
)
from rigs.emulator.radio_link_server import RadioLinkServer
from rigs.operations import RigError

LOGGER = logging.getLogger(__name__)


class EmulatorStartError(RigError):
    """The emulator process did not come up (the message carries its last words)."""


def device_summary(config: EmulatorConfig) -> list[dict[str, Any]]:
    return [
        {
            "ieee": s.ieee,
            "role": s.profile.role.value,
            "profile": s.profile.name,
            "model": s.profile.model,
            "manufacturer": s.profile.manufacturer,
            "manufacturer_code": s.profile.manufacturer_code,
            "image_type": s.profile.image_type,
            "hardware_version": s.profile.hardware_version,
            "nwk": s.nwk,
        }
        for s in config.devices
    ]


def parse_tcp(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"--tcp wants HOST:PORT, got {value!r}")
    return host or "127.0.0.1", int(port)


async def serve(
    config: EmulatorConfig, *, tcp: tuple[str, int] | None = None, announce: Any = None
) -> None:
    """Run the emulator until SIGINT/SIGTERM; ``announce`` gets the JSON-able start record."""
    import fastpath
    from rigs.link import link_from_streams, open_pty_pair

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    clock = DeviceClock(config.clock_start)
    devices = [EmulatedDevice(spec, clock) for spec in config.devices]
    coprocessor = CoProcessor(devices, clock)
    server = RadioLinkServer(coprocessor)
    tasks: list[asyncio.Task[None]] = []
    tcp_server: asyncio.Server | None = None
    current: list[asyncio.Task[None]] = []
    try:
        if tcp is None:
            link, path = open_pty_pair()
            radio = path
            tasks.append(asyncio.create_task(server.serve(link)))
        else:

            async def _client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
                for old in current:
                    old.cancel()
                peer = writer.get_extra_info("peername")
                client_link = link_from_streams(reader, writer, url=f"tcp-client:{peer}")
                task = asyncio.current_task()
                assert task is not None
                current[:] = [task]
                try:
                    await server.serve(client_link)
                finally:
                    await client_link.close()

            tcp_server = await asyncio.start_server(_client, tcp[0], tcp[1])
            host, port = tcp_server.sockets[0].getsockname()[:2]
            radio = f"socket://{host}:{port}"
        record = {
            "radio": radio,
            "devices": device_summary(config),
            "pid": os.getpid(),
            "fastpath": fastpath.IMPLEMENTATION,
        }
        if announce is not None:
            announce(record)
        await stop.wait()
    finally:
        if tcp_server is not None:
            tcp_server.close()
        for task in tasks + current:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        coprocessor.close()


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    if parser is None:
        parser = argparse.ArgumentParser(prog="smets1-hil emulate")
    parser.add_argument("--device-file", type=Path, help="TOML device file (docs/device-file.md)")
    parser.add_argument("--ppmids", type=int, default=None, help="number of PPMIDs (default 1)")
    parser.add_argument("--esmes", type=int, default=None, help="number of ESMEs (default 1)")
    parser.add_argument("--gsmes", type=int, default=None, help="number of GSMEs (default 1)")
    parser.add_argument(
        "--tcp", metavar="HOST:PORT", help="serve the radio link on a TCP port instead of a pty"
    )
    parser.add_argument(
        "--log-level",
        default="WARNING",
        type=str.upper,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="logging level on stderr (default WARNING)",
    )
    return parser


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    """Raises ValueError / DeviceFileError with a one-line reason."""
    counts = (args.ppmids, args.esmes, args.gsmes)
    if args.device_file is not None:
        if any(c is not None for c in counts):
            raise ValueError("give either --device-file or --ppmids/--esmes/--gsmes, not both")
        return load_device_file(args.device_file)
    values = [1 if c is None else c for c in counts]
    if any(v < 0 or v > 1000 for v in values) or sum(values) == 0:
        raise ValueError("device counts must be 0..1000 and at least one device in all")
    return default_config(*values)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        config = config_from_args(args)
        tcp = parse_tcp(args.tcp) if args.tcp else None
    except (ValueError, DeviceFileError) as exc:
        print(f"smets1-hil emulate: error: {exc}", file=sys.stderr)
        return 2

    def announce(record: dict[str, Any]) -> None:
        print(json.dumps(record), flush=True)

    asyncio.run(serve(config, tcp=tcp, announce=announce))
    return 0


class EmulatorProcess:
    """The emulator as a subprocess: ``with EmulatorProcess() as emu: emu.radio``.

    ``args`` are command-line options of the emulator (e.g. ``["--ppmids", "16"]``); ``env``
    entries are added to the environment (e.g. ``{"SMETS1_HIL_PURE": "1"}``).
    """

    def __init__(
        self,
        args: Sequence[str] = (),
        *,
        env: dict[str, str] | None = None,
        start_timeout: float = 20.0,
    ) -> None:
        self.args = list(args)
        self.env = env
        self.start_timeout = start_timeout
        self.info: dict[str, Any] = {}
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: Any = None

    @property
    def radio(self) -> str:
        return str(self.info["radio"])

    @property
    def devices(self) -> list[dict[str, Any]]:
        return list(self.info["devices"])

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def _last_words(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        text: str = self._stderr.read().decode(errors="replace").strip()
        return text.splitlines()[-1] if text else ""

    def start(self) -> Self:
        env = dict(os.environ)
        if self.env:
            env.update(self.env)
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115  (closed by stop())
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "rigs.emulator", *self.args],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            stdin=subprocess.DEVNULL,
            env=env,
        )
        assert self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        deadline = time.monotonic() + self.start_timeout
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.stop()
                raise EmulatorStartError("emulator did not report its radio link in time")
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                code = self._proc.wait()
                words = self._last_words()
                self.stop()
                raise EmulatorStartError(
                    f"emulator exited with status {code}" + (f": {words}" if words else "")
                )
            line += chunk
        try:
            self.info = json.loads(line.decode())
        except ValueError as exc:
            self.stop()
            raise EmulatorStartError(f"emulator printed something unexpected: {exc}") from None
        return self

    def stop(self, timeout: float = 10.0) -> int | None:
        proc, self._proc = self._proc, None
        code = None
        if proc is not None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    code = proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    code = proc.wait()
            else:
                code = proc.returncode
            if proc.stdout is not None:
                proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        return code

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)

"""Start the emulator as a separate process and learn where it serves its devices.

The host side reaches the emulator only across a process boundary: this module runs
``python -m rigs.emulator`` and reads the one JSON line it prints (its radio link, the devices it
hosts and each device's serial test port; ``docs/device-file.md``). It imports nothing from the
emulator package, so host-side code can start an emulator without loading the emulator's code.
:class:`EmulatorProcess` is a sync and an async context manager.
"""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

from rigs.operations import RigError


class EmulatorStartError(RigError):
    """The emulator process did not come up (the message carries its last words)."""


class EmulatorProcess:
    """The emulator as a subprocess: ``with EmulatorProcess() as emu: emu.radio``.

    ``args`` are command-line options of the emulator (e.g. ``["--ppmids", "16"]``); ``env``
    entries are added to the environment (e.g. ``{"SMETS1_HIL_PURE": "1"}``). Unless
    ``exit_with_parent`` is False, the emulator ends when this process ends, even when this
    process is killed (:mod:`rigs.emulator.parent_watch`). The radio port is a pty unless
    ``radio_socketpair`` (one end of a socketpair, ``fd://N``: for the ``emulated`` kind, whose
    host side opens it as a link) or ``radio_tcp`` (``socket://127.0.0.1:PORT`` on loopback, for
    the first host that connects: what zigpy-znp and bellows open fastest, docs/coprocessors.md).
    """

    def __init__(
        self,
        args: Sequence[str] = (),
        *,
        env: dict[str, str] | None = None,
        start_timeout: float = 20.0,
        exit_with_parent: bool = True,
        radio_socketpair: bool = False,
        radio_tcp: bool = False,
    ) -> None:
        if radio_socketpair and radio_tcp:
            raise ValueError("the radio port is either a socketpair or TCP, not both")
        self.args = list(args)
        self.radio_socketpair = radio_socketpair
        self.radio_tcp = radio_tcp
        self._radio_end: socket.socket | None = None
        self.env = env
        self.start_timeout = start_timeout
        self.exit_with_parent = exit_with_parent
        self.info: dict[str, Any] = {}
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: Any = None

    @property
    def radio(self) -> str:
        """Where the radio link is: a pty path, ``socket://`` URL, or ``fd://N`` (socketpair)."""
        if self._radio_end is not None:
            return f"fd://{self._radio_end.fileno()}"
        return str(self.info["radio"])

    @property
    def control(self) -> str:
        """The control channel's URL (``tcp://127.0.0.1:PORT``)."""
        return str(self.info["control"])

    @property
    def coprocessor(self) -> str:
        """The co-processor kind the radio port speaks (``emulated``, ``ezsp``, ``znp``)."""
        return str(self.info["coprocessor"])

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
        self._spawn()
        return self._read_announcement()

    def _spawn(self) -> None:
        env = dict(os.environ)
        if self.env:
            env.update(self.env)
        # The emulator must run the code this process runs: not a source tree that happens to be
        # the current directory (-P), but the directory this process imported rigs from.
        package_root = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        watch: list[str] = []
        if self.exit_with_parent:
            watch = ["--exit-with-parent", str(os.getpid())]
            if threading.current_thread() is threading.main_thread():
                # the kernel's parent-death signal follows the forking thread: only the main
                # thread lives as long as this process
                watch.append("--parent-death-signal")
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115  (closed by stop())
        radio: list[str] = []
        child: socket.socket | None = None
        if self.radio_socketpair:
            # the radio link over a socketpair: a real byte stream, cheaper per round trip than
            # a pty (docs/links.md); this process keeps one end, the emulator inherits the other
            self._radio_end, child = socket.socketpair()
            radio = ["--radio-fd", str(child.fileno())]
        elif self.radio_tcp:
            radio = ["--radio-tcp", "127.0.0.1:0"]
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-P", "-m", "rigs.emulator", *watch, *radio, *self.args],
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                stdin=subprocess.DEVNULL,
                env=env,
                pass_fds=() if child is None else (child.fileno(),),
            )
        finally:
            if child is not None:
                child.close()

    def _read_announcement(self) -> Self:
        assert self._proc is not None and self._proc.stdout is not None
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
        if self._radio_end is not None:
            self._radio_end.close()  # links opened on it hold their own duplicate
            self._radio_end = None
        return code

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        self._spawn()  # from this thread: see _spawn
        try:
            return await asyncio.to_thread(self._read_announcement)
        except BaseException:
            await asyncio.to_thread(self.stop)
            raise

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)

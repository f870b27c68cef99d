"""The serial rig: identity, firmware, PIN checks and site id for devices reached on their test port.

Each device is reached at a link URL (a serial port, a pty, ``socket://``, ``rfc2217://``).
``attach(url)`` opens the port, asks the device who it is and remembers it by its IEEE address;
after that every operation names the device by IEEE address, as the ZigBee rig does.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Self, TypeVar

from rigs.link import LinkClosed, open_link
from rigs.operations import (
    ActivationResult,
    DeviceIdentity,
    FirmwareVersion,
    HeldImage,
    PinStatus,
    PinVerification,
    ProgressCallback,
    RigError,
    TransferResult,
)
from rigs.serial import bodies
from rigs.serial.client import TestPortClient
from rigs.serial.device import DeviceEvent
from rigs.serial.protocol import MAX_EVENTS_PER_READ, TRACE_DECODER, Command, redact_payload
from rigs.serial.transfer import ImageSender
from rigs.trace import TraceWriter

T = TypeVar("T")

ATTEMPT_TIMEOUT = 0.5
BACKSTOP_S = 1.0


class SerialRig:
    """Devices on test ports. ``ports`` maps IEEE addresses to URLs known in advance."""

    def __init__(
        self,
        ports: Mapping[str, str] | None = None,
        *,
        baudrate: int = 115200,
        block_size: int = 1024,
        window: int = 8,
        trace_dir: Path | None = None,
        open_timeout: float = 5.0,
    ) -> None:
        self._urls: dict[str, str] = {ieee.upper(): url for ieee, url in (ports or {}).items()}
        self._clients: dict[str, TestPortClient] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.baudrate = baudrate
        self.block_size = block_size
        self.window = window
        self.trace_dir = trace_dir
        self.open_timeout = open_timeout
        self.traces: dict[str, Path] = {}

    # --- ports -------------------------------------------------------------------------------

    async def attach(self, url: str, *, timeout: float = 10.0) -> DeviceIdentity:
        """Open ``url``, identify the device there and reach it by its IEEE address from now on."""
        client = await self._open(url, label=_label_of(url))
        try:
            reply = await _within(timeout, client, self._identify_on(client, timeout))
        except BaseException:
            await _discard(client)
            raise
        ieee = reply.identity.ieee
        old = self._clients.pop(ieee, None)
        if old is not None:
            await _discard(old)
        self._urls[ieee] = url
        self._clients[ieee] = client
        client.name = f"{ieee} at {url}"
        return reply.identity

    def trace_path(self, ieee: str) -> Path | None:
        """The trace file of this device's test port (for the evidence), if tracing."""
        client = self._clients.get(ieee.upper())
        if client is None or client.trace is None:
            return None
        return client.trace.path

    def url_of(self, ieee: str) -> str:
        try:
            return self._urls[ieee.upper()]
        except KeyError:
            raise RigError("no test port known for this device", device=ieee) from None

    async def close(self) -> None:
        for client in list(self._clients.values()):
            await _discard(client)
        self._clients.clear()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _open(self, url: str, *, label: str) -> TestPortClient:
        trace = None
        if self.trace_dir is not None:
            path = _unused_path(Path(self.trace_dir), f"test-port-{label}")
            trace = TraceWriter(path, decoder_name=TRACE_DECODER, redact=redact_payload)
            self.traces[label] = path
        try:
            link = await open_link(url, baudrate=self.baudrate, timeout=self.open_timeout)
        except RigError:
            if trace is not None:
                trace.close()
            raise
        client = TestPortClient(link, trace=trace, name=url)
        client.start()
        try:
            await client.open_session()
        except BaseException:
            await _discard(client)
            raise
        return client

    async def _client(self, ieee: str) -> TestPortClient:
        key = ieee.upper()
        client = self._clients.get(key)
        if client is not None and client.alive:
            return client
        if client is not None:
            await _discard(client)
        url = self.url_of(key)
        client = await self._open(url, label=key)
        client.name = f"{key} at {url}"
        self._clients[key] = client
        return client

    async def _run(
        self, ieee: str, timeout: float, work: Callable[[TestPortClient], Awaitable[T]]
    ) -> T:
        lock = self._locks.setdefault(ieee.upper(), asyncio.Lock())
        async with lock:
            client = await self._client(ieee)
            try:
                return await _within(timeout, client, work(client))
            except LinkClosed as exc:
                raise client.error(str(exc)) from None

    async def _ask(
        self, client: TestPortClient, command: Command, body: bytes = b"", *, timeout: float
    ) -> bytes:
        answer = await client.request(
            command, body, timeout=timeout, attempt_timeout=min(ATTEMPT_TIMEOUT, timeout)
        )
        return answer.body

    async def _query(
        self,
        ieee: str,
        command: Command,
        decode: Callable[[bytes], T],
        body: bytes = b"",
        *,
        timeout: float,
    ) -> T:
        """One request to the device and its decoded answer."""

        async def work(client: TestPortClient) -> T:
            return decode(await self._ask(client, command, body, timeout=timeout))

        return await self._run(ieee, timeout, work)

    # --- capabilities -------------------------------------------------------------------------

    async def _identify_on(self, client: TestPortClient, timeout: float) -> bodies.IdentityReply:
        return bodies.decode_identity(await self._ask(client, Command.IDENTIFY, timeout=timeout))

    async def identify(self, ieee: str, *, timeout: float = 10.0) -> DeviceIdentity:
        async def work(client: TestPortClient) -> DeviceIdentity:
            reply = await self._identify_on(client, timeout)
            if reply.identity.ieee != ieee.upper():
                raise RigError(f"the port answers as {reply.identity.ieee}", device=ieee)
            return reply.identity

        return await self._run(ieee, timeout, work)

    async def hello(self, ieee: str, *, timeout: float = 10.0) -> bodies.Hello:
        return await self._query(ieee, Command.HELLO, bodies.decode_hello, timeout=timeout)

    async def distribute_image(
        self,
        ieee: str,
        image: bytes,
        *,
        progress: ProgressCallback | None = None,
        timeout: float = 600.0,
        block_size: int | None = None,
        window: int | None = None,
    ) -> TransferResult:
        if not image:
            raise RigError("refusing to send an empty image", device=ieee)

        async def work(client: TestPortClient) -> TransferResult:
            sender = ImageSender(
                client,
                image,
                block_size=block_size or self.block_size,
                window=window or self.window,
                progress=progress,
            )
            return await sender.run(timeout)

        return await self._run(ieee, timeout + 5.0, work)

    async def read_firmware_version(self, ieee: str, *, timeout: float = 10.0) -> FirmwareVersion:
        return await self._query(
            ieee, Command.READ_FIRMWARE, bodies.decode_firmware, timeout=timeout
        )

    async def read_image_status(self, ieee: str, *, timeout: float = 10.0) -> bodies.ImageStatus:
        return await self._query(
            ieee, Command.IMAGE_STATUS, bodies.decode_image_status, timeout=timeout
        )

    async def read_held_image(self, ieee: str, *, timeout: float = 10.0) -> HeldImage | None:
        return (await self.read_image_status(ieee, timeout=timeout)).held_image()

    async def activate(
        self,
        ieee: str,
        at: dt.datetime | None = None,
        *,
        timeout: float = 30.0,
        expected_sha256: bytes | None = None,
    ) -> ActivationResult:
        """Run the held image now or at ``at``; with ``expected_sha256`` the device checks the
        manufacturer-image hash first (DUIS FirmwareHash)."""
        body = bodies.encode_activate(bodies.ActivateRequest(at, expected_sha256))
        return await self._query(
            ieee, Command.ACTIVATE, bodies.decode_activation, body, timeout=timeout
        )

    async def cancel_activation(self, ieee: str, *, timeout: float = 10.0) -> ActivationResult:
        return await self._query(
            ieee, Command.CANCEL_ACTIVATION, bodies.decode_activation, timeout=timeout
        )

    async def read_site_id(self, ieee: str, *, timeout: float = 10.0) -> str:
        return await self._query(ieee, Command.READ_SITE_ID, bodies.decode_site_id, timeout=timeout)

    async def verify_pin(self, ieee: str, pin: str, *, timeout: float = 10.0) -> PinVerification:
        try:
            body = bodies.encode_pin(pin)
        except (ValueError, UnicodeEncodeError):
            raise RigError("a PIN has 1 to 16 ASCII characters", device=ieee) from None
        return await self._query(
            ieee, Command.VERIFY_PIN, bodies.decode_pin_reply, body, timeout=timeout
        )

    async def read_pin_status(self, ieee: str, *, timeout: float = 10.0) -> PinStatus:
        return await self._query(
            ieee, Command.PIN_STATUS, bodies.decode_pin_status, timeout=timeout
        )

    async def pin_is_default(self, ieee: str, *, timeout: float = 10.0) -> bool:
        # The test port's PIN status always carries the default flag.
        return bool((await self.read_pin_status(ieee, timeout=timeout)).is_default)

    async def read_event_log(self, ieee: str, *, timeout: float = 10.0) -> list[DeviceEvent]:
        async def work(client: TestPortClient) -> list[DeviceEvent]:
            events: list[DeviceEvent] = []
            while True:
                body = bodies.encode_events_request(len(events), MAX_EVENTS_PER_READ)
                total, page = bodies.decode_events(
                    await self._ask(client, Command.READ_EVENTS, body, timeout=timeout)
                )
                events.extend(page)
                if not page or len(events) >= total:
                    return events

        return await self._run(ieee, timeout, work)


async def _within(timeout: float, client: TestPortClient, work: Awaitable[T]) -> T:
    """Run ``work`` with a backstop a little after ``timeout``: the requests inside have their own
    timeouts, which give the better message; this one only guarantees nothing hangs."""
    try:
        return await asyncio.wait_for(work, timeout + BACKSTOP_S)
    except TimeoutError:
        raise client.timed_out(f"no answer within {timeout:g} s") from None


async def _discard(client: TestPortClient) -> None:
    """Close a client and the trace the rig opened for it."""
    await client.close()
    if client.trace is not None:
        client.trace.close()


def _label_of(url: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", url).strip("_") or "port"


def _unused_path(directory: Path, stem: str) -> Path:
    """``stem.jsonl``, or ``stem-2.jsonl``, ... : a reopened port never overwrites its earlier trace."""
    path = directory / f"{stem}.jsonl"
    number = 1
    while path.exists():
        number += 1
        path = directory / f"{stem}-{number}.jsonl"
    return path

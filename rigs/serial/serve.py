"""Serve a test-port device on a real byte stream: a pty (local) or a TCP port (local or remote)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

from rigs.impair import ImpairedLink, Impairment
from rigs.link import Link, link_from_streams, open_pty_pair
from rigs.serial.device import TestPortDevice
from rigs.serial.responder import DEFAULT_WINDOW, TestPortResponder
from rigs.trace import TraceWriter


@dataclass
class ServedPort:
    """A device being served; ``url`` is what a client opens. ``close()`` makes the port go away."""

    url: str
    device: TestPortDevice
    responders: list[TestPortResponder] = field(default_factory=list)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    _links: list[Link] = field(default_factory=list)
    _server: asyncio.AbstractServer | None = None

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for link in self._links:
            await link.close()
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _wrap(link: Link, impairment: Impairment | None) -> Link:
    if impairment is None or impairment.is_clear:
        return link
    return ImpairedLink(link, impairment)


async def serve_on_pty(
    device: TestPortDevice,
    *,
    impairment: Impairment | None = None,
    trace: TraceWriter | None = None,
    max_block: int = 1024,
    window: int = DEFAULT_WINDOW,
) -> ServedPort:
    """Serve ``device`` on a new pty; clients open ``ServedPort.url`` (the slave path)."""
    master, slave_path = open_pty_pair()
    link = _wrap(master, impairment)
    responder = TestPortResponder(device, link, trace=trace, max_block=max_block, window=window)
    served = ServedPort(slave_path, device, responders=[responder], _links=[link])
    served._tasks.add(asyncio.get_running_loop().create_task(responder.serve()))
    return served


async def serve_on_tcp(
    device: TestPortDevice,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    impairment: Impairment | None = None,
    trace_factory: Callable[[], TraceWriter | None] | None = None,
    max_block: int = 1024,
    window: int = DEFAULT_WINDOW,
) -> ServedPort:
    """Serve ``device`` on a TCP port; clients open ``socket://host:port``."""
    served = ServedPort("", device)

    async def _connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        link = _wrap(link_from_streams(reader, writer, url=f"tcp-client:{peer}"), impairment)
        trace = trace_factory() if trace_factory is not None else None
        responder = TestPortResponder(device, link, trace=trace, max_block=max_block, window=window)
        served.responders.append(responder)
        served._links.append(link)
        task = asyncio.current_task()
        if task is not None:
            served._tasks.add(task)
        try:
            await responder.serve()
        finally:
            await link.close()
            if trace is not None:
                trace.close()
            if task is not None:
                served._tasks.discard(task)

    server = await asyncio.start_server(_connected, host, port)
    bound = server.sockets[0].getsockname()
    served.url = f"socket://{bound[0]}:{bound[1]}"
    served._server = server
    return served

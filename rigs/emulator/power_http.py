"""The emulated devices' power switches, served over HTTP the way labgrid's ``simplerest`` power
backend drives a relay board: ``GET /power/<n>/1`` powers device ``n`` (1-based, in the order the
emulator lists them) on, ``/power/<n>/0`` off, and ``GET /power/<n>`` answers ``1`` or ``0``.

So a labgrid exporter can export a ``NetworkPowerPort`` (``model: simplerest``, ``host:
http://HOST:PORT/power/{index}/{value}``, ``index: n``) for each emulated device, and labgrid's
``NetworkPowerDriver`` switches it. Power off: the device goes silent on every port and loses what
its ports held in RAM; power on: it boots the image it runs and keeps the image it holds.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence

from rigs.emulator.zigbee_node import ZigbeeNode

LOGGER = logging.getLogger(__name__)
PATH = re.compile(r"^/power/(\d+)(?:/([01]))?/?$")
MAX_REQUEST = 8192


class PowerControl:
    """Device number (1-based) -> its node's power."""

    def __init__(self, nodes: Sequence[ZigbeeNode]) -> None:
        self.nodes = list(nodes)

    def node(self, number: int) -> ZigbeeNode | None:
        return self.nodes[number - 1] if 1 <= number <= len(self.nodes) else None

    def request(self, method: str, path: str) -> tuple[int, str]:
        """(HTTP status, body) for one request."""
        if method != "GET":
            return 405, "only GET\n"
        match = PATH.match(path)
        if match is None:
            return 404, "expected /power/<device>/<0|1> or /power/<device>\n"
        node = self.node(int(match.group(1)))
        if node is None:
            return 404, f"no device {match.group(1)} (1..{len(self.nodes)})\n"
        value = match.group(2)
        if value == "1":
            node.power_on()
        elif value == "0":
            node.power_off()
        return 200, "1" if node.device.powered else "0"


async def serve_power(control: PowerControl, host: str, port: int) -> asyncio.Server:
    """Serve ``control`` on ``host:port`` (0: any free port)."""

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10.0)
            if len(head) > MAX_REQUEST:
                raise ValueError("request too long")
            method, path, _ = head.split(b"\r\n", 1)[0].decode("ascii").split(" ", 2)
            status, body = control.request(method, path)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, TimeoutError):
            status, body = 400, "bad request\n"
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}
        data = body.encode()
        writer.write(
            f"HTTP/1.1 {status} {reason[status]}\r\nContent-Type: text/plain\r\n"
            f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
            + data
        )
        try:
            await writer.drain()
        finally:
            writer.close()

    return await asyncio.start_server(client, host, port)

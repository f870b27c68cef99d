"""The emulator's control channel: JSON lines on a local TCP socket (:mod:`rigs.control_protocol`).

Every request gets exactly one answer line; a malformed line or an unknown operation is answered
with ``"ok": false`` and a one-line reason, and counted (``refused``), never dropped.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from typing import Any

from rigs import control_protocol as cp
from rigs.control_protocol import ControlError
from rigs.emulator.coprocessors.air import Air
from rigs.protocols.radio_link import ieee_to_bytes

LOGGER = logging.getLogger(__name__)


class ControlServer:
    def __init__(
        self,
        air: Air,
        *,
        info: Callable[[], dict[str, Any]],
        link_stats: Callable[[], dict[str, Any]],
    ) -> None:
        self.air = air
        self._info = info
        self._link_stats = link_stats
        self.requests = 0
        self.refused = 0
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.Task[None]] = set()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen; the channel's URL (``tcp://HOST:PORT``)."""
        self._server = await asyncio.start_server(self._client, host, port, limit=cp.MAX_LINE)
        bound_host, bound_port = self._server.sockets[0].getsockname()[:2]
        return cp.url(bound_host, bound_port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._clients):
            task.cancel()
        await asyncio.gather(*self._clients, return_exceptions=True)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._clients.add(task)
        try:
            while True:
                try:
                    line = await reader.readline()
                except ValueError:  # longer than MAX_LINE
                    writer.write(self._refuse(None, "request line too long"))
                    break
                if not line:
                    break
                writer.write(self.answer(line))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._clients.discard(task)
            writer.close()

    def _refuse(self, request_id: Any, reason: str) -> bytes:
        self.refused += 1
        LOGGER.warning("control request refused: %s", reason)
        return cp.encode({"id": request_id, "ok": False, "error": reason})

    def answer(self, line: bytes) -> bytes:
        """The answer line to one request line."""
        self.requests += 1
        request_id = None
        try:
            request = cp.decode(line)
            request_id = request.get("id")
            result = self._run(str(request.get("op")), request)
        except ControlError as exc:
            return self._refuse(request_id, str(exc))
        except (OverflowError, ValueError) as exc:  # a time the device clock cannot hold
            return self._refuse(request_id, f"out of range: {exc}")
        return cp.encode({"id": request_id, "ok": True, "result": result})

    def _run(self, op: str, request: dict[str, Any]) -> Any:
        clock = self.air.clock
        if op == "info":
            return self._info()
        if op == "clock.now":
            return {"time": cp.time_text(clock.now())}
        if op == "clock.set":
            clock.set(cp.parse_time(request.get("time")))
            return {"time": cp.time_text(clock.now())}
        if op == "clock.advance":
            seconds = request.get("seconds")
            if not isinstance(seconds, int | float) or not math.isfinite(seconds):
                raise ControlError("clock.advance needs 'seconds', a number")
            clock.advance(float(seconds))
            return {"time": cp.time_text(clock.now())}
        if op == "device.state":
            try:
                ieee = ieee_to_bytes(str(request.get("ieee")))
            except ValueError:
                raise ControlError("device.state needs 'ieee', 16 hex digits") from None
            state = self.air.device_state(ieee)
            if state is None:
                raise ControlError("no such device")
            return state
        if op in ("power.get", "power.set", "device.hang"):
            return self._power(op, request)
        if op == "link.stats":
            return {**self._link_stats(), "control_requests": self.requests,
                    "control_refused": self.refused}  # fmt: skip
        raise ControlError(f"unknown operation {op!r} (one of {', '.join(sorted(cp.OPS))})")

    def _power(self, op: str, request: dict[str, Any]) -> dict[str, Any]:
        """A device's power switch (``power.get``/``power.set``) and the hang fault."""
        try:
            ieee = ieee_to_bytes(str(request.get("ieee")))
        except ValueError:
            raise ControlError(f"{op} needs 'ieee', 16 hex digits") from None
        node = self.air.by_ieee.get(ieee)
        if node is None:
            raise ControlError("no such device")
        if op == "power.set":
            on = request.get("on")
            if not isinstance(on, bool):
                raise ControlError("power.set needs 'on', true or false")
            if on:
                node.power_on()
            else:
                node.power_off()
        elif op == "device.hang":
            node.hang()
        device = node.device
        return {"powered": device.powered, "answering": device.answering}

"""Host side of the emulator's control channel (:mod:`rigs.control_protocol`).

client = await ControlClient.connect("tcp://127.0.0.1:40123")
now = await client.clock_advance(3600)
await client.close()
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from typing import Any, Self

from rigs import control_protocol as cp
from rigs.control_protocol import ControlError

__all__ = ["ControlClient", "ControlError"]

TIMEOUT = 10.0


class ControlClient:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, url: str):
        self.url = url
        self._reader = reader
        self._writer = writer
        self._ids = itertools.count(1)
        self._lock = asyncio.Lock()

    @classmethod
    async def connect(cls, url: str, *, timeout: float = TIMEOUT) -> Self:
        """ControlError with a one-line reason if the channel cannot be reached."""
        try:
            host, port = cp.parse_url(url)
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(host, port, limit=cp.MAX_LINE)
        except (ValueError, OSError, TimeoutError) as exc:
            raise ControlError(
                f"cannot reach the emulator's control channel {url}: {exc}"
            ) from None
        return cls(reader, writer, url)

    async def close(self) -> None:
        self._writer.close()
        try:
            await self._writer.wait_closed()
        except OSError:
            pass

    async def call(self, op: str, **args: Any) -> Any:
        """The result of ``op``; ControlError if the emulator refuses it or does not answer."""
        async with self._lock:
            request_id = next(self._ids)
            try:
                async with asyncio.timeout(TIMEOUT):
                    self._writer.write(cp.encode({"id": request_id, "op": op, **args}))
                    await self._writer.drain()
                    line = await self._reader.readline()
            except TimeoutError:
                raise ControlError(f"{op}: no answer from the emulator") from None
            except (OSError, ValueError) as exc:
                raise ControlError(f"{op}: control channel failed: {exc}") from None
        if not line:
            raise ControlError(f"{op}: the emulator closed the control channel")
        answer = cp.decode(line)
        if answer.get("id") != request_id:
            raise ControlError(f"{op}: answer to another request")
        if not answer.get("ok"):
            raise ControlError(f"{op}: {answer.get('error', 'refused')}")
        return answer.get("result")

    async def info(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("info")
        return result

    async def clock_now(self) -> dt.datetime:
        return cp.parse_time((await self.call("clock.now"))["time"])

    async def clock_set(self, moment: dt.datetime) -> dt.datetime:
        if moment.tzinfo is None:
            raise ValueError("the device clock needs a timezone-aware time")
        return cp.parse_time((await self.call("clock.set", time=cp.time_text(moment)))["time"])

    async def clock_advance(self, seconds: float) -> dt.datetime:
        return cp.parse_time((await self.call("clock.advance", seconds=seconds))["time"])

    async def device_state(self, ieee: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("device.state", ieee=ieee)
        return result

    async def power_get(self, ieee: str) -> bool:
        """Whether the device is powered."""
        return bool((await self.call("power.get", ieee=ieee))["powered"])

    async def power_set(self, ieee: str, on: bool) -> bool:
        """Power the device on or off; whether it is powered afterwards."""
        return bool((await self.call("power.set", ieee=ieee, on=on))["powered"])

    async def device_hang(self, ieee: str) -> None:
        """Make the device hang (powered, silent) until its power is cycled."""
        await self.call("device.hang", ieee=ieee)

    async def link_stats(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("link.stats")
        return result

"""Serve the emulated radio link over one byte stream: ASH framing around the co-processor.

Frames that fail their CRC are dropped and counted, as a radio would; there is no ASH-level
retransmission (DATA frames are numbered for traces, never acknowledged). An ASH RST from the host
is answered with RSTACK and starts a new session.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastpath import ash
from rigs.emulator.coprocessor import CoProcessor
from rigs.link import Link, LinkClosed
from rigs.protocols.radio_link import MAX_PACKET as MAX_DATA

LOGGER = logging.getLogger(__name__)

ASH_VERSION = 2
RESET_SOFTWARE = 0x0B


class RadioLinkServer:
    def __init__(self, coprocessor: CoProcessor) -> None:
        self.coprocessor = coprocessor
        self._decoder = ash.Decoder(max_data=MAX_DATA)
        self._frm = 0
        self._pending: list[bytes] = []
        self._wake = asyncio.Event()
        self.resets = 0
        self.unknown_frames = 0
        self.oversized_packets = 0
        coprocessor.link_stats = self.stats

    def stats(self) -> dict[str, Any]:
        s = self._decoder.stats
        return {
            "frames": s.frames,
            "crc_errors": s.crc_errors,
            "discarded": s.discarded,
            "oversized": s.oversized,
            "resets": self.resets,
            "unknown_frames": self.unknown_frames,
            "oversized_packets": self.oversized_packets,
            "rejected_packets": self.coprocessor.rejected_packets,
        }

    def _send(self, payload: bytes) -> None:
        try:
            frame = ash.encode(self._frm << 4, payload, max_data=MAX_DATA)
        except ValueError:
            self.oversized_packets += 1
            LOGGER.error("packet of %d bytes does not fit one ASH frame; dropped", len(payload))
            return
        self._pending.append(frame)
        self._frm = (self._frm + 1) & 7
        self._wake.set()

    async def _writer(self, link: Link) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._pending:
                data = b"".join(self._pending)
                self._pending.clear()
                await link.write(data)

    async def serve(self, link: Link) -> None:
        """Serve one host over ``link`` until the link ends."""
        self._pending.clear()
        self.coprocessor.attach(self._send)
        writer = asyncio.create_task(self._writer(link))
        try:
            while True:
                chunk = await link.read(65536)
                for control, data in self._decoder.feed(chunk):
                    if control & 0x80 == 0:
                        self.coprocessor.handle(data)
                    elif control == ash.RST:
                        self.resets += 1
                        self._frm = 0
                        self._pending.clear()
                        self._pending.append(
                            ash.encode(ash.RSTACK, bytes((ASH_VERSION, RESET_SOFTWARE)))
                        )
                        self._wake.set()
                    else:
                        self.unknown_frames += 1
                if writer.done():
                    writer.result()
        except LinkClosed as exc:
            LOGGER.info("radio link ended: %s", exc)
        finally:
            self.coprocessor.detach()
            writer.cancel()
            try:
                await writer
            except (asyncio.CancelledError, LinkClosed):
                pass

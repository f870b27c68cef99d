"""The test port's HDLC framing on the receiving side: payloads out of a byte stream, with a count
of the damaged frames dropped on the way (both the client and the device side report those)."""

from __future__ import annotations

from fastpath import hdlc
from rigs.serial.protocol import MAX_PAYLOAD


class FrameDecoder:
    """Feed received bytes, get whole payloads; ask how many damaged frames were dropped since."""

    def __init__(self) -> None:
        self._decoder = hdlc.Decoder(max_frame=MAX_PAYLOAD)
        self._damaged_seen = 0

    def feed(self, chunk: bytes) -> list[bytes]:
        return self._decoder.feed(chunk)

    def take_damaged(self) -> int:
        """Frames dropped (FCS error, abort or oversize) since the last call."""
        stats = self._decoder.stats
        damaged = stats.crc_errors + stats.discarded + stats.oversized
        new = damaged - self._damaged_seen
        self._damaged_seen = damaged
        return new

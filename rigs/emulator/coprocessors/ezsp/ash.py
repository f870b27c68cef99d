"""The NCP side of ASH, the EZSP UART data link (Silicon Labs UG101), framed by ``fastpath.ash``.

What UG101 asks of the NCP, as done here:

- **RST / RSTACK**: a RST frame from the host resets the link (and the co-processor's stack, see
  ``on_reset``) and is answered with RSTACK, version 2 and reset code 0x0B (software). A new TCP
  connection gets an unsolicited RSTACK with reset code 0x02 (power-on), as a freshly powered NCP
  sends one.
- **DATA** frames carry ``frmNum`` (the sender's 3-bit frame number), ``ackNum`` (the next frame
  number the sender expects) and ``reTx``. A DATA frame with the expected ``frmNum`` is accepted and
  acknowledged; the acknowledgement rides on the next DATA frame sent, or an ACK frame goes at once.
  A retransmitted frame already received (``reTx`` set, out of sequence) is acknowledged again and
  dropped; any other out-of-sequence frame, and any frame that fails its CRC or is malformed, puts
  the NCP in the *reject condition*: one NAK, then silence until a good in-sequence frame.
- **Window**: at most :data:`TX_K` DATA frames are sent without acknowledgement; more wait.
- **Retransmission**: a NAK from the host, or the acknowledgement timer (``t_rx_ack``) running out,
  sends every unacknowledged frame again, with ``reTx`` set. ``t_rx_ack`` starts at 1.6 s, halves
  towards the measured acknowledgement time (7/8 of itself plus 1/2 of the measured time), doubles
  on each timeout, and stays within 0.4 .. 3.2 s (UG101's values). The time is measured from a
  frame's latest send to its acknowledgement or to a NAK (as bellows' host side measures it), for
  retransmitted frames too: measuring only frames sent once would leave the timer at its 3.2 s
  ceiling on a lossy line, where most frames are sent again and every timeout doubles it. After
  :data:`ACK_TIMEOUTS` timeouts in a row (NAKs are not timeouts) the NCP sends ERROR (code 0x51)
  and waits for a RST.
- The ASH parameters UG101 keeps in manufacturing tokens (``TX_K``, ``ACK_TIMEOUTS``,
  ``T_RX_ACK_INIT/MIN/MAX``) are :class:`AshSettings`; ``smets1-hil emulate --ezsp-ash`` sets them
  (UG101: "you can change these configurations through manufacturing tokens").
- Data fields are randomised (``fastpath.ash.encode`` / ``Decoder``); nRdy from the host is read
  but not honoured (an emulator never runs out of buffers): see docs/coprocessors.md.

Counters (``stats``): frames received and sent, CRC errors, other damaged input, NAKs sent and
received, retransmissions, duplicate frames, acknowledgement timeouts, resets.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastpath import ash
from rigs.ash_timers import parse_settings

LOGGER = logging.getLogger(__name__)

ASH_VERSION = 2
RESET_POWER_ON = 0x02
RESET_SOFTWARE = 0x0B
ERROR_EXCEEDED_MAXIMUM_ACK_TIMEOUT_COUNT = 0x51
TX_K = 3  # our setting: UG101 allows a window of 1 to 7 frames
ACK_TIMEOUTS = 4  # UG101's default
T_RX_ACK_INIT = 1.6
T_RX_ACK_MIN = 0.4
T_RX_ACK_MAX = 3.2
MAX_DATA = ash.MAX_DATA  # UG101: at most 128 bytes of data per frame


@dataclass(frozen=True)
class AshSettings:
    """The NCP's ASH parameters (UG101's values, but the window: our 3 of UG101's 1 to 7)."""

    window: int = TX_K
    ack_timeouts: int = ACK_TIMEOUTS  # 0: never give the link up for timeouts (UG101)
    t_rx_ack_init: float = T_RX_ACK_INIT
    t_rx_ack_min: float = T_RX_ACK_MIN
    t_rx_ack_max: float = T_RX_ACK_MAX

    def __post_init__(self) -> None:
        if not 1 <= self.window <= 7:
            raise ValueError("the ASH window is 1 to 7 frames")
        if self.ack_timeouts < 0:
            raise ValueError("ack_timeouts is 0 (never) or more")
        if not 0 < self.t_rx_ack_min <= self.t_rx_ack_init <= self.t_rx_ack_max:
            raise ValueError("ASH timers need 0 < t_rx_ack_min <= t_rx_ack_init <= t_rx_ack_max")

    @classmethod
    def parse(cls, text: str) -> AshSettings:
        """``"ack_timeouts=0,t_rx_ack_max=1.6"`` (any subset, any order; seconds for timers)."""
        return cls(**parse_settings(text, cls.__dataclass_fields__, {"window", "ack_timeouts"}))


DEFAULT_SETTINGS = AshSettings()


@dataclass
class AshCounters:
    frames_received: int = 0
    frames_sent: int = 0
    data_received: int = 0
    data_sent: int = 0
    crc_errors: int = 0
    damaged: int = 0
    naks_sent: int = 0
    naks_received: int = 0
    retransmissions: int = 0
    duplicates: int = 0
    out_of_sequence: int = 0
    ack_timeouts: int = 0
    resets: int = 0
    errors_sent: int = 0
    oversized_sent: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class _Outgoing:
    frm_num: int
    data: bytes
    sent_at: float = field(default=0.0)  # its latest send


def _between(low: int, value: int, high: int) -> bool:
    """``low <= value <= high`` counting modulo 8 from ``low``."""
    return (value - low) % 8 <= (high - low) % 8


class AshNcp:
    """One ASH link as the NCP sees it.

    ``deliver(frame)`` gets every EZSP frame received in sequence; ``write(data)`` sends bytes to
    the host; ``on_reset()`` runs when the host resets the link. :meth:`feed` takes bytes from the
    host, :meth:`send` queues an EZSP frame for the host.
    """

    def __init__(
        self,
        deliver: Callable[[bytes], None],
        write: Callable[[bytes], None],
        *,
        on_reset: Callable[[], None] = lambda: None,
        settings: AshSettings = DEFAULT_SETTINGS,
    ) -> None:
        self._deliver = deliver
        self._write = write
        self._on_reset = on_reset
        self.settings = settings
        self.window = settings.window
        self.ack_timeouts = settings.ack_timeouts
        self.counters = AshCounters()
        self._decoder = ash.Decoder(max_data=MAX_DATA)
        self._loop = asyncio.get_running_loop()
        self._timer: asyncio.TimerHandle | None = None
        self._clear()

    def _clear(self) -> None:
        self._rx_expected = 0  # ackNum we send: the next frmNum we expect from the host
        self._tx_next = 0  # frmNum of our next new DATA frame
        self._unacked: collections.deque[_Outgoing] = collections.deque()
        self._queue: collections.deque[bytes] = collections.deque()
        self._reject = False
        self._ack_due = False
        self._failed = False
        self._timeouts = 0
        self.t_rx_ack = self.settings.t_rx_ack_init
        self._stop_timer()

    def close(self) -> None:
        self._stop_timer()

    def stats(self) -> dict[str, Any]:
        decoder = self._decoder.stats
        out: dict[str, Any] = self.counters.as_dict()
        out.update(
            crc_errors=decoder.crc_errors,
            damaged=decoder.discarded + decoder.oversized,
            t_rx_ack=round(self.t_rx_ack, 3),
        )
        return out

    # from the host ------------------------------------------------------------------------

    def feed(self, chunk: bytes) -> None:
        """Bytes from the host: frames are handled as they complete, then answers go out."""
        start = 0
        while start < len(chunk):
            end = chunk.find(b"\x7e", start)
            piece = chunk[start:] if end < 0 else chunk[start : end + 1]
            start = len(chunk) if end < 0 else end + 1
            before = self._decoder.stats
            frames = self._decoder.feed(piece)
            after = self._decoder.stats
            damaged = (after.crc_errors - before.crc_errors) + (
                after.discarded - before.discarded + after.oversized - before.oversized
            )
            if damaged:
                self._damaged()
            for control, data in frames:
                self._frame(control, data)
        self._pump()

    def _damaged(self) -> None:
        LOGGER.debug("damaged ASH frame from the host")
        self._nak()

    def _nak(self) -> None:
        if self._reject or self._failed:
            return
        self._reject = True
        self.counters.naks_sent += 1
        self._emit(ash.nak_control(self._rx_expected))

    def _frame(self, control: int, data: bytes) -> None:
        self.counters.frames_received += 1
        try:
            kind, fields = ash.parse_control(control)
        except ValueError:
            self._nak()
            return
        LOGGER.debug("ASH in: %s %s (%d bytes)", kind.value, fields, len(data))
        if kind is ash.FrameKind.RST:
            self.reset_link(RESET_SOFTWARE)
            return
        if self._failed:
            return
        if kind is ash.FrameKind.DATA:
            self._acknowledged(fields["ack_num"])
            self._data(fields["frm_num"], bool(fields["re_tx"]), data)
        elif kind is ash.FrameKind.ACK:
            self._acknowledged(fields["ack_num"])
        elif kind is ash.FrameKind.NAK:
            self.counters.naks_received += 1
            self._acknowledged(fields["ack_num"])
            if self._unacked:
                self._measured(time.monotonic() - self._unacked[0].sent_at)
            self._retransmit()
        # RSTACK and ERROR are the NCP's own frames: a host never sends them

    def _data(self, frm_num: int, re_tx: bool, data: bytes) -> None:
        if frm_num == self._rx_expected:
            self._rx_expected = (frm_num + 1) & 7
            self._reject = False
            self._ack_due = True
            self.counters.data_received += 1
            self._deliver(data)
        elif re_tx:
            self.counters.duplicates += 1
            self._ack_due = True
        else:
            self.counters.out_of_sequence += 1
            self._nak()

    def _acknowledged(self, ack_num: int) -> None:
        """Drop every frame the host's ``ackNum`` acknowledges."""
        if not self._unacked or not _between(self._unacked[0].frm_num, ack_num, self._tx_next):
            return
        now = time.monotonic()
        progressed = False
        while self._unacked and self._unacked[0].frm_num != ack_num:
            frame = self._unacked.popleft()
            progressed = True
            self._measured(now - frame.sent_at)
        if progressed:
            self._timeouts = 0
            self._stop_timer()
            if self._unacked:
                self._start_timer()

    def _measured(self, seconds: float) -> None:
        """Adapt ``t_rx_ack`` to an acknowledgement (or NAK) ``seconds`` after the latest send."""
        settings = self.settings
        self.t_rx_ack = min(
            settings.t_rx_ack_max,
            max(settings.t_rx_ack_min, self.t_rx_ack * 7 / 8 + seconds / 2),
        )

    # to the host --------------------------------------------------------------------------

    def send(self, frame: bytes) -> None:
        """Queue an EZSP frame; it goes out when the window allows."""
        if len(frame) > MAX_DATA:
            self.counters.oversized_sent += 1
            LOGGER.error("EZSP frame of %d bytes does not fit an ASH frame; dropped", len(frame))
            return
        self._queue.append(frame)

    def flush(self) -> None:
        """Send what the window allows now (for frames queued outside :meth:`feed`)."""
        self._pump()

    def reset_link(self, code: int) -> None:
        """Start afresh and tell the host with RSTACK (``code`` is the reset reason)."""
        self.counters.resets += 1
        self._clear()
        self._on_reset()
        self._emit(ash.RSTACK, bytes((ASH_VERSION, code)))

    def _pump(self) -> None:
        if self._failed:
            return
        while self._queue and len(self._unacked) < self.window:
            outgoing = _Outgoing(self._tx_next, self._queue.popleft(), time.monotonic())
            self._tx_next = (self._tx_next + 1) & 7
            self._unacked.append(outgoing)
            self._send_data(outgoing, re_tx=False)
            if self._timer is None:
                self._start_timer()
        if self._ack_due:
            self._ack_due = False
            self._emit(ash.ack_control(self._rx_expected))

    def _send_data(self, outgoing: _Outgoing, *, re_tx: bool) -> None:
        self._ack_due = False
        self.counters.data_sent += 1
        self._emit(ash.data_control(outgoing.frm_num, self._rx_expected, re_tx), outgoing.data)

    def _retransmit(self) -> None:
        now = time.monotonic()
        for outgoing in self._unacked:
            outgoing.sent_at = now
            self.counters.retransmissions += 1
            self._send_data(outgoing, re_tx=True)
        if self._unacked:
            self._stop_timer()
            self._start_timer()

    def _emit(self, control: int, data: bytes = b"") -> None:
        self.counters.frames_sent += 1
        if LOGGER.isEnabledFor(logging.DEBUG):
            kind, fields = ash.parse_control(control)
            LOGGER.debug("ASH out: %s %s (%d bytes)", kind.value, fields, len(data))
        self._write(ash.encode(control, data, max_data=MAX_DATA))

    # timers -------------------------------------------------------------------------------

    def _start_timer(self) -> None:
        self._timer = self._loop.call_later(self.t_rx_ack, self._ack_timeout)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _ack_timeout(self) -> None:
        self._timer = None
        if not self._unacked or self._failed:
            return
        self.counters.ack_timeouts += 1
        self._timeouts += 1
        LOGGER.debug("ASH acknowledgement timeout %d after %.2f s", self._timeouts, self.t_rx_ack)
        if self.ack_timeouts and self._timeouts >= self.ack_timeouts:
            LOGGER.warning("no acknowledgement after %d timeouts: ASH ERROR", self._timeouts)
            self._failed = True
            self.counters.errors_sent += 1
            self._emit(ash.ERROR, bytes((ASH_VERSION, ERROR_EXCEEDED_MAXIMUM_ACK_TIMEOUT_COUNT)))
            return
        self.t_rx_ack = min(self.settings.t_rx_ack_max, self.t_rx_ack * 2)
        self._retransmit()

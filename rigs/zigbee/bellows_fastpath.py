"""``fastpath.ash`` in bellows' ASH receive and transmit path, for the bellows versions tested.

bellows 1.2.1 frames ASH in pure Python: ``AshProtocol.data_received`` scans, unstuffs, checks the
CRC and de-randomises byte by byte, and ``_write_frame`` randomises and stuffs the same way.
:class:`FastAshProtocol` keeps bellows' protocol (acknowledgements, reject condition,
retransmission, timers: everything but the framing) and replaces those two methods with
``fastpath.ash``'s encoder and stream decoder; an in-sequence DATA frame takes bellows'
``frame_received`` and ``data_frame_received`` steps inline (its ``ackNum`` through bellows'
``_handle_ack``; without building a ``DataFrame`` or a debug line per frame), and the DATA frames of one read are
acknowledged once (ASH acknowledgements are cumulative), not with one ACK each: by the next DATA
frame of ours, whose ``ackNum`` carries it, when one goes out within :data:`ACK_DEFER_TURNS` turns
of the event loop (stop-and-wait traffic answers that soon: an OTA block's request is answered
with the next ``sendUnicast``), else by one ACK frame then, or before any other frame sent
meanwhile. :func:`install` makes ``bellows.uart`` build it
instead of ``AshProtocol`` — only for a bellows version in :data:`TESTED_VERSIONS`; any other keeps
bellows' own codec, and :func:`status` says which is in use (``smets1-hil info``, the evidence).

**Sending over a lossy line** (our setting, :data:`ACK_TIMEOUTS` and :data:`MAX_SENDS`): bellows
1.2.1 sends a DATA frame at most 5 times, counting a NAK as it counts an acknowledgement timeout,
and then gives the link up. UG101's ``ACK_TIMEOUTS`` is the "maximum number of consecutive
timeouts allowed while waiting to receive an ACK": a NAK is not a timeout, it shows the NCP is
there and asks for the frame again. :class:`FastAshProtocol` sends a DATA frame as bellows does
(one frame in flight, the same frame number, ``reTx`` set on every resend, the latest ``ackNum``,
bellows' ``t_rx_ack``: 7/8 of itself plus half the measured time on an ACK or NAK, doubled on a
timeout, 0.4 to 3.2 s) but gives the link up only after :data:`ACK_TIMEOUTS` timeouts in a row
(or what a rig file's ``radio.ash`` says: ``ack_timeouts=0``, never) or :data:`MAX_SENDS` sends
of one frame. Why more than UG101's 4: after its NAK an NCP is in the reject condition (UG101: one NAK, then silence until a good in-sequence frame), so a resend that
is damaged again costs a timeout, not a NAK. A ~110-byte DATA frame (an OTA Image Block Response
in ``sendUnicast``) fails a send with probability about 0.3 at 0.3% byte loss (its bytes or its
ACK damaged): bellows' 5 sends lose one such frame in 400 (0.3^5), a few per suite run, and with
it the link; 16 timeouts in a row are 0.3^17, never. At 1% such a frame fails a send about two
times in three, and 16 in a row (0.65^16, one in a thousand) comes within a suite run: a lossy
rig says ``ack_timeouts=0``, and 40 sends (0.65^40) remain the limit. :data:`host_counters`
counts what the host's ASH did (resends, NAKs, timeouts, links given up); the rig puts them in
the evidence.

**Acknowledgements on a lossy line** (our setting, :data:`LOSSY_S`): for :data:`LOSSY_S` seconds
after the host met a damaged frame, a NAK or an acknowledgement timeout, the acknowledgement of a
read goes at once as an ACK frame of its own (as bellows' own protocol always sends it), also when
a DATA frame of ours would carry it: at 1% byte loss a 5-byte ACK frame arrives whole 95% of the
time, a 110-byte ``sendUnicast`` 33%, and an acknowledgement lost with it leaves the NCP sending
its frames again after its timer. **Timer bounds**: ``t_rx_ack`` stays within UG101's
``T_RX_ACK_MIN`` and ``T_RX_ACK_MAX`` (0.4 and 3.2 s, configurable parameters in UG101); a rig
file's ``ash`` key of an ``ezsp`` radio gives other bounds (:mod:`rigs.ash_timers`,
:func:`configure`).

**A send nobody waits for**: bellows sends each DATA frame in a task of its own, shielded from
its caller (a command whose timeout runs out stops waiting; the frame goes on). Its failure then
has nobody to go to, and asyncio logged "Task exception was never retrieved" when the link
closed under it; :meth:`FastAshProtocol.send_data` keeps the task and reads that outcome itself
(``_unawaited_send_ended``: the link closing is the expected end, logged at DEBUG; anything else
is logged as a warning or an error).

One difference in behaviour, on damaged input only: bellows answers a damaged frame with a NAK
when its first byte looks like a DATA frame's control byte; the stream decoder does not keep the
bytes of a damaged frame, so every damaged frame gets bellows' reject (one NAK, then silence
until a good frame). A NAK the NCP did not need only makes it resend what it has not had
acknowledged, which UG101 allows.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from fastpath import ash
from rigs.ash_timers import ACK_TIMEOUTS, UG101_SETTINGS, HostAshSettings
from rigs.zigbee.library_codec import CodecStatus, codec_status, installed_version, keeps_own_codec

LOGGER = logging.getLogger(__name__)

TESTED_VERSIONS = frozenset({"1.2.1"})
ACK_DEFER_TURNS = 6
"""Event-loop turns the acknowledgement of a read waits for a DATA frame to carry it (our
setting: bellows takes five turns from an answer to its next command; UG101 lets the NCP wait
20 ms, T_TX_ACK_DELAY, before a non-piggybacked acknowledgement)."""
LIBRARY = "bellows"

# our settings for sending a DATA frame (module docstring): give the link up after ACK_TIMEOUTS
# acknowledgement timeouts in a row (NAKs are not timeouts; rigs.ash_timers, a rig file may say
# otherwise) or this many sends of one frame
MAX_SENDS = 40
LOSSY_S = 30.0
"""Seconds after the host last met a damaged frame, a NAK or a timeout during which every
acknowledgement goes as an ACK frame of its own (our setting, module docstring)."""


host_settings = UG101_SETTINGS
"""What every FastAshProtocol uses (:func:`configure`)."""


def configure(settings: HostAshSettings) -> None:
    """Set the host's ASH timer bounds for the links opened from now on."""
    global host_settings
    host_settings = settings


__all__ = [
    "ACK_TIMEOUTS",
    "LIBRARY",
    "MAX_SENDS",
    "TESTED_VERSIONS",
    "CodecStatus",
    "HostAshCounters",
    "HostAshSettings",
    "configure",
    "host_counters",
    "install",
    "status",
    "uninstall",
]


@dataclass
class HostAshCounters:
    """What the host's side of ASH did in this process (every FastAshProtocol adds to it)."""

    data_sent: int = 0  # DATA frames sent, resends included
    resends: int = 0  # DATA frames sent again (reTx set)
    naks_received: int = 0  # NAKs that asked for a DATA frame again
    ack_timeouts: int = 0  # acknowledgement timeouts
    links_given_up: int = 0  # DATA frames whose sends ran out: the host gave the link up

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


host_counters = HostAshCounters()


def library_version() -> str | None:
    return installed_version(LIBRARY)


def status() -> CodecStatus:
    """Which ASH codec bellows runs with when :func:`install` has been called."""
    return codec_status(
        LIBRARY,
        library_version(),
        tested_versions=TESTED_VERSIONS,
        framing="ASH",
        fast_codec="fastpath.ash",
    )


_installed = False


def install() -> CodecStatus:
    """Put ``fastpath.ash`` into bellows' ASH path if this bellows version was tested with it."""
    global _installed
    current = status()
    if keeps_own_codec(current, LOGGER) or _installed:
        return current
    import bellows.uart

    bellows.uart.AshProtocol = _fast_protocol_class()
    _installed = True
    return current


def uninstall() -> None:
    """Give bellows back its own ASH codec."""
    global _installed
    if not _installed:
        return
    import bellows.ash
    import bellows.uart

    bellows.uart.AshProtocol = bellows.ash.AshProtocol
    _installed = False


class _AckNum:
    """The one field of a received frame that bellows' ``_handle_ack`` reads."""

    __slots__ = ("ack_num",)

    def __init__(self, ack_num: int) -> None:
        self.ack_num = ack_num


def _fast_protocol_class() -> type[Any]:
    import bellows.ash as bash
    import bellows.types as bt

    reset_codes = {int(code) for code in bt.NcpResetCode}
    exceeded = bt.NcpResetCode.ERROR_EXCEEDED_MAXIMUM_ACK_TIMEOUT_COUNT

    class FastAshProtocol(bash.AshProtocol):  # type: ignore[misc]
        """bellows' ASH protocol with fastpath framing (see the module's docstring)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._timers = host_settings
            super().__init__(*args, **kwargs)
            self._decoder = ash.Decoder(max_data=ash.MAX_DATA_LIMIT)
            self._change_ack_timeout(self._t_rx_ack)
            self._sends: set[asyncio.Task[None]] = set()

        _reading = False  # inside data_received: acknowledgements are merged
        _ack_pending = False
        _lossy_until = float("-inf")  # monotonic time until which ACKs go on their own

        def _change_ack_timeout(self, new_value: float) -> None:
            timers = self._timers
            self._t_rx_ack = max(timers.t_rx_ack_min, min(new_value, timers.t_rx_ack_max))

        def _met_loss(self) -> None:
            """A damaged frame, a NAK or a timeout: the line loses bytes now."""
            self._lossy_until = time.monotonic() + LOSSY_S

        def _lossy(self) -> bool:
            return time.monotonic() < self._lossy_until

        def _send_ack(self) -> None:
            if self._reading:
                # ASH acknowledgements are cumulative: the DATA frames of one read get one ACK
                # (the latest ackNum), written before this read returns, or before any other
                # frame we send meanwhile
                self._ack_pending = True
                return
            super()._send_ack()

        def _flush_ack(self) -> None:
            if self._ack_pending:
                self._ack_pending = False
                super()._send_ack()

        def data_received(self, data: bytes) -> None:
            self._reading = True
            try:
                self._read(data)
            finally:
                self._reading = False
                if self._ack_pending:
                    try:
                        loop = asyncio.get_running_loop()
                    except RuntimeError:  # driven without an event loop: nothing to wait for
                        self._flush_ack()
                    else:
                        if self._lossy():
                            self._flush_ack()  # no DATA frame carries it: a lost one loses it
                        else:
                            loop.call_soon(self._deferred_ack, ACK_DEFER_TURNS)

        def _deferred_ack(self, turns: int) -> None:
            if not self._ack_pending:
                return  # a DATA frame carried it, or it went before another frame
            if self._transport is None or self._transport.is_closing():
                self._ack_pending = False  # the link is gone: nothing to acknowledge on
                return
            if turns > 1:
                asyncio.get_running_loop().call_soon(self._deferred_ack, turns - 1)
                return
            self._flush_ack()

        def _read(self, data: bytes) -> None:
            decoder = self._decoder
            before = decoder.stats
            frames = decoder.feed(data)
            after = decoder.stats
            damaged = (
                after.crc_errors - before.crc_errors + after.oversized - before.oversized
            ) + (after.discarded - before.discarded)
            for control, payload in frames:
                rx_seq = int(self._rx_seq)  # type: ignore[has-type]
                if not control & 0x80 and control >> 4 == rx_seq:
                    # the common case, bellows' frame_received and data_frame_received inlined:
                    # an in-sequence DATA frame, its ackNum first (bellows' _handle_ack)
                    if self._pending_data_frames:
                        self._handle_ack(_AckNum(control & 7))
                    self._rx_seq = (rx_seq + 1) & 7
                    self._send_ack()
                    if self._in_reject_condition:
                        self._clear_reject_condition()
                    self._ezsp_protocol.data_received(payload)
                    continue
                frame = self._frame(control, payload)
                if frame is None:
                    damaged += 1
                else:
                    self.frame_received(frame)
            if damaged:
                self._met_loss()
                self._reject_frame()

        async def send_data(self, data: bytes) -> None:
            """bellows' ``send_data``: the DATA frame goes in a task of its own, shielded from
            the caller's cancellation (bellows: a send "cannot really be cancelled"). When the
            caller stops waiting (a command's timeout), the outcome nobody awaits any more goes
            to :meth:`_unawaited_send_ended` instead of asyncio's "Task exception was never
            retrieved"."""
            frame = bash.DataFrame(frm_num=None, re_tx=None, ack_num=None, ezsp_frame=data)
            task = bash.create_eager_task(self._send_data_frame(frame))
            self._sends.add(task)  # a strong reference while it runs
            task.add_done_callback(self._sends.discard)
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                task.add_done_callback(self._unawaited_send_ended)
                raise

        def _unawaited_send_ended(self, task: asyncio.Task[None]) -> None:
            """A DATA frame whose sender stopped waiting has ended: its failure is read here.
            The link closing under it is the expected end (debug); a link given up or an NCP
            failure is a warning; anything else an error with its traceback."""
            if task.cancelled() or (exc := task.exception()) is None:
                return
            if self._transport is None or self._transport.is_closing():
                LOGGER.debug("ASH DATA frame unacknowledged when the link closed: %r", exc)
            elif isinstance(exc, bash.AshException):
                LOGGER.warning("ASH DATA frame nobody waited for any more not sent: %r", exc)
            else:
                LOGGER.error("ASH DATA frame nobody waited for any more failed", exc_info=exc)

        async def _send_data_frame(self, frame: Any) -> None:
            """Send one DATA frame until it is acknowledged (module docstring: the limits)."""
            counters = host_counters
            async with self._send_data_frame_semaphore:
                if self._ncp_state is bash.NcpState.FAILED:
                    raise bash.NcpFailure(exceeded)
                frm_num = int(self._tx_seq)  # type: ignore[has-type]
                self._tx_seq = (frm_num + 1) % 8
                loop = asyncio.get_running_loop()
                timeouts = sends = 0
                try:
                    while True:
                        re_tx = sends > 0
                        frame = frame.replace(frm_num=frm_num, re_tx=re_tx, ack_num=self._rx_seq)
                        acked = loop.create_future()
                        self._pending_data_frames[frm_num] = acked
                        sent_at = time.monotonic()
                        self._write_frame(frame)
                        sends += 1
                        counters.data_sent += 1
                        counters.resends += re_tx
                        try:
                            async with asyncio.timeout(self._t_rx_ack):
                                await acked
                        except bash.NotAcked:
                            # the NCP asks for the frame again: not a timeout (UG101); for
                            # timing, a NAK counts as an acknowledgement (as in bellows)
                            counters.naks_received += 1
                            self._met_loss()
                            elapsed = time.monotonic() - sent_at
                            self._change_ack_timeout(7 / 8 * self._t_rx_ack + elapsed / 2)
                        except TimeoutError:
                            counters.ack_timeouts += 1
                            timeouts += 1
                            self._met_loss()
                            self._change_ack_timeout(2 * self._t_rx_ack)
                        else:
                            elapsed = time.monotonic() - sent_at
                            self._change_ack_timeout(7 / 8 * self._t_rx_ack + elapsed / 2)
                            return
                        limit = self._timers.ack_timeouts
                        if (limit and timeouts >= limit) or sends >= MAX_SENDS:
                            counters.links_given_up += 1
                            LOGGER.warning(
                                "ASH DATA frame not acknowledged after %d sends (%d timeouts "
                                "in a row): the link is given up",
                                sends,
                                timeouts,
                            )
                            self._enter_failed_state(exceeded)
                            raise bash.NcpFailure(exceeded)
                        if self._ncp_state is bash.NcpState.FAILED:
                            raise bash.NcpFailure(exceeded)
                finally:
                    self._pending_data_frames.pop(frm_num, None)

        @staticmethod
        def _frame(control: int, payload: bytes) -> Any:
            if not control & 0x80:
                return bash.DataFrame(
                    frm_num=control >> 4 & 7,
                    re_tx=control >> 3 & 1,
                    ack_num=control & 7,
                    ezsp_frame=payload,
                )
            kind = control & 0xE0
            if kind in (0x80, 0xA0):
                frame_type = bash.AckFrame if kind == 0x80 else bash.NakFrame
                return frame_type(
                    res=control >> 4 & 1, ncp_ready=control >> 3 & 1, ack_num=control & 7
                )
            if control == ash.RST and not payload:
                return bash.RstFrame()
            if control in (ash.RSTACK, ash.ERROR):
                if len(payload) != 2 or payload[0] != 2 or payload[1] not in reset_codes:
                    return None
                frame_type = bash.RStackFrame if control == ash.RSTACK else bash.ErrorFrame
                return frame_type(version=payload[0], reset_code=bt.NcpResetCode(payload[1]))
            return None

        def _write_frame(
            self,
            frame: Any,
            *,
            prefix: tuple[int, ...] = (),
            suffix: tuple[int, ...] = (ash.FLAG,),
        ) -> None:
            if self._transport is None or self._transport.is_closing():
                raise bash.NcpFailure("Transport is closed, cannot send frame")
            if self._ack_pending and not isinstance(frame, bash.AckFrame):
                if (
                    isinstance(frame, bash.DataFrame)
                    and frame.ack_num == self._rx_seq
                    and not self._lossy()
                ):
                    self._ack_pending = False  # the DATA frame carries the acknowledgement
                else:
                    self._flush_ack()  # the merged ACK keeps its place before what follows
            if isinstance(frame, bash.DataFrame):
                wire = ash.encode(
                    ash.data_control(frame.frm_num, frame.ack_num, bool(frame.re_tx)),
                    frame.ezsp_frame,
                    max_data=ash.MAX_DATA_LIMIT,
                )
            elif isinstance(frame, bash.AckFrame | bash.NakFrame):
                base = 0x80 if isinstance(frame, bash.AckFrame) else 0xA0
                control = base | frame.res << 4 | frame.ncp_ready << 3 | frame.ack_num
                wire = ash.encode(control)
            elif isinstance(frame, bash.RstFrame):
                wire = ash.encode(ash.RST)
            else:
                control = ash.RSTACK if isinstance(frame, bash.RStackFrame) else ash.ERROR
                wire = ash.encode(control, bytes((frame.version, frame.reset_code)))
            if tuple(suffix) != (ash.FLAG,):
                wire = wire[:-1] + bytes(suffix)
            self._transport.write(bytes(prefix) + wire)

    return FastAshProtocol

# zigpy-znp is untyped: its API class and command types are Any to strict mypy.
# mypy: disable-error-code="misc,no-any-return"
"""Re-issuing an MT request whose answer was lost, for the zigpy-znp versions tested.

Z-Stack's MT over UART has no retransmission: a frame with a bad FCS is dropped by the receiver,
and zigpy-znp 1.1.x sends each synchronous request (SREQ) once and waits ``sync_request_timeout``
for its answer (SRSP), so one byte lost on the port fails whatever the request was part of —
start-up included. :class:`RetryingZnp` (zigpy-znp's ``ZNP`` with two methods wrapped) sends a
request again when its SRSP does not come in time, up to :data:`ATTEMPTS` times:

- a request that only has an SRSP is sent again. Where the answer to a repeat says the earlier
  attempt already did the work (:data:`DONE_BEFORE`: an NV item created or deleted, an endpoint
  registered), that answer counts as the expected one;
- a request answered by an SRSP and then a callback (``AF_DATA_REQUEST_EXT`` and its
  ``AF_DATA_CONFIRM``, ...) is sent again only when neither came: a callback proves the request
  was carried out, whatever became of its SRSP. A reset (no SRSP, ``SYS_RESET_IND``), a network
  formation (``APP_CNF_BDB_COMMISSIONING_NOTIFICATION``) and a permit-join (``ZDO_MGMT_PERMIT_JOIN_RSP``),
  harmless to repeat, are also sent again when their callback has not come within
  :data:`CALLBACK_WAIT_S`.

A lost byte inside a frame leaves the receiver waiting for the rest of it, and the frames that
follow make up its length and are lost with it. Before a request goes again, the host's decoder
forgets any frame it has begun (``FastMtProtocol.resync``) and 256 fill bytes go to the
co-processor: they complete a frame it may be waiting for, which then fails its FCS, and are
skipped while it hunts for the next start of frame, as zigpy-znp's own 256 bootloader-skip bytes
are at connect. The fill byte is chosen for the request that goes again (:func:`resync_fill`):
with a fixed fill, a request that lost one byte could be completed into a frame whose FCS
matches (with zeros: whenever the byte lost was a zero, which MT frames are full of), and the
co-processor would act on a damaged request — an NV read at a wrong offset, an NV write of wrong
data. The chosen byte completes no copy of the request with any one byte lost into a valid frame.

A repeat can do the work twice when only the answers were lost (the frame goes over the air
twice): the device sees what a lost ZigBee acknowledgement would also give it. :func:`connect`
builds this class instead of ``ZNP`` only for a version in :data:`TESTED_VERSIONS`; another
version keeps zigpy-znp's own single attempt (:func:`active` says which).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter, deque
from typing import Any

from fastpath import mt
from rigs.zigbee.library_codec import installed_version

LOGGER = logging.getLogger(__name__)

LIBRARY = "zigpy-znp"
TESTED_VERSIONS = frozenset({"1.1.1"})
ATTEMPTS = 25  # sends of one request at most (our setting)
# our default for zigpy-znp's sync_request_timeout (its own: 15 s): Z-Stack answers an SREQ as
# soon as it has handled it (milliseconds for every command zigpy-znp sends; the emulator's within
# one loop turn), so an SRSP not here after this long was lost on the port
SYNC_REQUEST_TIMEOUT_S = 0.5
# within it, an SRSP is waited for this many times the 90th percentile of the last SRSP_WINDOW
# SRSP times, and at least SRSP_WAIT_MIN_S (our settings): the emulator answers in a millisecond
# or two, a CC2652 at 115200 baud in a few; a loaded host stretches both. A percentile, not the
# slowest: one SRSP held up by the host (measured: 193 ms among 80 of 0.7 to 1.1 ms at 1% loss)
# kept a maximum's wait at its ceiling for a hundred requests, and each lost request then cost
# the whole ceiling
SRSP_WAIT_FACTOR = 10.0
SRSP_WINDOW = 64
SRSP_QUANTILE = 0.9
SRSP_WAIT_MIN_S = 0.15
# an AF_DATA_CONFIRM after a SUCCESS SRSP is waited for this many times the slowest seen lately
# (decaying by CONFIRM_DECAY per confirm), within these bounds (our settings; the upper one is
# zigpy-znp 1.1.1's own DATA_CONFIRM_TIMEOUT)
CONFIRM_WAIT_FACTOR = 4.0
CONFIRM_DECAY = 0.9
CONFIRM_WAIT_MIN_S = 0.5
CONFIRM_WAIT_MAX_S = 8.0
# MT's longest frame is 255 bytes: this many bytes that are not SOF finish whatever frame the
# co-processor is still waiting to complete (it fails its FCS) and are then skipped while it
# hunts for the next SOF, so the repeat is read from its start
RESYNC_FILL = bytes(256)
FILL_LENGTH = len(RESYNC_FILL)
FILL_TRIES = 8  # constant fills, then as many pseudo-random ones, tried for a request
CALLBACK_WAIT_S = 5.0  # a reset, a formation or a permit-join answered within this (our setting)

RECOVERY_COUNTERS = ("requests_sent_again", "confirms_lost", "damaged_requests_refused")
OTA_CLUSTER = 0x0019
# OTA Upgrade commands a server sends that a device takes as often as they come (ZCL OTA,
# 11.13): Image Notify, Query Next Image Response, Image Block Response. A device keeps only a
# block at the offset it has reached and asks again for what it lacks, so a second copy of one
# of these changes nothing; an Upgrade End Response (it schedules the upgrade) is not among them
REPEATABLE_OTA_COMMANDS = frozenset({0x00, 0x02, 0x05})


def repeatable(cluster: int, data: bytes) -> bool:
    """True if a second copy of this ZCL frame (``data``, sent to ``cluster``) is harmless to the
    device, so that its AF data request goes again at once when its SRSP is lost instead of
    waiting for its AF_DATA_CONFIRM first: an OTA server's cluster command of
    :data:`REPEATABLE_OTA_COMMANDS`."""
    if cluster != OTA_CLUSTER or len(data) < 3:
        return False
    control = data[0]
    if control & 0x03 != 0x01 or not control & 0x08:  # cluster-specific, server to client
        return False
    at = 4 if control & 0x04 else 2  # the command follows the manufacturer code, if any
    return len(data) > at and data[at] in REPEATABLE_OTA_COMMANDS


RPC_INVALID_LENGTH = 0x04  # MT RPC error code: the request is too short for its fields

_class: list[type[Any]] = []


def resync_fill(wire: bytes) -> bytes:
    """The fill to send before ``wire`` (an MT frame) goes again: 256 bytes without a SOF.

    A copy of ``wire`` that lost k bytes after its LEN leaves the co-processor waiting for k
    more; the fill's first k bytes complete it, and its FCS then matches only if the XOR of the
    bytes lost equals the XOR of those k fill bytes. The first fill byte is one that ``wire``
    does not contain (no copy with one byte lost can match), and the rest are pseudo-random: a
    constant fill would complete every copy that lost two equal bytes (two zeros, common in MT
    frames) into a matching frame. Each candidate is checked against every copy with one byte
    lost, LEN included (:func:`_completes`); zeros if none passes (not seen)."""
    present = set(wire)
    firsts = [b for b in range(256) if b != mt.SOF and b not in present][:FILL_TRIES]
    for seed, first in enumerate(firsts or [0] * FILL_TRIES):
        fill = bytes((first,)) + _pseudo_random_fill(seed, avoid=first)[1:]
        if not any(_completes(wire[:i] + wire[i + 1 :], fill) for i in range(1, len(wire))):
            return fill
    return RESYNC_FILL


def _pseudo_random_fill(seed: int, avoid: int) -> bytes:
    """FILL_LENGTH bytes, none a SOF, the second not ``avoid`` (fixed for a seed)."""
    rng = random.Random(seed)
    fill = bytearray(rng.choice(_NOT_SOF) for _ in range(FILL_LENGTH))
    if fill[1] == avoid:
        fill[1] = (avoid + 1) % 0xFE
    return bytes(fill)


_NOT_SOF = [b for b in range(256) if b != mt.SOF]


def _completes(damaged: bytes, fill: bytes) -> bool:
    """True if ``fill`` after ``damaged`` makes the co-processor's decoder take a frame."""
    decoder = mt.Decoder()
    decoder.feed(damaged)
    return bool(decoder.feed(fill))


def active() -> bool:
    """True when the installed zigpy-znp gets :class:`RetryingZnp`."""
    return installed_version(LIBRARY) in TESTED_VERSIONS


def retrying_class() -> type[Any]:
    """zigpy-znp's ``ZNP`` with lost answers re-asked (built on first use: zigpy-znp is optional)."""
    if _class:
        return _class[0]
    import zigpy_znp.commands as c
    import zigpy_znp.config as conf
    import zigpy_znp.types as znp_t
    from zigpy_znp.api import ZNP
    from zigpy_znp.exceptions import CommandNotRecognized, InvalidCommandResponse

    def damaged(exc: CommandNotRecognized) -> bool:
        """The co-processor refused the request as too short for its fields: it arrived with
        bytes lost (and a matching FCS by chance), and nothing was done. zigpy-znp 1.1.1 keeps
        only the RPC error's text."""
        return "InvalidLength" in str(exc)

    # request type -> the SRSP status that says an earlier attempt already did it
    done_before = {
        c.SYS.OSALNVItemInit.Req: znp_t.Status.SUCCESS,  # the item exists (asked: NV_ITEM_UNINIT)
        c.SYS.OSALNVDelete.Req: znp_t.Status.NV_ITEM_UNINIT,  # the item is gone
        c.AF.Register.Req: znp_t.Status.APS_DUPLICATE_ENTRY,  # the endpoint is registered
    }
    # requests whose callback is asked for again when it has not come within CALLBACK_WAIT_S
    # although the SRSP did (doing them twice is harmless): the callback may be what was lost
    af_data_requests = frozenset(
        {c.AF.DataRequest.Req, c.AF.DataRequestExt.Req, c.AF.DataRequestSrcRtg.Req}
    )
    callback_resend = frozenset(
        {
            c.SYS.ResetReq.Req,
            c.AppConfig.BDBStartCommissioning.Req,
            c.ZDO.MgmtPermitJoinReq.Req,
        }
    )

    class RetryingZnp(ZNP):
        def __init__(self, config: Any) -> None:
            super().__init__(config)
            self.retries = 0  # requests sent again on this connection
            self.on_count: Any = None  # called with a counter's name, to count across connections
            self.slowest_confirm_s = 0.0  # SRSP to AF_DATA_CONFIRM, slowest lately
            self.srsp_times: deque[float] = deque(maxlen=SRSP_WINDOW)  # SREQ to SRSP, lately
            self.srsp_typical_s = 0.0  # their SRSP_QUANTILE

        def count(self, name: str) -> None:
            """Count a recovery (:data:`RECOVERY_COUNTERS`) for the application."""
            self._count(name)

        def _count(self, name: str) -> None:
            if self.on_count is not None:
                self.on_count(name)

        def _again(self, request: Any, attempt: int, *, fill: bool = True) -> None:
            """Before a request goes again: both ends start from a frame boundary (``fill``
            False: the fill went when its SRSP was found lost, :meth:`fill`)."""
            self.retries += 1
            self._count("requests_sent_again")
            LOGGER.info("no answer to %s (attempt %d): sending it again", type(request), attempt)
            uart = self._uart
            if uart is None:
                return
            resync = getattr(uart, "resync", None)
            if resync is not None:
                resync()
            if fill:
                self.fill(self._wire(request))

        def _wire(self, request: Any) -> bytes:
            frame = request.to_frame(align=self.nvram.align_structs)
            header = int(frame.header)
            return mt.encode(header & 0xFF, header >> 8, bytes(frame.data))

        def fill(self, wire: bytes) -> None:
            """Finish, with a bad FCS, a copy of ``wire`` the co-processor may still be waiting
            to complete (:func:`resync_fill`). Sent as soon as the SRSP is found lost, before
            the request lock lets another frame go: the next frame's first bytes would
            otherwise complete the damaged copy, and match its one-byte FCS 1 time in 256."""
            uart = self._uart
            if uart is not None:
                uart.write(resync_fill(wire))

        async def request(self, request: Any, timeout: Any = None, **response_params: Any) -> Any:
            if not request.Rsp:  # nothing answers it: nothing to wait for
                return await super().request(request, timeout, **response_params)
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    return await self._timed(request, timeout, response_params)
                except TimeoutError:
                    if attempt == ATTEMPTS:
                        raise
                    self._again(request, attempt)
                except CommandNotRecognized as exc:
                    if attempt == ATTEMPTS or not damaged(exc):
                        raise
                    self._count("damaged_requests_refused")
                    self._again(request, attempt)
                except InvalidCommandResponse as exc:
                    status = getattr(exc.response, "Status", None)
                    if attempt > 1 and done_before.get(type(request)) == status:
                        return exc.response
                    raise
            raise AssertionError("unreachable")  # pragma: no cover

        async def _timed(
            self, request: Any, timeout: float | None, response_params: dict[str, Any]
        ) -> Any:
            """One send of an SREQ, waiting ``timeout`` or :meth:`srsp_wait` for its SRSP."""
            sent = time.monotonic()
            response = await ZNP.request(
                self, request, timeout or self.srsp_wait(), **response_params
            )
            self.srsp_seen(time.monotonic() - sent)
            return response

        def srsp_seen(self, seconds: float) -> None:
            """An SRSP came ``seconds`` after its SREQ (for :meth:`srsp_wait`)."""
            times = self.srsp_times
            times.append(seconds)
            self.srsp_typical_s = sorted(times)[int(SRSP_QUANTILE * (len(times) - 1))]

        def srsp_wait(self) -> float:
            """How long an SRSP is waited for: a multiple of the 90th percentile of the SRSP
            times lately seen, at least SRSP_WAIT_MIN_S, at most zigpy-znp's
            sync_request_timeout (the rig's: 0.5 s)."""
            ceiling = self._znp_config[conf.CONF_SREQ_TIMEOUT]
            return min(ceiling, max(SRSP_WAIT_MIN_S, SRSP_WAIT_FACTOR * self.srsp_typical_s))

        async def request_callback_rsp(
            self,
            *,
            request: Any,
            callback: Any,
            timeout: Any = None,
            background: bool = False,
            **response_params: Any,
        ) -> Any:
            if background:  # zigpy-znp does not wait for these callbacks (group sends)
                return await super().request_callback_rsp(
                    request=request,
                    callback=callback,
                    timeout=timeout,
                    background=True,
                    **response_params,
                )
            if timeout is None:
                timeout = self._znp_config[conf.CONF_ARSP_TIMEOUT]
            wait = self._znp_config[conf.CONF_SREQ_TIMEOUT]
            callback_rsp, listener = self.wait_for_responses([callback], context=True)
            try:
                async with asyncio.timeout(timeout):
                    for attempt in range(1, ATTEMPTS + 1):
                        arrived, srsp, filled = await self._one_attempt(
                            request, callback_rsp, wait, response_params
                        )
                        if arrived:
                            break
                        if attempt == ATTEMPTS:
                            raise TimeoutError
                        self._again(request, attempt, fill=not filled)
                    if srsp is None or type(request) not in af_data_requests:
                        return await callback_rsp
                    return await self._confirmed(callback_rsp, srsp)
            finally:
                self.remove_listener(listener)

        async def _confirmed(self, callback_rsp: Any, srsp: Any) -> Any:
            """The AF_DATA_CONFIRM of an AF data request the co-processor took (its SRSP said
            SUCCESS); when the confirm does not come within :meth:`confirm_wait`, it was lost on
            the port: counted, and the SRSP stands for it (the frame went on the air; the
            device's answer, or its absence, says the rest)."""
            sent = time.monotonic()
            try:
                async with asyncio.timeout(self.confirm_wait()):
                    confirm = await asyncio.shield(callback_rsp)
            except TimeoutError:
                self._count("confirms_lost")
                LOGGER.info("AF_DATA_CONFIRM lost on the port: taking the SRSP's SUCCESS")
                return srsp
            self.confirm_seen(time.monotonic() - sent)
            return confirm

        async def confirm_after_lost_srsp(self, confirm: Any) -> bool:
            """Whether an AF data request whose SRSP was lost reached the co-processor: its
            AF_DATA_CONFIRM still comes if it did, so it is waited for (:meth:`confirm_wait`)
            before the request goes again. Sent again at once, one ZCL command would reach the
            device twice (an activation acted on, then refused; a PIN tried twice)."""
            if confirm.done():
                return True
            try:
                async with asyncio.timeout(self.confirm_wait()):
                    await asyncio.shield(confirm)
            except TimeoutError:
                return False
            return True

        def confirm_seen(self, seconds: float) -> None:
            """An AF_DATA_CONFIRM came ``seconds`` after its SRSP (for :meth:`confirm_wait`)."""
            self.slowest_confirm_s = max(seconds, self.slowest_confirm_s * CONFIRM_DECAY)

        def confirm_wait(self) -> float:
            """How long an AF_DATA_CONFIRM is waited for after its SRSP: a multiple of the
            slowest lately seen, at least CONFIRM_WAIT_MIN_S, at most zigpy-znp's own 8 s."""
            seen = CONFIRM_WAIT_FACTOR * self.slowest_confirm_s
            return min(CONFIRM_WAIT_MAX_S, max(CONFIRM_WAIT_MIN_S, seen))

        async def _one_attempt(
            self, request: Any, callback_rsp: Any, wait: float, response_params: dict[str, Any]
        ) -> tuple[bool, Any, bool]:
            """Send once: (whether the request arrived (its SRSP or its callback came), its
            SRSP or None, whether the fill before a repeat has gone already).

            An AF data request whose SRSP is lost is filled after at once (:meth:`fill`); a
            :func:`repeatable` one then goes again at once, any other only when its
            AF_DATA_CONFIRM does not come either (:meth:`confirm_after_lost_srsp`)."""
            try:
                srsp = await self._timed(request, None, response_params)
            except TimeoutError:
                if type(request) not in af_data_requests:
                    return bool(callback_rsp.done()), None, False
                self.fill(self._wire(request))
                if repeatable(request.ClusterId, bytes(request.Data)):
                    return bool(callback_rsp.done()), None, True
                return await self.confirm_after_lost_srsp(callback_rsp), None, True
            except CommandNotRecognized as exc:
                if not damaged(exc):
                    raise
                self._count("damaged_requests_refused")
                return False, None, False
            if type(request) not in callback_resend:
                return True, srsp, False
            try:  # the callback, or else the request again
                async with asyncio.timeout(max(wait, CALLBACK_WAIT_S)):
                    await asyncio.shield(callback_rsp)
            except TimeoutError:
                return False, None, False
            return True, srsp, False

    _class.append(RetryingZnp)
    return RetryingZnp


class ZnpRetriesMixin:
    """Put in front of zigpy-znp's ``ControllerApplication``: it connects with
    :class:`RetryingZnp` when the zigpy-znp version is tested (else as zigpy-znp does)."""

    _znp: Any

    async def connect(self) -> None:
        if not active():
            await super().connect()
            return
        # zigpy-znp 1.1.1's ControllerApplication.connect, with the retrying class
        assert self._znp is None
        znp = retrying_class()(self.config)  # type: ignore[attr-defined]
        znp.on_count = self._count_recovery
        await znp.connect()
        self._znp = znp
        self._znp.set_application(self)
        self._bind_callbacks()  # type: ignore[attr-defined]

    _recoveries: Counter[str] | None = None
    _decoded_before: tuple[int, int, int, int] = (0, 0, 0, 0)  # host decoder, earlier connections

    async def disconnect(self) -> None:
        self._decoded_before = self._host_decoder_counts()  # the connection's decoder goes
        await super().disconnect()

    def _host_decoder_counts(self) -> tuple[int, int, int, int]:
        uart = getattr(self._znp, "_uart", None)
        counts = getattr(uart, "decoder_counts", None)
        if counts is None:
            return self._decoded_before
        now: tuple[int, int, int, int] = counts()
        return tuple(a + b for a, b in zip(self._decoded_before, now, strict=True))  # type: ignore[return-value]

    def _count_recovery(self, name: str) -> None:
        if self._recoveries is None:
            self._recoveries = Counter()
        self._recoveries[name] += 1

    @property
    def znp_retries(self) -> int:
        """Requests sent again since the application was made (every connection)."""
        return self.znp_recoveries().get("requests_sent_again", 0)

    def znp_recoveries(self) -> dict[str, int]:
        """What the retrying layer did since the application was made (every connection):
        :data:`RECOVERY_COUNTERS`, and the host decoder's counters (frames taken, frames
        dropped for a bad FCS, bytes skipped, LEN bytes over 250)."""
        counts = self._recoveries or Counter()
        frames, bad_fcs, discarded, oversized = self._host_decoder_counts()
        return {
            **{name: counts.get(name, 0) for name in RECOVERY_COUNTERS},
            "frames_received": frames,
            "bad_fcs": bad_fcs,  # frames from the co-processor dropped for a bad FCS
            "bytes_discarded": discarded,
            "oversized": oversized,
        }

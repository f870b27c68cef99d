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
forgets any frame it has begun (``FastMtProtocol.resync``) and 256 zero bytes go to the
co-processor: they complete a frame it may be waiting for (which then fails its FCS) and are
skipped while it hunts for the next start of frame, as zigpy-znp's own 256 bootloader-skip bytes
are at connect. (Should the zeros happen to complete a frame whose FCS then matches, the
co-processor acts on a damaged frame: one chance in 256 of a case that is rare already.)

A repeat can do the work twice when only the answers were lost (the frame goes over the air
twice): the device sees what a lost ZigBee acknowledgement would also give it. :func:`connect`
builds this class instead of ``ZNP`` only for a version in :data:`TESTED_VERSIONS`; another
version keeps zigpy-znp's own single attempt (:func:`active` says which).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rigs.zigbee.library_codec import installed_version

LOGGER = logging.getLogger(__name__)

LIBRARY = "zigpy-znp"
TESTED_VERSIONS = frozenset({"1.1.1"})
ATTEMPTS = 4  # sends of one request at most (our setting)
SYNC_REQUEST_TIMEOUT_S = 1.0  # our default for zigpy-znp's sync_request_timeout (its own: 15 s)
# MT's longest frame is 255 bytes: this many bytes that are not SOF finish whatever frame the
# co-processor is still waiting to complete (it fails its FCS) and are then skipped while it
# hunts for the next SOF, so the repeat is read from its start
RESYNC_FILL = bytes(256)
CALLBACK_WAIT_S = 5.0  # a reset, a formation or a permit-join answered within this (our setting)

_class: list[type[Any]] = []


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
    from zigpy_znp.exceptions import InvalidCommandResponse

    # request type -> the SRSP status that says an earlier attempt already did it
    done_before = {
        c.SYS.OSALNVItemInit.Req: znp_t.Status.SUCCESS,  # the item exists (asked: NV_ITEM_UNINIT)
        c.SYS.OSALNVDelete.Req: znp_t.Status.NV_ITEM_UNINIT,  # the item is gone
        c.AF.Register.Req: znp_t.Status.APS_DUPLICATE_ENTRY,  # the endpoint is registered
    }
    # requests whose callback is asked for again when it has not come within CALLBACK_WAIT_S
    # although the SRSP did (doing them twice is harmless): the callback may be what was lost
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
            self.on_retry: Any = None  # called on each, e.g. to count across connections

        def _again(self, request: Any, attempt: int) -> None:
            """Before a request goes again: both ends start from a frame boundary."""
            self.retries += 1
            if self.on_retry is not None:
                self.on_retry()
            LOGGER.info("no answer to %s (attempt %d): sending it again", type(request), attempt)
            uart = self._uart
            if uart is None:
                return
            resync = getattr(uart, "resync", None)
            if resync is not None:
                resync()
            uart.write(RESYNC_FILL)

        async def request(self, request: Any, timeout: Any = None, **response_params: Any) -> Any:
            if not request.Rsp:  # nothing answers it: nothing to wait for
                return await super().request(request, timeout, **response_params)
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    return await super().request(request, timeout, **response_params)
                except TimeoutError:
                    if attempt == ATTEMPTS:
                        raise
                    self._again(request, attempt)
                except InvalidCommandResponse as exc:
                    status = getattr(exc.response, "Status", None)
                    if attempt > 1 and done_before.get(type(request)) == status:
                        return exc.response
                    raise
            raise AssertionError("unreachable")  # pragma: no cover

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
                        if await self._one_attempt(request, callback_rsp, wait, response_params):
                            break
                        if attempt == ATTEMPTS:
                            raise TimeoutError
                        self._again(request, attempt)
                    return await callback_rsp
            finally:
                self.remove_listener(listener)

        async def _one_attempt(
            self, request: Any, callback_rsp: Any, wait: float, response_params: dict[str, Any]
        ) -> bool:
            """Send once; True if the request arrived (its SRSP or its callback came)."""
            try:
                await ZNP.request(self, request, **response_params)
            except TimeoutError:
                return bool(callback_rsp.done())
            if type(request) not in callback_resend:
                return True
            try:  # the callback, or else the request again
                async with asyncio.timeout(max(wait, CALLBACK_WAIT_S)):
                    await asyncio.shield(callback_rsp)
            except TimeoutError:
                return False
            return True

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
        znp.on_retry = self._count_retry
        await znp.connect()
        self._znp = znp
        self._znp.set_application(self)
        self._bind_callbacks()  # type: ignore[attr-defined]

    _requests_sent_again = 0

    def _count_retry(self) -> None:
        self._requests_sent_again += 1

    @property
    def znp_retries(self) -> int:
        """Requests sent again since the application was made (every connection)."""
        return self._requests_sent_again

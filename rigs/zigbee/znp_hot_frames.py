# zigpy-znp is untyped (its classes are Any to strict mypy); zigpy's packet fields are typed as
# its integer types, given plain ints here as zigpy-znp's own values compare and print the same.
# mypy: disable-error-code="misc,no-any-return,no-untyped-call,attr-defined,arg-type"
"""The OTA cluster's data frames through zigpy-znp without its command objects, for the versions
tested.

Every ZigBee frame zigpy-znp 1.1.x sends is an ``AF_DATA_REQUEST_EXT`` SREQ answered by an SRSP
and an ``AF_DATA_CONFIRM``, and every frame it receives an ``AF_INCOMING_MSG``; each of the four
becomes a ``CommandBase`` (its ``__init__`` binds its fields through ``inspect.Signature``) and
is matched against response listeners, about 1 ms of CPU per OTA block. For the clusters in
:data:`HOT_CLUSTERS`, :class:`AfFastpathMixin` builds and reads those frames with
``fastpath.mt`` and keeps zigpy-znp's behaviour:

- sending (``_send_request_raw`` for a unicast to a NWK address, not ZDO, no source route): one
  SREQ at a time under zigpy-znp's own request lock; the SRSP waited for ``sync_request_timeout``
  and the ``AF_DATA_CONFIRM`` of the same TransId for ``arsp_timeout``, both inside zigpy-znp's
  ``DATA_CONFIRM_TIMEOUT`` (``EXTENDED_DATA_CONFIRM_TIMEOUT`` with ``extended_timeout``) and
  shielded from cancellation as zigpy-znp shields them; an SRSP or a confirmation with another
  status raises zigpy-znp's ``InvalidCommandResponse`` with zigpy-znp's own response object (so
  ``send_packet``'s route recovery and ``DeliveryError`` are zigpy-znp's), an ``RPC_ERROR`` for
  the request raises ``CommandNotRecognized``; a lost SRSP, an RPC error "invalid length" and a
  lost confirmation are handled as ``rigs.zigbee.znp_retries`` does (the request sent again
  after a resync unless its confirmation came, the SRSP waited for as long as ``srsp_wait``
  says, a confirmation not come within ``confirm_wait`` taken as the SRSP's SUCCESS);
- receiving: an ``AF_INCOMING_MSG`` of those clusters becomes the ``ZigbeePacket`` that
  zigpy-znp's ``on_af_message`` makes, handed to ``packet_received`` on the next turn of the loop
  as zigpy-znp's callback task would be — only while that callback is the frame's one listener.

Anything else (other clusters, broadcasts, groups, IEEE addressing, ZDO, a malformed frame,
zigpy-znp's DEBUG log on, a TransId already waited for) takes zigpy-znp's own path. Used only
with ``FastMtProtocol`` (``rigs.zigbee.znp_fastpath``) and ``RetryingZnp``, that is for the
zigpy-znp versions both are tested with.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import fastpath
from fastpath import mt

LOGGER = logging.getLogger(__name__)
API_LOGGER = logging.getLogger("zigpy_znp.api")

HOT_CLUSTERS = frozenset({0x0019})  # ZigBee OTA Upgrade
AF_INCOMING_MSG = 0x44 | 0x81 << 8  # AREQ AF 0x81
AF_DATA_CONFIRM = 0x44 | 0x80 << 8  # AREQ AF 0x80
AF_DATA_REQUEST_EXT_SRSP = 0x64 | 0x02 << 8  # SRSP AF 0x02
RPC_ERROR = 0x60 | 0x00 << 8  # SRSP RPC_Error (CommandNotRecognized)
REQUEST_HEADER = bytes((0x24, 0x02))  # AF_DATA_REQUEST_EXT's cmd0, cmd1
NWK_MODE = 0x02  # Z-Stack's AddrMode.NWK
SUCCESS = 0x00

_mixin: list[type[Any]] = []


def active() -> bool:
    """True when the installed zigpy-znp gets :func:`mixin` (the versions both
    ``FastMtProtocol`` and ``RetryingZnp`` are tested with)."""
    from rigs.zigbee import znp_fastpath, znp_retries

    return znp_fastpath.status().tested and znp_retries.active()


def summary() -> str:
    """What builds and reads zigpy-znp's OTA frames (``smets1-hil info``, the evidence)."""
    if active():
        return (
            "OTA frames (AF_DATA_REQUEST_EXT, its SRSP and AF_DATA_CONFIRM, AF_INCOMING_MSG) "
            f"by fastpath.mt ({fastpath.IMPLEMENTATION}), not zigpy-znp's command objects"
        )
    from rigs.zigbee import znp_fastpath

    tested = ", ".join(sorted(znp_fastpath.TESTED_VERSIONS))
    return f"zigpy-znp's own command objects (the OTA frame path is tested with zigpy-znp {tested})"


def mixin() -> type[Any]:
    """The mixin class (built on first use: zigpy-znp is imported only when a znp rig is)."""
    if _mixin:
        return _mixin[0]
    import zigpy.types as zt
    import zigpy_znp.commands as c
    import zigpy_znp.config as conf
    import zigpy_znp.types as znp_t
    from zigpy_znp import frames
    from zigpy_znp.exceptions import CommandNotRecognized, InvalidCommandResponse
    from zigpy_znp.utils import CatchAllResponse
    from zigpy_znp.zigbee import application as znp_app

    from rigs.zigbee.znp_retries import ATTEMPTS, RPC_INVALID_LENGTH, repeatable

    incoming_header = c.AF.IncomingMsg.Callback.header
    catch_all_header = CatchAllResponse.header
    nwk_mode = znp_t.AddrMode.NWK
    zdo_endpoint = znp_app.ZDO_ENDPOINT
    encrypted, plain = zt.TransmitOptions.APS_Encryption, zt.TransmitOptions.NONE
    serializable = znp_t.SerializableBytes
    packet_type = zt.ZigbeePacket
    new_nwk = zt.NWK

    def stock(command: Any, header: int, data: bytes) -> Any:
        """zigpy-znp's own object for a frame (the rare paths: errors)."""
        frame = frames.GeneralFrame(znp_t.CommandHeader(header), znp_t.Bytes(data))
        return command.from_frame(frame)

    class AfFastpathMixin:
        _znp: Any
        _device: Any
        state: Any
        _af_listener: Any = None
        _srsp: asyncio.Future[tuple[int, bytes]] | None = None
        _confirms: dict[int, asyncio.Future[bytes]]
        _addresses: dict[tuple[int, int], Any]

        def _bind_callbacks(self) -> None:
            super()._bind_callbacks()
            self._confirms = {}
            self._srsp = None
            self._addresses = {}
            listeners = self._znp._listeners.get(incoming_header, [])
            self._af_listener = listeners[0] if len(listeners) == 1 else None
            uart = self._znp._uart
            hooks = getattr(uart, "fast_frames", None)
            if hooks is None:
                return
            hooks[AF_DATA_REQUEST_EXT_SRSP] = self._hot_srsp
            hooks[RPC_ERROR] = self._hot_rpc_error
            hooks[AF_DATA_CONFIRM] = self._hot_confirm
            hooks[AF_INCOMING_MSG] = self._hot_incoming

        # receiving --------------------------------------------------------------------------

        def _hot_srsp(self, data: bytes) -> bool:
            waiting = self._srsp
            if waiting is None or waiting.done() or len(data) != 1:
                return False  # not ours (zigpy-znp's own request, a late answer, malformed)
            waiting.set_result((AF_DATA_REQUEST_EXT_SRSP, data))
            return True

        def _hot_rpc_error(self, data: bytes) -> bool:
            waiting = self._srsp
            if waiting is None or waiting.done() or len(data) != 3 or data[1:] != REQUEST_HEADER:
                return False
            waiting.set_result((RPC_ERROR, data))
            return True

        def _hot_confirm(self, data: bytes) -> bool:
            fields = mt.af_data_confirm(data)
            if fields is None:
                return False
            waiting = self._confirms.get(fields[2])
            if waiting is None or waiting.done():
                return False
            waiting.set_result(data)
            return True

        def _hot_incoming(self, data: bytes) -> bool:
            fields = mt.af_incoming_msg(data)
            if fields is None or fields[1] not in HOT_CLUSTERS:
                return False
            listeners = self._znp._listeners
            found = listeners.get(incoming_header)
            if (
                found is None
                or len(found) != 1
                or found[0] is not self._af_listener
                or listeners.get(catch_all_header)
                or API_LOGGER.isEnabledFor(logging.DEBUG)
            ):
                return False
            (group, cluster, src, src_ep, dst_ep, broadcast, lqi, security, _, tsn, payload) = (
                fields[:11]
            )
            endpoints = self._device.endpoints
            if dst_ep == 0 or dst_ep not in endpoints:
                return False  # zigpy-znp warns about it
            if broadcast:
                dst = self._address(zt.AddrMode.Broadcast, 0xFFFC)  # ALL_ROUTERS_AND_COORDINATOR
            elif group != 0x0000:
                dst = self._address(zt.AddrMode.Group, group)
            else:
                dst = self._address(zt.AddrMode.NWK, self.state.node_info.nwk)
            packet = packet_type(
                src=self._address(zt.AddrMode.NWK, src),
                src_ep=src_ep,
                dst=dst,
                dst_ep=dst_ep,
                tsn=tsn,
                profile_id=endpoints[dst_ep].profile_id,
                cluster_id=cluster,
                data=serializable(payload),
                tx_options=encrypted if security else plain,
                radius=fields[12],
                lqi=lqi,
                rssi=None,
            )
            # zigpy-znp runs on_af_message as a task: packet_received on the loop's next turn
            asyncio.get_running_loop().call_soon(self.packet_received, packet)
            return True

        def _address(self, mode: Any, address: int) -> Any:
            """One AddrModeAddress per address (zigpy treats packet addresses as values)."""
            key = (mode, address)
            found = self._addresses.get(key)
            if found is None:
                value: Any = new_nwk(address)
                if mode == zt.AddrMode.Group:
                    value = zt.Group(address)
                elif mode == zt.AddrMode.Broadcast:
                    value = zt.BroadcastAddress(address)
                found = self._addresses[key] = zt.AddrModeAddress(addr_mode=mode, address=value)
            return found

        # sending ----------------------------------------------------------------------------

        async def _send_request_raw(
            self,
            dst_addr: Any,
            dst_ep: int,
            src_ep: int,
            profile: int,
            cluster: int,
            sequence: int,
            options: Any,
            radius: int,
            data: bytes,
            *,
            relays: list[int] | None = None,
            extended_timeout: bool = False,
        ) -> None:
            znp = self._znp
            if (
                cluster not in HOT_CLUSTERS
                or relays is not None
                or dst_ep == zdo_endpoint
                or dst_addr.mode != nwk_mode
                or len(data) > mt.AF_DATA_REQUEST_EXT_MAX
                or znp is None
                or not getattr(znp._uart, "fast_frames", None)
                or not hasattr(znp, "_again")
                or sequence in self._confirms
                or API_LOGGER.isEnabledFor(logging.DEBUG)
            ):
                await super()._send_request_raw(
                    dst_addr,
                    dst_ep,
                    src_ep,
                    profile,
                    cluster,
                    sequence,
                    options,
                    radius,
                    data,
                    relays=relays,
                    extended_timeout=extended_timeout,
                )
                return
            src_ep = self._find_endpoint(dst_ep=dst_ep, profile=profile, cluster=cluster)
            wire = mt.af_data_request_ext(
                NWK_MODE,
                int(dst_addr.address),
                dst_ep or 0,
                0x0000,
                src_ep,
                cluster,
                sequence,
                int(options),
                radius,
                data,
            )

            def request() -> Any:  # zigpy-znp's request object, for its messages
                return c.AF.DataRequestExt.Req(
                    DstAddrModeAddress=dst_addr,
                    DstEndpoint=dst_ep or 0,
                    DstPanId=0x0000,
                    SrcEndpoint=src_ep,
                    ClusterId=cluster,
                    TSN=sequence,
                    Options=options,
                    Radius=radius,
                    Data=data,
                )

            async with asyncio.timeout(
                znp_app.EXTENDED_DATA_CONFIRM_TIMEOUT
                if extended_timeout
                else znp_app.DATA_CONFIRM_TIMEOUT
            ):
                confirm = await asyncio.shield(
                    self._hot_request(znp, wire, sequence, request, cluster, data)
                )
            if confirm[0] != SUCCESS:
                response = stock(c.AF.DataConfirm.Callback, AF_DATA_CONFIRM, confirm)
                raise InvalidCommandResponse(
                    f"Unsuccessful request status code: {response.Status!r}", response
                )

        async def _hot_request(
            self, znp: Any, wire: bytes, tsn: int, request: Any, cluster: int, data: bytes
        ) -> bytes:
            """``RetryingZnp.request_callback_rsp`` for one AF_DATA_REQUEST_EXT: the
            confirmation's data."""
            loop = asyncio.get_running_loop()
            confirm: asyncio.Future[bytes] = loop.create_future()
            self._confirms[tsn] = confirm
            try:
                async with asyncio.timeout(znp._znp_config[conf.CONF_ARSP_TIMEOUT]):
                    again = repeatable(cluster, data)
                    for attempt in range(1, ATTEMPTS + 1):
                        arrived, filled = await self._hot_attempt(
                            znp, wire, confirm, request, again
                        )
                        if arrived:
                            break
                        if attempt == ATTEMPTS:
                            raise TimeoutError
                        znp._again(request(), attempt, fill=not filled)
                    if confirm.done() or not hasattr(znp, "_confirmed"):
                        return await confirm
                    # RetryingZnp's wait: a confirm lost on the port takes the SRSP's SUCCESS
                    confirmed: bytes = await znp._confirmed(confirm, bytes((SUCCESS,)))
                    return confirmed
            finally:
                if self._confirms.get(tsn) is confirm:
                    del self._confirms[tsn]

        async def _hot_attempt(
            self,
            znp: Any,
            wire: bytes,
            confirm: asyncio.Future[bytes],
            request: Any,
            again: bool,
        ) -> tuple[bool, bool]:
            """Send once under zigpy-znp's request lock: (whether the request arrived (its SRSP
            or its confirmation came), whether the fill before a repeat has gone already).
            Raises as ``ZNP.request`` does for a refused request. As ``RetryingZnp``: a lost
            SRSP is followed at once by the fill, under the lock; then a request that is
            ``again`` (repeatable) goes again at once, any other after its confirmation's
            wait."""
            if znp._uart is None:  # as ZNP.request: the link went away between attempts
                raise RuntimeError("Coordinator is disconnected, cannot send request")
            async with znp._sync_request_lock(priority=-1):  # zigpy-znp's AF data priority
                srsp: asyncio.Future[tuple[int, bytes]] = asyncio.get_running_loop().create_future()
                self._srsp = srsp
                wait = getattr(znp, "srsp_wait", None)
                filled = False
                try:
                    sent = time.monotonic()
                    znp._uart.send_wire(wire)
                    async with asyncio.timeout(
                        wait() if wait is not None else znp._znp_config[conf.CONF_SREQ_TIMEOUT]
                    ):
                        kind, data = await srsp
                    if wait is not None:
                        znp.srsp_seen(time.monotonic() - sent)
                except TimeoutError:
                    kind = -1  # the SRSP was lost: the confirmation, if it comes, says it arrived
                    fill = getattr(znp, "fill", None)
                    if fill is not None:
                        fill(wire)  # before the lock lets another frame go
                        filled = True
                finally:
                    self._srsp = None
            if kind == -1:
                after_lost = getattr(znp, "confirm_after_lost_srsp", None)
                if again or after_lost is None:
                    return confirm.done(), filled
                return await after_lost(confirm), filled
            if kind == RPC_ERROR and data[0] == RPC_INVALID_LENGTH and hasattr(znp, "count"):
                znp.count("damaged_requests_refused")  # as RetryingZnp: sent again
                return confirm.done(), False
            if kind == RPC_ERROR:
                response = stock(c.RPCError.CommandNotRecognized.Rsp, RPC_ERROR, data)
                raise CommandNotRecognized(
                    f"Fatal request error {response} in response to {request()}"
                )
            if data[0] != SUCCESS:
                response = stock(c.AF.DataRequestExt.Rsp, AF_DATA_REQUEST_EXT_SRSP, data)
                expected = c.AF.DataRequestExt.Rsp(partial=True, Status=znp_t.Status.SUCCESS)
                raise InvalidCommandResponse(
                    f"Expected SRSP response {expected}, got {response}", response
                )
            return True, False

    _mixin.append(AfFastpathMixin)
    return AfFastpathMixin

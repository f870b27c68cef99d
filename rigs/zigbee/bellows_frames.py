"""``fastpath.ezsp`` for the EZSP frames of a unicast inside bellows, for the bellows versions tested.

Stop-and-wait traffic through bellows (an OTA transfer: one ``sendUnicast``, its response, a
``messageSentHandler`` and the device's next request in an ``incomingMessageHandler`` per block)
spends most of its host CPU building and parsing those four frames with zigpy's types: every
``Struct`` binds its signature (``inspect``) and every field is converted through a Python
``__new__``. :func:`install` makes bellows' EZSP protocol handler build the ``sendUnicast``
command and read those three answers with ``fastpath.ezsp`` instead, and hand bellows and the
application exactly the values its own parser makes (the same types: ``EmberStatus``,
``EmberApsFrame``, ``uint8_t``, ``LVBytes``...). Everything around the frames stays bellows' own:
the command semaphore and its priorities, the sequence numbers, the table of awaited responses,
the command timeout, ``sl_Status`` conversion, the callbacks to the application and their order.

For the clusters in :data:`HOT_CLUSTERS` (the OTA Upgrade cluster), the application's
``send_packet`` of a NWK unicast also skips building its ``EmberApsFrame`` through zigpy's
``Struct`` (the frame is made with the same field types directly); every other step of bellows'
``send_packet`` is kept in its order: the device lookup, the APS options, the concurrency limit,
the message tag and the pending-request table, the request lock, ``set_extended_timeout``, the
status checks with bellows' own ``DeliveryError`` messages, the wait for ``messageSentHandler``
with bellows' timeouts. Source routes, aliases, forced route discovery, XNCP combined sends,
source routing, groups, broadcasts and IEEE addressing take bellows' own ``send_packet``.

A frame goes through bellows' own code whenever the fast one could differ: any other frame; one
of these whose parameters are short or followed by more bytes; a response whose sequence number
is not awaited for ``sendUnicast``; a callback whose sequence number is still awaited (bellows
would take it as a response); an APS fragment (bellows reassembles it); arguments the encoder
refuses (bellows raises its own error); and everything while bellows' EZSP logger is at DEBUG
(so its debug lines stay as they are). Only the EZSP protocol versions whose definitions of the
three frames match the layout ``fastpath.ezsp`` implements (checked against bellows' own
``COMMANDS`` at :func:`install`; 8 to 13 in bellows 1.2.1) take the fast path; any other bellows
version keeps its own code entirely, and :func:`status` says which is in use (``smets1-hil
info``, the evidence).
"""

from __future__ import annotations

import asyncio
import enum
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import fastpath
from fastpath import ezsp
from rigs.zigbee.library_codec import installed_version

LOGGER = logging.getLogger(__name__)

TESTED_VERSIONS = frozenset({"1.2.1"})
FAST_FRAMES = ("sendUnicast", "messageSentHandler", "incomingMessageHandler")
APS_OPTION_FRAGMENT = 0x8000

HOT_CLUSTERS = frozenset({0x0019})  # ZigBee OTA Upgrade: send_packet's own fast path

_state: dict[tuple[type, str], Any] = {}


@dataclass(frozen=True)
class FramesStatus:
    """Whether bellows' unicast frames go through ``fastpath.ezsp``, and for which EZSP versions."""

    version: str | None
    fast: bool
    ezsp_versions: tuple[int, ...]

    def summary(self) -> str:
        if self.fast:
            versions = ", ".join(str(v) for v in self.ezsp_versions)
            return (
                "sendUnicast, messageSentHandler, incomingMessageHandler by fastpath.ezsp "
                f"({fastpath.IMPLEMENTATION}; EZSP {versions})"
            )
        tested = ", ".join(sorted(TESTED_VERSIONS))
        return f"bellows' own EZSP frame code (fastpath.ezsp tested with bellows {tested})"


def expected_schemas() -> dict[str, tuple[int, dict[str, Any], dict[str, Any]]]:
    """The definitions (frame ID, parameters, answer) of the three frames as ``fastpath.ezsp``
    lays them out, in bellows' own types: the oracle a protocol version must match."""
    import bellows.types as t

    aps = {"apsFrame": t.EmberApsFrame}
    return {
        "sendUnicast": (
            ezsp.SEND_UNICAST,
            {
                "type": t.EmberOutgoingMessageType,
                "indexOrDestination": t.EmberNodeId,
                **aps,
                "messageTag": t.uint8_t,
                "messageContents": t.LVBytes,
            },
            {"status": t.EmberStatus, "sequence": t.uint8_t},
        ),
        "messageSentHandler": (
            ezsp.MESSAGE_SENT_HANDLER,
            {},
            {
                "type": t.EmberOutgoingMessageType,
                "indexOrDestination": t.uint16_t,
                **aps,
                "messageTag": t.uint8_t,
                "status": t.EmberStatus,
                "messageContents": t.LVBytes,
            },
        ),
        "incomingMessageHandler": (
            ezsp.INCOMING_MESSAGE_HANDLER,
            {},
            {
                "type": t.EmberIncomingMessageType,
                **aps,
                "lastHopLqi": t.uint8_t,
                "lastHopRssi": t.int8s,
                "sender": t.EmberNodeId,
                "bindingIndex": t.uint8_t,
                "addressIndex": t.uint8_t,
                "messageContents": t.LVBytes,
            },
        ),
    }


def _fast_versions() -> tuple[int, ...]:
    """EZSP versions of this bellows whose three frames and extended header match fastpath.ezsp."""
    from bellows.ezsp import EZSP
    from bellows.ezsp.v8 import EZSPv8

    expected = expected_schemas()
    versions = []
    for version, cls in sorted(EZSP._BY_VERSION.items()):
        if not issubclass(cls, EZSPv8):
            continue  # the legacy header
        if cls._ezsp_frame_rx is not EZSPv8._ezsp_frame_rx:
            continue
        if cls._ezsp_frame_tx is not EZSPv8._ezsp_frame_tx:
            continue
        if all(cls.COMMANDS.get(name) == expected[name] for name in FAST_FRAMES):
            versions.append(version)
    return tuple(versions)


def status() -> FramesStatus:
    version = installed_version("bellows")
    if version not in TESTED_VERSIONS:
        return FramesStatus(version, False, ())
    return FramesStatus(version, True, _fast_versions())


def _maker(kind: type) -> Callable[[Any], Any]:
    """What makes a value of bellows' type ``kind`` from what the decoder gives (in range)."""
    if issubclass(kind, enum.Enum) or issubclass(kind, bytes):
        return kind
    if issubclass(kind, int):
        return functools.partial(int.__new__, kind)  # the decoder's field width is the range
    raise TypeError(f"no maker for {kind!r}")


def install() -> bool:
    """Put ``fastpath.ezsp`` into bellows' unicast frames if this bellows version was tested."""
    if _state:
        return True
    current = status()
    if not current.fast or not current.ezsp_versions:
        LOGGER.info("bellows %s: EZSP frames left to bellows", current.version)
        return False
    import bellows.types as t
    from bellows.ezsp import protocol
    from bellows.ezsp.v8 import EZSPv8

    fast_versions = frozenset(current.ezsp_versions)
    protocol_logger = protocol.LOGGER
    original_call = EZSPv8.__call__
    original_send = EZSPv8.send_unicast
    decode = ezsp.decode_hot_frame
    build = ezsp.send_unicast_frame
    outgoing_direct = int(t.EmberOutgoingMessageType.OUTGOING_DIRECT)
    aps_class = t.EmberApsFrame
    new_aps = object.__new__
    invalid_state = asyncio.InvalidStateError
    debug = logging.DEBUG

    u8, u16 = _maker(t.uint8_t), _maker(t.uint16_t)
    ember_status, aps_option = _maker(t.EmberStatus), _maker(t.EmberApsOption)
    outgoing_type, incoming_type = (
        _maker(t.EmberOutgoingMessageType),
        _maker(t.EmberIncomingMessageType),
    )
    rssi_type, node_id, lv_bytes = _maker(t.int8s), _maker(t.EmberNodeId), _maker(t.LVBytes)

    def aps_frame(
        profile: int, cluster: int, src_ep: int, dst_ep: int, options: int, group: int, seq: int
    ) -> Any:
        frame = new_aps(aps_class)
        frame.__dict__.update(
            profileId=u16(profile),
            clusterId=u16(cluster),
            sourceEndpoint=u8(src_ep),
            destinationEndpoint=u8(dst_ep),
            options=aps_option(options),
            groupId=u16(group),
            sequence=u8(seq),
        )
        return frame

    def __call__(self: Any, data: bytes) -> None:
        if self.VERSION not in fast_versions or protocol_logger.isEnabledFor(debug):
            return original_call(self, data)  # type: ignore[no-any-return]
        decoded: Any = decode(data)
        if decoded is None:
            return original_call(self, data)  # type: ignore[no-any-return]
        sequence, frame_id = decoded[0], decoded[1]
        awaiting = self._awaiting.get(sequence)
        if frame_id == ezsp.SEND_UNICAST:
            if awaiting is None or awaiting[0] != frame_id:
                return original_call(self, data)  # type: ignore[no-any-return]
            del self._awaiting[sequence]
            try:
                awaiting[2].set_result([ember_status(decoded[2]), u8(decoded[3])])
            except invalid_state:
                protocol_logger.debug(
                    "Error processing %s response. %s command timed out?",
                    sequence,
                    "sendUnicast",
                )
            return None
        if awaiting is not None:
            return original_call(self, data)  # type: ignore[no-any-return]
        if frame_id == ezsp.MESSAGE_SENT_HANDLER:
            (_, _, kind, dest, profile, cluster, src, dst, opts, group, seq, tag, st, msg) = decoded
            self._handle_callback(
                "messageSentHandler",
                [
                    outgoing_type(kind),
                    u16(dest),
                    aps_frame(profile, cluster, src, dst, opts, group, seq),
                    u8(tag),
                    ember_status(st),
                    lv_bytes(msg),
                ],
            )
            return None
        (
            _,
            _,
            kind,
            profile,
            cluster,
            src,
            dst,
            opts,
            group,
            seq,
            lqi,
            rssi,
            sender,
            bi,
            ai,
            msg,
        ) = decoded
        if opts & APS_OPTION_FRAGMENT:
            return original_call(self, data)  # type: ignore[no-any-return]
        self._handle_callback(
            "incomingMessageHandler",
            [
                incoming_type(kind),
                aps_frame(profile, cluster, src, dst, opts, group, seq),
                u8(lqi),
                rssi_type(rssi),
                node_id(sender),
                u8(bi),
                u8(ai),
                lv_bytes(msg),
            ],
        )
        return None

    async def send_unicast(
        self: Any, nwk: Any, aps_frame: Any, message_tag: Any, data: bytes
    ) -> tuple[Any, Any]:
        if (
            self.VERSION not in fast_versions
            or protocol_logger.isEnabledFor(debug)
            or type(aps_frame) is not aps_class
        ):
            return await original_send(self, nwk, aps_frame, message_tag, data)  # type: ignore[no-any-return]
        try:
            frame = build(
                0,
                outgoing_direct,
                nwk,
                aps_frame.profileId,
                aps_frame.clusterId,
                aps_frame.sourceEndpoint,
                aps_frame.destinationEndpoint,
                aps_frame.options,
                aps_frame.groupId,
                aps_frame.sequence,
                message_tag,
                data,
            )
        except (TypeError, ValueError):
            # bellows refuses it in its own words
            return await original_send(self, nwk, aps_frame, message_tag, data)  # type: ignore[no-any-return]
        status, sequence = await _command(self, "sendUnicast", frame[1:])
        return t.sl_Status.from_ember_status(status), sequence

    async def _command(self: Any, name: str, after_sequence: bytes) -> Any:
        """bellows' ``ProtocolHandler.command`` with the frame already built (all but its
        sequence number, which is taken where bellows takes it). Only used while the EZSP
        logger is not at DEBUG, so bellows' debug lines are not needed here."""
        async with self._send_semaphore(priority=self._get_command_priority(name)):
            data = bytes((self._seq,)) + after_sequence
            cmd_id, _, rx_schema = self.COMMANDS[name]
            future = asyncio.get_running_loop().create_future()
            self._awaiting[self._seq] = (cmd_id, rx_schema, future)
            self._seq = (self._seq + 1) % 256
            await self._gw.send_data(data)
            async with asyncio.timeout(protocol.EZSP_CMD_TIMEOUT):
                return await future

    _patch(EZSPv8, "__call__", __call__)
    _patch(EZSPv8, "send_unicast", send_unicast)
    _patch_send_packet(fast_versions, aps_frame)
    return True


def _fits(packet: Any) -> bool:
    """The APS fields are in range (else bellows' own types refuse them, in its own words)."""
    return (
        0 <= packet.profile_id <= 0xFFFF
        and 0 <= packet.src_ep <= 0xFF
        and 0 <= (packet.dst_ep or 0) <= 0xFF
        and 0 <= packet.tsn <= 0xFF
    )


def _patch(cls: type, name: str, replacement: Any) -> None:
    _state[(cls, name)] = vars(cls).get(name)
    setattr(cls, name, replacement)


def _patch_send_packet(fast_versions: frozenset[int], aps_frame: Callable[..., Any]) -> None:
    """bellows' ``send_packet`` for a unicast of the clusters in :data:`HOT_CLUSTERS` without
    building its ``EmberApsFrame`` through zigpy's ``Struct`` (signature binding and a type
    conversion per field); every step and check of bellows 1.2.1's own kept, in its order."""
    import bellows.types as t
    import zigpy.config
    import zigpy.exceptions
    import zigpy.types as zt
    from bellows.ezsp.xncp import FirmwareFeatures
    from bellows.zigbee import application

    app_class = application.ControllerApplication
    original = app_class.send_packet
    app_logger = application.LOGGER
    ezsp_logger = logging.getLogger("bellows.ezsp.protocol")
    debug = logging.DEBUG
    nwk_mode = zt.AddrMode.NWK
    force_route = zt.TransmitOptions.FORCE_ROUTE_DISCOVERY
    aps_encryption = zt.TransmitOptions.APS_Encryption
    ack = zt.TransmitOptions.ACK
    combined_send = FirmwareFeatures.COMBINED_SEND
    source_routing = zigpy.config.CONF_SOURCE_ROUTING
    ok = t.sl_Status.OK
    from_ember = t.sl_Status.from_ember_status
    delivery_error = zigpy.exceptions.DeliveryError
    route_discovery = int(t.EmberApsOption.APS_OPTION_ENABLE_ROUTE_DISCOVERY)
    encryption = int(t.EmberApsOption.APS_OPTION_ENCRYPTION)
    retry = int(t.EmberApsOption.APS_OPTION_RETRY)

    @functools.wraps(original)
    async def send_packet(self: Any, packet: Any) -> None:
        ezsp_api = self._ezsp
        if (
            packet.cluster_id not in HOT_CLUSTERS
            or packet.dst.addr_mode != nwk_mode
            or packet.source_route is not None
            or packet.alias_src is not None
            or force_route in packet.tx_options
            or not self.is_controller_running
            or ezsp_api is None
            or ezsp_api._protocol is None
            or ezsp_api._protocol.VERSION not in fast_versions
            or combined_send in ezsp_api._xncp_features
            or self.config[source_routing]
            or app_logger.isEnabledFor(debug)
            or ezsp_logger.isEnabledFor(debug)
            or not _fits(packet)
        ):
            return await original(self, packet)  # type: ignore[no-any-return]
        try:
            device = self.get_device_with_address(packet.dst)
        except (KeyError, ValueError):
            device = None
        options = route_discovery
        if aps_encryption in packet.tx_options:
            options |= encryption
        extended_timeout = packet.extended_timeout
        if ack in packet.tx_options:
            options |= retry  # EmberZNet requires retrying to enable APS ACKs
            extended_timeout = False
        frame = aps_frame(
            packet.profile_id,
            packet.cluster_id,
            packet.src_ep,
            packet.dst_ep or 0,
            options,
            0,
            packet.tsn,
        )
        async with self._limit_concurrency(priority=packet.priority):
            message_tag = self.get_sequence()
            pending_tag = (packet.dst.address, message_tag)
            if pending_tag in self._pending_requests:
                raise delivery_error(
                    f"Packet with tag {pending_tag} is already pending, cannot send"
                )
            future: asyncio.Future[Any] = asyncio.Future()
            self._pending_requests[pending_tag] = future
            try:
                async with self._req_lock:
                    data = packet.data.serialize()
                    if device is not None:
                        await ezsp_api.set_extended_timeout(
                            nwk=device.nwk, ieee=device.ieee, extended_timeout=extended_timeout
                        )
                    status, _ = await ezsp_api.send_unicast(
                        nwk=packet.dst.address,
                        aps_frame=frame,
                        message_tag=message_tag,
                        data=data,
                    )
                if status != ok:
                    raise delivery_error(f"Failed to enqueue message: {status!r}", status)
                async with asyncio.timeout(
                    application.MESSAGE_SEND_TIMEOUT_MAINS
                    if not packet.extended_timeout
                    else application.MESSAGE_SEND_TIMEOUT_BATTERY
                ):
                    send_status, _ = await future
                if from_ember(send_status) != ok:
                    raise delivery_error(f"Failed to deliver message: {send_status!r}", send_status)
            finally:
                del self._pending_requests[pending_tag]

    _patch(app_class, "send_packet", send_packet)


def uninstall() -> None:
    """Give bellows back its own EZSP frame code."""
    if not _state:
        return
    for (cls, name), own in _state.items():
        if own is None:
            delattr(cls, name)  # inherited again
        else:
            setattr(cls, name, own)
    _state.clear()

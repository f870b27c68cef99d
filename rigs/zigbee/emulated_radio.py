# zigpy's types (uint8_t, NWK, command schemas built from dicts) are not typed for strict mypy.
# mypy: disable-error-code="no-untyped-call,arg-type,union-attr,misc,attr-defined"
"""zigpy radio for the emulated radio link: a real ``ControllerApplication`` subclass.

It speaks the packet set of ``docs/radio-link.md`` to the emulator process over any link
(``/dev/pts/N`` from ``smets1-hil emulate``, ``socket://host:port``, ``rfc2217://...``), so zigpy
runs exactly as it would with a hardware co-processor. What only the emulator offers (device clock,
device state) is on its control channel (:mod:`rigs.control_client`), not on this link.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import zigpy.application
import zigpy.config as conf
import zigpy.device
import zigpy.exceptions
import zigpy.state
import zigpy.types as t
import zigpy.zdo.types as zdo_t

from rigs.link import LinkClosed, TraceWriter, open_link
from rigs.protocols import radio_link as rp
from rigs.protocols.radio_link import PacketType as P
from rigs.zigbee.engineering_cluster import mask_pin
from rigs.zigbee.radio_client import RadioLinkClient, RadioLinkError
from rigs.zigbee.smart_energy import SmartEnergyApplicationMixin

LOGGER = logging.getLogger(__name__)

SEND_CONFIRM_TIMEOUT = 10.0
STATUS_VALUES = frozenset(int(status) for status in rp.Status)
ADDR_MODES = frozenset(int(mode) for mode in rp.AddrMode)
WATCHDOG_ATTEMPTS = 3  # PINGs the co-processor may miss in a row before the radio counts as lost
WATCHDOG_TIMEOUT = 10.0  # seconds each watchdog PING waits for its PONG


def redact_radio_packet(payload: bytes) -> bytes:
    """Mask the PIN of engineering-cluster PIN commands in a radio packet (for traces)."""
    if len(payload) < 2 or payload[0] != P.SEND:
        return payload
    try:
        send = rp.Send.decode(payload[2:])
    except rp.ProtocolError:
        return payload
    data = send.data
    masked = mask_pin(send.cluster, data)
    if masked is data:
        return payload
    return payload[: len(payload) - len(data)] + masked


class EmulatedCoordinator(zigpy.device.ZigbeeDevice):
    @property
    def manufacturer(self) -> str:
        return "smets1-hil"

    @manufacturer.setter
    def manufacturer(self, value: str) -> None:
        pass

    @property
    def model(self) -> str:
        return "emulated co-processor"

    @model.setter
    def model(self, value: str) -> None:
        pass


class EmulatedRadioApplication(
    SmartEnergyApplicationMixin, zigpy.application.ControllerApplication
):
    """zigpy ``ControllerApplication`` for the emulated radio link."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._client: RadioLinkClient | None = None
        self._ieee = t.EUI64.UNKNOWN
        self.trace: TraceWriter | None = None
        self._addresses: dict[tuple[t.AddrMode, int], t.AddrModeAddress] = {}

    @property
    def client(self) -> RadioLinkClient:
        if self._client is None:
            raise zigpy.exceptions.ControllerException("emulated radio is not connected")
        return self._client

    # connection ---------------------------------------------------------------------------

    async def connect(self) -> None:
        device = self.config[conf.CONF_DEVICE]
        link = await open_link(
            device[conf.CONF_DEVICE_PATH],
            baudrate=device[conf.CONF_DEVICE_BAUDRATE],
            trace=self.trace,
        )
        if self.trace is not None:
            self.trace.use_decoder("smets1-radio-link", redact=redact_radio_packet)
        client = RadioLinkClient(
            link, on_received=self._on_received, on_join=self._on_join, on_lost=self.connection_lost
        )
        client.trace = self.trace
        try:
            await client.start()
            info = rp.decode_info(await client.request(P.GET_INFO, expect=P.INFO))
        except BaseException:
            await client.close()
            raise
        if info.protocol_version != rp.PROTOCOL_VERSION:
            await client.close()
            raise RadioLinkError(
                f"co-processor speaks radio link version {info.protocol_version},"
                f" expected {rp.PROTOCOL_VERSION}"
            )
        self._client = client
        self._ieee = t.EUI64(info.ieee)

    async def disconnect(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    async def _watchdog_feed(self) -> None:
        """zigpy calls this every 30 s and takes a failure for a lost radio (for the rest of the
        run). A closed link is noticed at once without it (the link ends), so the watchdog is only
        there for a co-processor that hangs: on a loaded machine one late PONG must not end the
        run, so it tries :data:`WATCHDOG_ATTEMPTS` times, :data:`WATCHDOG_TIMEOUT` seconds each."""
        for attempt in range(1, WATCHDOG_ATTEMPTS + 1):
            try:
                await self.client.request(P.PING, expect=P.PONG, timeout=WATCHDOG_TIMEOUT)
                return
            except RadioLinkError:
                if attempt == WATCHDOG_ATTEMPTS:
                    raise
                LOGGER.warning("co-processor missed watchdog PING %d; trying again", attempt)

    # network ------------------------------------------------------------------------------

    async def start_network(self) -> None:
        status = await self.client.request_status(P.START_NETWORK)
        if status is rp.Status.NOT_FORMED:
            raise zigpy.exceptions.NetworkNotFormed("the emulated network is not formed")
        await self.load_network_info()
        await self.register_endpoints()
        coordinator = EmulatedCoordinator(self, self.state.node_info.ieee, self.state.node_info.nwk)
        self.devices[coordinator.ieee] = coordinator
        task = coordinator.schedule_initialize()
        if task is not None:
            await task

    async def load_network_info(self, *, load_devices: bool = False) -> None:
        params = rp.NetworkParameters.decode(
            await self.client.request(P.GET_NETWORK, expect=P.NETWORK)
        )
        if params.state is rp.NetworkState.NOT_FORMED:
            raise zigpy.exceptions.NetworkNotFormed("the emulated network is not formed")
        self.state.node_info = zigpy.state.NodeInfo(
            nwk=t.NWK(0x0000),
            ieee=self._ieee,
            logical_type=zdo_t.LogicalType.Coordinator,
            model="emulated co-processor",
            manufacturer="smets1-hil",
            version=str(rp.PROTOCOL_VERSION),
        )
        self.state.network_info = zigpy.state.NetworkInfo(
            extended_pan_id=t.ExtendedPanId(params.extended_pan_id),
            pan_id=t.PanId(params.pan_id),
            nwk_update_id=params.nwk_update_id,
            nwk_manager_id=t.NWK(0x0000),
            channel=params.channel,
            channel_mask=t.Channels.from_channel_list([params.channel])
            if params.channel
            else t.Channels.NO_CHANNELS,
            security_level=5,
            network_key=zigpy.state.Key(
                key=t.KeyData(params.network_key),
                tx_counter=params.frame_counter,
                seq=params.key_sequence,
            ),
            tc_link_key=zigpy.state.Key(key=t.KeyData(params.tc_link_key), partner_ieee=self._ieee),
            stack_specific={},
            metadata={"emulated": {"protocol_version": rp.PROTOCOL_VERSION}},
            source="smets1-hil emulated radio",
        )

    async def write_network_info(
        self, *, network_info: zigpy.state.NetworkInfo, node_info: zigpy.state.NodeInfo
    ) -> None:
        params = rp.NetworkParameters(
            rp.NetworkState.FORMED,
            channel=int(network_info.channel or 15),
            pan_id=int(network_info.pan_id),
            extended_pan_id=bytes(network_info.extended_pan_id.serialize()),
            nwk_update_id=int(network_info.nwk_update_id),
            network_key=bytes(network_info.network_key.key.serialize()),
            key_sequence=int(network_info.network_key.seq),
            tc_link_key=bytes(network_info.tc_link_key.key.serialize()),
            frame_counter=int(network_info.network_key.tx_counter) & 0xFFFFFFFF,
        )
        status = await self.client.request_status(P.FORM_NETWORK, params.encode())
        if status is not rp.Status.SUCCESS:
            raise zigpy.exceptions.FormationFailure(
                f"forming the emulated network failed: {status.name}"
            )

    async def reset_network_info(self) -> None:
        await self.client.request_status(P.LEAVE_NETWORK)

    async def permit_ncp(self, time_s: int = 60) -> None:
        await self.client.request_status(P.PERMIT_JOIN, bytes((max(0, min(254, time_s)),)))

    async def permit_with_link_key(
        self, node: t.EUI64, link_key: t.KeyData, time_s: int = 60
    ) -> None:
        await self.permit_ncp(time_s)

    async def force_remove(self, dev: zigpy.device.Device) -> None:
        """The emulated co-processor keeps no child table to remove a device from."""

    async def add_endpoint(self, descriptor: zdo_t.SimpleDescriptor) -> None:
        endpoint = rp.Endpoint(
            endpoint=int(descriptor.endpoint),
            profile=int(descriptor.profile),
            device_type=int(descriptor.device_type),
            device_version=int(descriptor.device_version),
            input_clusters=tuple(int(c) for c in descriptor.input_clusters),
            output_clusters=tuple(int(c) for c in descriptor.output_clusters),
        )
        await self.client.request_status(P.ADD_ENDPOINT, endpoint.encode())

    async def energy_scan(
        self, channels: t.Channels, duration_exp: int, count: int
    ) -> dict[int, float]:
        return {channel: 0.0 for channel in channels}

    # data ---------------------------------------------------------------------------------

    async def send_packet(self, packet: t.ZigbeePacket) -> None:
        await self.send_packet_nowait(packet)

    def send_packet_nowait(self, packet: t.ZigbeePacket) -> asyncio.Future[None]:
        """``send_packet`` without a coroutine: the packet is written at once; the future ends
        when the co-processor confirms it, with ``DeliveryError`` if it could not deliver or did
        not answer within ``SEND_CONFIRM_TIMEOUT``."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def settled(error: Exception | None) -> None:
            if done.done():
                return
            if error is None:
                done.set_result(None)
            else:
                done.set_exception(error)

        self.send_packet_then(packet, settled)
        return done

    def send_packet_then(
        self, packet: t.ZigbeePacket, done: Callable[[Exception | None], None]
    ) -> None:
        """``send_packet`` for hot paths (the OTA server): the packet is written at once and
        ``done`` is called when the co-processor confirms it, with None, or with
        ``DeliveryError`` if it could not deliver or did not answer within
        ``SEND_CONFIRM_TIMEOUT`` (checked once a second). No future, task or timer per packet."""
        try:
            body = self._send_body(packet)
        except (AttributeError, TypeError, ValueError) as exc:
            done(zigpy.exceptions.DeliveryError(f"SEND: {exc}"))
            return
        self._send_then(body, done)

    def send_frame_then(
        self,
        nwk: int,
        src_ep: int,
        dst_ep: int,
        profile: int,
        cluster: int,
        data: bytes,
        done: Callable[[Exception | None], None],
    ) -> None:
        """:meth:`send_packet_then` of the packet a ZCL frame makes (unicast to ``nwk``, the
        frame's sequence number as TSN, radius 0, no transmit options) without making it: the
        OTA server's answers to the frames it takes from a frame tap."""
        try:
            body = self._SEND_HEAD.pack(
                rp.AddrMode.NWK, nwk, dst_ep, src_ep, profile, cluster, data[1], 0, 0
            )
        except (IndexError, ValueError) as exc:  # struct.error is a ValueError
            done(zigpy.exceptions.DeliveryError(f"SEND: {exc}"))
            return
        self._send_then(body + data, done)

    def _send_then(self, body: bytes, done: Callable[[Exception | None], None]) -> None:
        client = self._client

        def answered(ptype: int, answer: bytes, error: Exception | None) -> None:
            if error is not None:
                reason = "no confirmation in time" if isinstance(error, TimeoutError) else error
                done(zigpy.exceptions.DeliveryError(f"SEND: {reason}"))
                return
            if ptype == P.SEND_CONFIRM and answer and answer[0] == rp.Status.SUCCESS:
                done(None)
                return
            status = rp.Status.FAILURE
            if ptype == P.SEND_CONFIRM and answer and answer[0] in STATUS_VALUES:
                status = rp.Status(answer[0])
            done(
                zigpy.exceptions.DeliveryError(
                    f"emulated radio could not deliver: {status.name}", status=status
                )
            )

        try:
            if client is None:
                client = self.client  # raises ControllerException: not connected
            client.send_then(P.SEND, body, answered, SEND_CONFIRM_TIMEOUT)
        except (RadioLinkError, LinkClosed, zigpy.exceptions.ControllerException) as exc:
            done(zigpy.exceptions.DeliveryError(str(exc)))

    _SEND_HEAD = rp.Send._HEAD  # the SEND body's fixed part (docs/radio-link.md)

    @classmethod
    def _send_body(cls, packet: t.ZigbeePacket) -> bytes:
        dst = packet.dst
        assert dst is not None
        mode_of = dst.addr_mode
        if mode_of == t.AddrMode.NWK:
            mode, address = rp.AddrMode.NWK, int(dst.address)
        elif mode_of == t.AddrMode.IEEE:
            mode, address = (
                rp.AddrMode.IEEE,
                int.from_bytes(bytes(dst.address.serialize()), "little"),
            )
        elif mode_of == t.AddrMode.Group:
            mode, address = rp.AddrMode.GROUP, int(dst.address)
        elif mode_of == t.AddrMode.Broadcast:
            mode, address = rp.AddrMode.BROADCAST, int(dst.address)
        else:
            mode, address = rp.AddrMode.NWK, int(dst.address)
        # rp.Send(...).encode() without the intermediate object
        return (
            cls._SEND_HEAD.pack(
                mode,
                address,
                packet.dst_ep or 0,
                packet.src_ep or 0,
                packet.profile_id,
                packet.cluster_id,
                packet.tsn,
                packet.radius,
                packet.tx_options.value & 0xFF,
            )
            + packet.data.value
        )

    def _address(self, mode: t.AddrMode, address: int) -> t.AddrModeAddress:
        """One shared AddrModeAddress per address (zigpy treats packet addresses as values)."""
        key = (mode, address)
        found = self._addresses.get(key)
        if found is None:
            found = self._addresses[key] = t.AddrModeAddress(addr_mode=mode, address=address)
        return found

    _RECEIVED_HEAD = rp.Received._HEAD  # the RECEIVED body's fixed part (docs/radio-link.md)

    def _on_received(self, body: bytes) -> None:
        """A RECEIVED packet's body, unpacked straight into zigpy's packet."""
        head = self._RECEIVED_HEAD
        if len(body) < head.size:
            raise rp.ProtocolError("truncated RECEIVED")
        (nwk, _, src_ep, dst_ep, profile, cluster, tsn, lqi, rssi, mode, dst_address) = (
            head.unpack_from(body, 0)
        )
        taps = self._frame_taps
        if taps:  # a frame tap takes its frames before they become packets
            tap = taps.get((nwk, cluster))
            if tap is not None and tap(src_ep, dst_ep, body[head.size :]):
                return
        if mode == rp.AddrMode.BROADCAST:
            dst = self._address(t.AddrMode.Broadcast, dst_address)
        elif mode not in ADDR_MODES:
            raise rp.ProtocolError(f"RECEIVED: unknown address mode {mode}")
        else:
            dst = self._address(t.AddrMode.NWK, dst_address)
        self.packet_received(
            t.ZigbeePacket(
                src=self._address(t.AddrMode.NWK, nwk),
                src_ep=src_ep,
                dst=dst,
                dst_ep=dst_ep,
                tsn=tsn,
                profile_id=profile,
                cluster_id=cluster,
                data=t.SerializableBytes(body[head.size :]),
                lqi=lqi,
                rssi=rssi,
            )
        )

    def _on_join(self, notice: rp.JoinNotice) -> None:
        if notice.event is rp.JoinEvent.LEFT:
            self.handle_leave(t.NWK(notice.nwk), t.EUI64(notice.ieee))
        # joins are announced by the device's own Device_annce, which zigpy handles

"""The EZSP command set of the emulated co-processor (UG100, protocol version 8).

:class:`EzspNcp` takes EZSP frames from the host (``handle``) and sends responses and callbacks
with ``send``. It keeps what a real NCP keeps: tokens that survive a reset (the network it formed,
its keys, its EUI-64) and RAM that does not (configuration values, policies, endpoints, the
multicast table, the negotiated version). The devices on the air are reached through
:class:`~rigs.emulator.coprocessors.ezsp.air.CoProcessorAir`.

A command with an unknown frame ID, or sent before the ``version`` command, is answered with the
``invalidCommand`` frame (0x0058) carrying the EzspStatus that says why, and counted
(``invalid_commands``) with a log line. Callbacks are asynchronous (UART host): they carry the
sequence number of the last command seen and always follow the response of the command that
caused them.
"""

from __future__ import annotations

import logging
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rigs.emulator.coprocessors.ezsp import frames as f
from rigs.emulator.coprocessors.ezsp.air import CoProcessorAir
from rigs.emulator.coprocessors.ezsp.frames import EmberStatus as ES
from rigs.emulator.coprocessors.ezsp.frames import EzspStatus as ZS
from rigs.emulator.coprocessors.ezsp.frames import FrameId as F
from rigs.emulator.coprocessors.link_protocol import COORDINATOR_IEEE
from rigs.emulator.coprocessors.link_protocol import LinkProtocolCoProcessor as CoProcessor
from rigs.protocols import radio_link as rp

LOGGER = logging.getLogger(__name__)

MANUFACTURER = "smets1-hil"
BOARD = "emulated EZSP NCP"
# build, major, minor, patch, special, type
VERSION_INFO = struct.pack("<HBBBBB", 0, 6, 10, 3, 0, 0)
FREE_BUFFERS = 250
APS_OPTION_RETRY = 0x0040
APS_OPTION_ENCRYPTION = 0x0020
BROADCAST_ADDRESSES = (0xFFFF, 0xFFFD, 0xFFFC, 0xFFFB)
CONFIG_DEFAULTS = {  # our settings: what a 6.10 NCP reports before the host sets anything
    0x01: 75,  # PACKET_BUFFER_COUNT
    0x02: 16,  # NEIGHBOR_TABLE_SIZE
    0x03: 10,  # APS_UNICAST_MESSAGE_COUNT
    0x04: 0,  # BINDING_TABLE_SIZE
    f.CONFIG_ADDRESS_TABLE_SIZE: 8,
    f.CONFIG_MULTICAST_TABLE_SIZE: 8,
    0x07: 16,  # ROUTE_TABLE_SIZE
    0x0C: 2,  # STACK_PROFILE
    f.CONFIG_SECURITY_LEVEL: 5,
    0x10: 30,  # MAX_HOPS
    0x11: 6,  # MAX_END_DEVICE_CHILDREN
    f.CONFIG_KEY_TABLE_SIZE: 0,
}
MAX_CONFIG_ID = 0x42
SCAN_ENERGY = 0  # EzspNetworkScanType
SCAN_ACTIVE = 1
QUIET_CHANNEL_RSSI = -90  # our setting: the energy every channel shows in a scan (dBm)
# UG100: EZSP_MESSAGE_CONTENTS_IN_CALLBACK_POLICY and its decisions; by default (tag only) the
# messageSentHandler callback carries an empty messageContents
MESSAGE_CONTENTS_IN_CALLBACK_POLICY = 0x04
MESSAGE_TAG_AND_CONTENTS_IN_CALLBACK = 0x41


@dataclass
class Tokens:
    """What survives a reset of the co-processor (its NVM3 tokens)."""

    eui64: bytes = COORDINATOR_IEEE
    formed: bool = False
    params: f.NetworkParameters | None = None
    network_key: bytes = b"\x00" * 16
    key_sequence: int = 0
    tc_link_key: bytes = b"ZigBeeAlliance09"
    nwk_frame_counter: int = 0
    aps_frame_counter: int = 0
    security_bitmask: int = 0


@dataclass
class Ram:
    """What a reset clears."""

    version_set: bool = False
    stack_up: bool = False
    config: dict[int, int] = field(default_factory=lambda: dict(CONFIG_DEFAULTS))
    values: dict[int, bytes] = field(default_factory=dict)
    policies: dict[int, int] = field(default_factory=dict)
    endpoints: dict[int, rp.Endpoint] = field(default_factory=dict)
    multicast: dict[int, bytes] = field(default_factory=dict)
    extended_timeout: dict[bytes, bool] = field(default_factory=dict)
    counters: list[int] = field(default_factory=lambda: [0] * f.COUNTER_TYPES)


class EzspNcp:
    """One emulated EmberZNet NCP; ``send`` takes every frame for the host."""

    def __init__(self, coprocessor: CoProcessor, send: Callable[[bytes], None]) -> None:
        self._send = send
        self.tokens = Tokens()
        self.ram = Ram()
        self.invalid_commands = 0
        self.malformed_commands = 0
        self.commands = 0
        self._last_sequence = 0
        self._in_command = False
        self._deferred: list[bytes] = []
        self._aps_counter = 0
        self._nodes: dict[int, bytes] = {}  # NWK -> EUI-64 of devices seen on the air
        self.air = CoProcessorAir(coprocessor, self)
        self._handlers: dict[int, Callable[[f.Reader], bytes]] = {
            F.VERSION: self._version,
            F.NOP: lambda r: b"",
            F.GET_VALUE: self._get_value,
            F.SET_VALUE: self._set_value,
            F.GET_CONFIGURATION_VALUE: self._get_config,
            F.SET_CONFIGURATION_VALUE: self._set_config,
            F.SET_POLICY: self._set_policy,
            F.GET_MFG_TOKEN: self._get_mfg_token,
            F.ADD_ENDPOINT: self._add_endpoint,
            F.NETWORK_INIT: self._network_init,
            F.NETWORK_STATE: self._network_state,
            F.GET_NETWORK_PARAMETERS: self._get_network_parameters,
            F.GET_NODE_ID: self._get_node_id,
            F.GET_EUI64: lambda r: self.tokens.eui64,
            F.SET_INITIAL_SECURITY_STATE: self._set_initial_security_state,
            F.GET_CURRENT_SECURITY_STATE: self._get_current_security_state,
            F.GET_KEY: self._get_key,
            F.FORM_NETWORK: self._form_network,
            F.LEAVE_NETWORK: self._leave_network,
            F.PERMIT_JOINING: self._permit_joining,
            F.START_SCAN: self._start_scan,
            F.SEND_UNICAST: self._send_unicast,
            F.SEND_BROADCAST: self._send_broadcast,
            F.SEND_MULTICAST: self._send_multicast,
            F.SEND_REPLY: self._send_reply,
            F.SET_CONCENTRATOR: self._ok_after(7),
            F.SET_SOURCE_ROUTE_DISCOVERY_MODE: lambda r: (r.u8(), struct.pack("<I", 0))[1],
            F.SET_SOURCE_ROUTE: self._set_source_route,
            F.READ_COUNTERS: lambda r: self._counters(clear=False),
            F.READ_AND_CLEAR_COUNTERS: lambda r: self._counters(clear=True),
            F.CLEAR_KEY_TABLE: lambda r: bytes((ES.SUCCESS,)),
            F.ADD_TRANSIENT_LINK_KEY: self._ok_after(8 + 16),
            F.ADD_OR_UPDATE_KEY_TABLE_ENTRY: self._ok_after(8 + 1 + 16),
            F.GET_KEY_TABLE_ENTRY: self._get_key_table_entry,
            F.FIND_KEY_TABLE_ENTRY: lambda r: (r.take(9), b"\xff")[1],
            F.ERASE_KEY_TABLE_ENTRY: lambda r: (r.u8(), bytes((ES.INDEX_OUT_OF_RANGE,)))[1],
            F.SET_RADIO_POWER: self._ok_after(1),
            F.SET_MANUFACTURER_CODE: lambda r: (r.u16(), b"")[1],
            F.GET_EXTENDED_TIMEOUT: self._get_extended_timeout,
            F.SET_EXTENDED_TIMEOUT: self._set_extended_timeout,
            F.LOOKUP_NODE_ID_BY_EUI64: self._lookup_node_id,
            F.LOOKUP_EUI64_BY_NODE_ID: self._lookup_eui64,
            F.REPLACE_ADDRESS_TABLE_ENTRY: self._replace_address_table_entry,
            F.GET_ADDRESS_TABLE_REMOTE_NODE_ID: lambda r: (r.u8(), struct.pack("<H", 0xFFFF))[1],
            F.GET_ADDRESS_TABLE_REMOTE_EUI64: lambda r: (r.u8(), b"\x00" * 8)[1],
            F.GET_MULTICAST_TABLE_ENTRY: self._get_multicast,
            F.SET_MULTICAST_TABLE_ENTRY: self._set_multicast,
            F.GET_CHILD_DATA: self._get_child_data,
            # Green Power (UG100): no parameters either way; the table is always empty here
            F.GP_SINK_TABLE_CLEAR_ALL: lambda r: b"",
        }

    def close(self) -> None:
        self.air.close()

    def stats(self) -> dict[str, Any]:
        return {
            "protocol_version": f.EZSP_PROTOCOL_VERSION,
            "commands": self.commands,
            "invalid_commands": self.invalid_commands,
            "malformed_commands": self.malformed_commands,
            "stack_up": self.ram.stack_up,
            "network_formed": self.tokens.formed,
        }

    # framing ------------------------------------------------------------------------------

    def reset(self) -> None:
        """The co-processor restarts: RAM is cleared, tokens stay, the stack is down."""
        self.ram = Ram()
        self._deferred.clear()

    def handle(self, frame: bytes) -> None:
        """One EZSP frame from the host: answer it, then send the callbacks it caused."""
        try:
            header, params = f.parse(frame)
        except f.FrameError as exc:
            self.malformed_commands += 1
            LOGGER.warning("malformed EZSP frame dropped (%s): %s", exc, frame.hex())
            return
        self.commands += 1
        self._last_sequence = header.sequence
        self._in_command = True
        try:
            answer = self._answer(header, params)
            self._send(answer)
        finally:
            self._in_command = False
            deferred, self._deferred = self._deferred, []
            for callback in deferred:
                self._send(callback)

    def _answer(self, header: f.Header, params: bytes) -> bytes:
        if header.control & f.FC_RESPONSE:
            return self._invalid(header, ZS.ERROR_WRONG_DIRECTION)
        if header.frame_id != F.VERSION and not self.ram.version_set:
            return self._invalid(header, ZS.ERROR_VERSION_NOT_SET)
        handler = self._handlers.get(header.frame_id)
        if handler is None:
            return self._invalid(header, ZS.ERROR_INVALID_FRAME_ID)
        try:
            reply = handler(f.Reader(params))
        except f.FrameError:
            self.malformed_commands += 1
            LOGGER.warning("EZSP frame 0x%04X with short parameters", header.frame_id)
            return self._invalid(header, ZS.ERROR_INVALID_VALUE)
        return f.response(header.sequence, header.frame_id, reply, legacy=header.legacy)

    def _invalid(self, header: f.Header, status: ZS) -> bytes:
        self.invalid_commands += 1
        LOGGER.warning(
            "invalid EZSP command 0x%04X (%s), %d so far",
            header.frame_id,
            status.name,
            self.invalid_commands,
        )
        return f.response(
            header.sequence, F.INVALID_COMMAND, bytes((status,)), legacy=header.legacy
        )

    def _callback(self, frame_id: F, params: bytes) -> None:
        frame = f.callback(self._last_sequence, frame_id, params)
        if self._in_command:
            self._deferred.append(frame)
        else:
            self._send(frame)

    @staticmethod
    def _ok_after(count: int) -> Callable[[f.Reader], bytes]:
        def handler(reader: f.Reader) -> bytes:
            reader.take(count)
            return bytes((ES.SUCCESS,))

        return handler

    # configuration ------------------------------------------------------------------------

    def _version(self, r: f.Reader) -> bytes:
        desired = r.u8()
        self.ram.version_set = desired == f.EZSP_PROTOCOL_VERSION
        return struct.pack("<BBH", f.EZSP_PROTOCOL_VERSION, f.STACK_TYPE_MESH, f.STACK_VERSION)

    def _get_value(self, r: f.Reader) -> bytes:
        value_id = r.u8()
        if value_id == f.VALUE_VERSION_INFO:
            value = VERSION_INFO
        elif value_id == f.VALUE_FREE_BUFFERS:
            value = bytes((FREE_BUFFERS,))
        elif value_id in self.ram.values:
            value = self.ram.values[value_id]
        else:
            return bytes((ZS.ERROR_INVALID_ID, 0))
        return bytes((ZS.SUCCESS,)) + f.lv(value)

    def _set_value(self, r: f.Reader) -> bytes:
        value_id = r.u8()
        value = r.lv()
        if value_id == 0x23 and len(value) == 4:  # VALUE_NWK_FRAME_COUNTER
            self.tokens.nwk_frame_counter = struct.unpack("<I", value)[0]
        elif value_id == 0x24 and len(value) == 4:  # VALUE_APS_FRAME_COUNTER
            self.tokens.aps_frame_counter = struct.unpack("<I", value)[0]
        self.ram.values[value_id] = value
        return bytes((ZS.SUCCESS,))

    def _get_config(self, r: f.Reader) -> bytes:
        config_id = r.u8()
        if config_id > MAX_CONFIG_ID:
            return struct.pack("<BH", ZS.ERROR_INVALID_ID, 0)
        return struct.pack("<BH", ZS.SUCCESS, self.ram.config.get(config_id, 0))

    def _set_config(self, r: f.Reader) -> bytes:
        config_id = r.u8()
        value = r.u16()
        if config_id > MAX_CONFIG_ID:
            return bytes((ZS.ERROR_INVALID_ID,))
        if self.ram.stack_up:
            return bytes((ZS.ERROR_INVALID_CALL,))
        self.ram.config[config_id] = value
        return bytes((ZS.SUCCESS,))

    def _set_policy(self, r: f.Reader) -> bytes:
        policy = r.u8()
        self.ram.policies[policy] = r.u8()
        return bytes((ZS.SUCCESS,))

    def _get_mfg_token(self, r: f.Reader) -> bytes:
        token = r.u8()
        if token == f.MFG_STRING:
            return f.lv(MANUFACTURER.encode().ljust(16, b"\xff"))
        if token == f.MFG_BOARD_NAME:
            return f.lv(BOARD.encode()[:16].ljust(16, b"\xff"))
        if token == f.MFG_CUSTOM_EUI_64:
            return f.lv(b"\xff" * 8)
        return f.lv(b"\xff" * 2)

    def _add_endpoint(self, r: f.Reader) -> bytes:
        endpoint, profile, device, version, n_in, n_out = struct.unpack("<BHHBBB", r.take(8))
        clusters_in = struct.unpack(f"<{n_in}H", r.take(2 * n_in))
        clusters_out = struct.unpack(f"<{n_out}H", r.take(2 * n_out))
        if self.ram.stack_up or endpoint in self.ram.endpoints or endpoint in (0, 0xFF):
            return bytes((ZS.ERROR_INVALID_CALL,))
        described = rp.Endpoint(endpoint, profile, device, version, clusters_in, clusters_out)
        self.ram.endpoints[endpoint] = described
        self.air.add_endpoint(described)
        return bytes((ZS.SUCCESS,))

    # network ------------------------------------------------------------------------------

    def _air_parameters(self) -> rp.NetworkParameters:
        params = self.tokens.params
        assert params is not None
        return rp.NetworkParameters(
            rp.NetworkState.FORMED,
            channel=params.channel,
            pan_id=params.pan_id,
            extended_pan_id=params.extended_pan_id,
            nwk_update_id=params.nwk_update_id,
            network_key=self.tokens.network_key,
            key_sequence=self.tokens.key_sequence,
            tc_link_key=self.tokens.tc_link_key,
            frame_counter=self.tokens.nwk_frame_counter,
        )

    def _bring_up(self) -> None:
        """Start the stack on the formed network. The emulated devices join again when joining
        is next permitted (the host of an emulator keeps no device database)."""
        self.air.form(self._air_parameters())
        self.air.start()
        self._nodes.clear()
        self.ram.stack_up = True
        self._callback(F.STACK_STATUS_HANDLER, bytes((ES.NETWORK_UP,)))

    def _network_init(self, r: f.Reader) -> bytes:
        r.u16()  # EmberNetworkInitBitmask: parent info and end-device options, unused here
        if self.ram.stack_up:
            return bytes((ES.INVALID_CALL,))
        if not self.tokens.formed:
            return bytes((ES.NOT_JOINED,))
        self._bring_up()
        return bytes((ES.SUCCESS,))

    def _network_state(self, r: f.Reader) -> bytes:
        up = self.ram.stack_up
        return bytes((f.NetworkStatus.JOINED_NETWORK if up else f.NetworkStatus.NO_NETWORK,))

    def _get_network_parameters(self, r: f.Reader) -> bytes:
        params = self.tokens.params
        if not self.ram.stack_up or params is None:
            empty = f.NetworkParameters(b"\x00" * 8, 0, 0, 0)
            return bytes((ES.NOT_JOINED, f.NodeType.UNKNOWN)) + empty.encode()
        return bytes((ES.SUCCESS, f.NodeType.COORDINATOR)) + params.encode()

    def _get_node_id(self, r: f.Reader) -> bytes:
        return struct.pack("<H", 0x0000 if self.ram.stack_up else 0xFFFE)

    def _set_initial_security_state(self, r: f.Reader) -> bytes:
        bitmask = r.u16()
        preconfigured = r.take(16)
        network_key = r.take(16)
        sequence = r.u8()
        r.take(8)  # preconfiguredTrustCenterEui64: only for a joining node
        if self.ram.stack_up:
            return bytes((ES.INVALID_CALL,))
        self.tokens.security_bitmask = bitmask
        self.tokens.tc_link_key = preconfigured
        self.tokens.network_key = network_key if bitmask & 0x0200 else os.urandom(16)
        self.tokens.key_sequence = sequence
        return bytes((ES.SUCCESS,))

    def _get_current_security_state(self, r: f.Reader) -> bytes:
        if not self.ram.stack_up:
            return bytes((ES.NOT_JOINED,)) + b"\x00" * 10
        # GLOBAL_LINK_KEY | HAVE_TRUST_CENTER_LINK_KEY (EmberCurrentSecurityBitmask)
        return bytes((ES.SUCCESS,)) + struct.pack("<H", 0x0014) + self.tokens.eui64

    def _get_key(self, r: f.Reader) -> bytes:
        key_type = r.u8()
        if not self.tokens.formed:
            return bytes((ES.NOT_JOINED,)) + f.key_struct(key_type, b"\x00" * 16)
        if key_type == f.KEY_TYPE_CURRENT_NETWORK:
            key = f.key_struct(
                key_type,
                self.tokens.network_key,
                outgoing=self.tokens.nwk_frame_counter,
                sequence=self.tokens.key_sequence,
            )
        elif key_type == f.KEY_TYPE_TRUST_CENTER_LINK:
            key = f.key_struct(
                key_type, self.tokens.tc_link_key, outgoing=self.tokens.aps_frame_counter
            )
        else:
            return bytes((ES.NOT_FOUND,)) + f.key_struct(key_type, b"\x00" * 16)
        return bytes((ES.SUCCESS,)) + key

    def _form_network(self, r: f.Reader) -> bytes:
        params = f.NetworkParameters.read(r)
        if self.ram.stack_up:
            return bytes((ES.INVALID_CALL,))
        if not 11 <= params.channel <= 26 or params.pan_id in (0xFFFF,):
            return bytes((ES.BAD_ARGUMENT,))
        self.tokens.params = params
        self.tokens.formed = True
        self._bring_up()
        return bytes((ES.SUCCESS,))

    def _leave_network(self, r: f.Reader) -> bytes:
        if not self.ram.stack_up:
            return bytes((ES.INVALID_CALL,))
        self.air.leave()
        self.tokens.formed = False
        self.tokens.params = None
        self.ram.stack_up = False
        self._nodes.clear()
        self._callback(F.STACK_STATUS_HANDLER, bytes((ES.NETWORK_DOWN,)))
        return bytes((ES.SUCCESS,))

    def _permit_joining(self, r: f.Reader) -> bytes:
        seconds = r.u8()
        if not self.ram.stack_up:
            return bytes((ES.NOT_JOINED,))
        self.air.permit(seconds)
        return bytes((ES.SUCCESS,))

    def _start_scan(self, r: f.Reader) -> bytes:
        """Energy scan: every channel of the mask is quiet; active scan: no other network."""
        scan_type = r.u8()
        mask = r.u32()
        r.u8()  # duration exponent
        if scan_type not in (SCAN_ENERGY, SCAN_ACTIVE):
            return bytes((ES.BAD_ARGUMENT,))
        if scan_type == SCAN_ENERGY:
            for channel in range(11, 27):
                if mask & (1 << channel):
                    rssi = QUIET_CHANNEL_RSSI & 0xFF
                    self._callback(F.ENERGY_SCAN_RESULT_HANDLER, bytes((channel, rssi)))
        self._callback(F.SCAN_COMPLETE_HANDLER, bytes((0xFF, ES.SUCCESS)))
        return bytes((ES.SUCCESS,))

    # messages -----------------------------------------------------------------------------

    def _next_aps_counter(self) -> int:
        self._aps_counter = (self._aps_counter + 1) & 0xFF
        return self._aps_counter

    def _transmit(
        self,
        kind: f.OutgoingType,
        destination: int,
        aps: f.ApsFrame,
        tag: int,
        message: bytes,
        mode: rp.AddrMode,
        radius: int = 0,
    ) -> bytes:
        if not self.ram.stack_up:
            return bytes((ES.NOT_JOINED, 0))
        sequence = self._next_aps_counter()
        options = (1 if aps.options & APS_OPTION_RETRY else 0) | (
            2 if aps.options & APS_OPTION_ENCRYPTION else 0
        )
        sent = f.ApsFrame(
            aps.profile, aps.cluster, aps.src_ep, aps.dst_ep, aps.options, aps.group, sequence
        )

        def confirm(status: rp.Status) -> None:
            ember = {
                rp.Status.SUCCESS: ES.SUCCESS,
                rp.Status.NO_ACK: ES.DELIVERY_FAILED,
            }.get(status, ES.DELIVERY_FAILED)
            policy = self.ram.policies.get(MESSAGE_CONTENTS_IN_CALLBACK_POLICY)
            contents = message if policy == MESSAGE_TAG_AND_CONTENTS_IN_CALLBACK else b""
            self._callback(
                F.MESSAGE_SENT_HANDLER,
                struct.pack("<BH", kind, destination)
                + sent.encode()
                + bytes((tag, ember))
                + f.lv(contents),
            )

        address = aps.group if mode is rp.AddrMode.GROUP else destination
        self.air.send(
            rp.Send(
                mode,
                address,
                aps.dst_ep,
                aps.src_ep,
                aps.profile,
                aps.cluster,
                sequence,
                radius,
                options,
                message,
            ),
            confirm,
        )
        return bytes((ES.SUCCESS, sequence))

    def _send_unicast(self, r: f.Reader) -> bytes:
        kind = r.u8()
        destination = r.u16()
        aps = f.ApsFrame.read(r)
        tag = r.u8()
        message = r.lv()
        if kind != f.OutgoingType.DIRECT:
            return bytes((ES.BAD_ARGUMENT, 0))  # address table and binding sends: not emulated
        return self._transmit(
            f.OutgoingType.DIRECT, destination, aps, tag, message, rp.AddrMode.NWK
        )

    def _send_broadcast(self, r: f.Reader) -> bytes:
        destination = r.u16()
        aps = f.ApsFrame.read(r)
        radius = r.u8()
        tag = r.u8()
        message = r.lv()
        if destination not in BROADCAST_ADDRESSES:
            return bytes((ES.BAD_ARGUMENT, 0))
        return self._transmit(
            f.OutgoingType.BROADCAST,
            destination,
            aps,
            tag,
            message,
            rp.AddrMode.BROADCAST,
            radius,
        )

    def _send_multicast(self, r: f.Reader) -> bytes:
        aps = f.ApsFrame.read(r)
        hops = r.u8()
        r.u8()  # nonmemberRadius
        tag = r.u8()
        message = r.lv()
        return self._transmit(
            f.OutgoingType.MULTICAST, aps.group, aps, tag, message, rp.AddrMode.GROUP, hops
        )

    def _send_reply(self, r: f.Reader) -> bytes:
        sender = r.u16()
        aps = f.ApsFrame.read(r)
        message = r.lv()
        status = self._transmit(f.OutgoingType.DIRECT, sender, aps, 0, message, rp.AddrMode.NWK)
        return status[:1]

    def _set_source_route(self, r: f.Reader) -> bytes:
        r.u16()
        count = r.u8()
        r.take(2 * count)
        return bytes((ES.SUCCESS,))

    def _counters(self, *, clear: bool) -> bytes:
        values = [min(v, 0xFFFF) for v in self.ram.counters]
        if clear:
            self.ram.counters = [0] * f.COUNTER_TYPES
        return struct.pack(f"<{len(values)}H", *values)

    # tables -------------------------------------------------------------------------------

    def _get_extended_timeout(self, r: f.Reader) -> bytes:
        return bytes((self.ram.extended_timeout.get(r.take(8), False),))

    def _set_extended_timeout(self, r: f.Reader) -> bytes:
        eui64 = r.take(8)
        self.ram.extended_timeout[eui64] = bool(r.u8())
        return b""

    def _lookup_node_id(self, r: f.Reader) -> bytes:
        eui64 = r.take(8)
        for nwk, known in self._nodes.items():
            if known == eui64:
                return struct.pack("<H", nwk)
        return struct.pack("<H", 0xFFFF)

    def _lookup_eui64(self, r: f.Reader) -> bytes:
        nwk = r.u16()
        if nwk == 0x0000 and self.ram.stack_up:
            return bytes((ES.SUCCESS,)) + self.tokens.eui64
        known = self._nodes.get(nwk)
        if known is None:
            return bytes((ES.NOT_FOUND,)) + b"\x00" * 8
        return bytes((ES.SUCCESS,)) + known

    def _replace_address_table_entry(self, r: f.Reader) -> bytes:
        index = r.u8()
        eui64 = r.take(8)
        nwk = r.u16()
        extended = bool(r.u8())
        if index >= self.ram.config.get(f.CONFIG_ADDRESS_TABLE_SIZE, 0):
            return bytes((ES.INDEX_OUT_OF_RANGE,)) + b"\x00" * 11
        self.ram.extended_timeout[eui64] = extended
        self._nodes.setdefault(nwk, eui64)
        return bytes((ES.SUCCESS,)) + b"\x00" * 8 + struct.pack("<HB", 0xFFFF, 0)

    def _get_key_table_entry(self, r: f.Reader) -> bytes:
        index = r.u8()
        # link keys are not kept: every entry of the table is empty
        size = self.ram.config.get(f.CONFIG_KEY_TABLE_SIZE, 0)
        status = ES.TABLE_ENTRY_ERASED if index < size else ES.INDEX_OUT_OF_RANGE
        return bytes((status,)) + f.key_struct(0, b"\x00" * 16)

    def _get_multicast(self, r: f.Reader) -> bytes:
        index = r.u8()
        if index >= self.ram.config.get(f.CONFIG_MULTICAST_TABLE_SIZE, 0):
            return bytes((ES.INDEX_OUT_OF_RANGE,)) + b"\x00" * 4
        return bytes((ES.SUCCESS,)) + self.ram.multicast.get(index, b"\x00" * 4)

    def _set_multicast(self, r: f.Reader) -> bytes:
        index = r.u8()
        entry = r.take(4)
        if index >= self.ram.config.get(f.CONFIG_MULTICAST_TABLE_SIZE, 0):
            return bytes((ES.INDEX_OUT_OF_RANGE,))
        self.ram.multicast[index] = entry
        return bytes((ES.SUCCESS,))

    def _get_child_data(self, r: f.Reader) -> bytes:
        r.u8()
        # the emulated devices are routers, never children: every index is empty
        return bytes((ES.NOT_JOINED,)) + b"\x00" * 14

    # from the air -------------------------------------------------------------------------

    def received(self, frame: rp.Received) -> None:
        if not self.ram.stack_up:
            return
        self._nodes[frame.src_nwk] = frame.src_ieee
        if frame.dst_mode is rp.AddrMode.BROADCAST:
            kind, group = f.IncomingType.BROADCAST, 0
        elif frame.dst_mode is rp.AddrMode.GROUP:
            kind, group = f.IncomingType.MULTICAST, frame.dst
        else:
            kind, group = f.IncomingType.UNICAST, 0
        aps = f.ApsFrame(
            frame.profile, frame.cluster, frame.src_ep, frame.dst_ep, 0, group, frame.tsn
        )
        rssi = frame.rssi & 0xFF
        self._callback(
            F.INCOMING_MESSAGE_HANDLER,
            bytes((kind,))
            + aps.encode()
            + struct.pack("<BBHBB", frame.lqi, rssi, frame.src_nwk, 0xFF, 0xFF)
            + f.lv(frame.data),
        )

    def joined(self, notice: rp.JoinNotice) -> None:
        if not self.ram.stack_up:
            return
        if notice.event is rp.JoinEvent.LEFT:
            self._nodes.pop(notice.nwk, None)
            update = f.DeviceUpdate.DEVICE_LEFT
        elif notice.event is rp.JoinEvent.REJOINED:
            self._nodes[notice.nwk] = notice.ieee
            update = f.DeviceUpdate.SECURED_REJOIN
        else:
            self._nodes[notice.nwk] = notice.ieee
            update = f.DeviceUpdate.UNSECURED_JOIN
        self._callback(
            F.TRUST_CENTER_JOIN_HANDLER,
            struct.pack("<H", notice.nwk)
            + notice.ieee
            + bytes((update, f.JOIN_DECISION_USE_PRECONFIGURED_KEY))
            + struct.pack("<H", notice.parent_nwk),
        )

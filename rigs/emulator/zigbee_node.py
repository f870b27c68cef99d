"""An emulated device as a ZigBee node: ZDO descriptors, Basic, OTA client, Metering, engineering.

The node turns APS frames addressed to it into calls on its :class:`EmulatedDevice` and
:class:`OtaClient`, and sends its own frames through the network (``transmit``). Radio-level
faults (lost or altered block responses, a reboot mid-transfer, slow answers) are applied here.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from typing import Any

from rigs.emulator import zcl_frames as zcl
from rigs.emulator.device import ActivationOutcome, EmulatedDevice
from rigs.emulator.ota_client import (
    BlockRequest,
    OtaClient,
    PageRequest,
    QueryNextImage,
    Request,
    UpgradeEnd,
)
from rigs.operations import DeviceRole, PinCheck
from rigs.protocols.radio_link import ieee_to_bytes

SE_PROFILE = 0x0109
ZDO_PROFILE = 0x0000
ENDPOINT = 1

BASIC = 0x0000
OTA = 0x0019
METERING = 0x0702
ENGINEERING = 0xFC53

# engineering cluster commands (client -> server), answered with the same id server -> client
ENG_VERIFY_PIN = 0x00
ENG_SET_PIN = 0x01
ENG_PIN_STATUS = 0x02
ENG_HELD_IMAGE = 0x03

PIN_RESULT = {PinCheck.CORRECT: 0, PinCheck.WRONG: 1, PinCheck.LOCKED: 2}

# OTA command ids
OTA_IMAGE_NOTIFY = 0x00
OTA_QUERY_NEXT_IMAGE = 0x01
OTA_QUERY_NEXT_IMAGE_RESPONSE = 0x02
OTA_IMAGE_BLOCK = 0x03
OTA_IMAGE_PAGE = 0x04
OTA_IMAGE_BLOCK_RESPONSE = 0x05
OTA_UPGRADE_END = 0x06
OTA_UPGRADE_END_RESPONSE = 0x07

# ZDO
NODE_DESC_REQ = 0x0002
SIMPLE_DESC_REQ = 0x0004
ACTIVE_EP_REQ = 0x0005
IEEE_ADDR_REQ = 0x0001
NWK_ADDR_REQ = 0x0000
DEVICE_ANNCE = 0x0013
MGMT_LEAVE_REQ = 0x0034
ZDO_NOT_SUPPORTED = 0x84
ZDO_DEVICE_NOT_FOUND = 0x81


Transmit = Callable[["ZigbeeNode", int, int, int, int, bytes], None]
"""(node, dst_ep, src_ep, profile, cluster, data) -> None; sends to the coordinator."""


class ZigbeeNode:
    def __init__(
        self, device: EmulatedDevice, transmit: Transmit, announce: Callable[[ZigbeeNode], None]
    ) -> None:
        self.device = device
        self.ota = OtaClient(device)
        device.on_activated(self.ota.on_activated)
        self.nwk = device.spec.nwk
        self.ieee = ieee_to_bytes(device.ieee)
        self.joined = False
        self.online = True
        self._transmit = transmit
        self._announce = announce
        self._tsn = 0
        self._timer: asyncio.TimerHandle | None = None
        self._retries = 0
        self._last_block_request = -1.0e9
        self._blocks_received = 0
        self._rebooted = False
        self._loop = asyncio.get_running_loop()
        self.frames_in = 0
        self.frames_out = 0

    # descriptors --------------------------------------------------------------------------

    @property
    def in_clusters(self) -> tuple[int, ...]:
        clusters = [BASIC]
        if self.device.profile.role in (DeviceRole.ESME, DeviceRole.GSME):
            clusters.append(METERING)
        clusters.append(ENGINEERING)
        return tuple(clusters)

    @property
    def out_clusters(self) -> tuple[int, ...]:
        return (OTA,)

    @property
    def mac_capability(self) -> int:
        if self.device.profile.is_end_device:
            return 0x88  # rx-on-when-idle, allocate address
        return 0x8E  # FFD, mains, rx-on-when-idle, allocate address

    def node_descriptor(self) -> bytes:
        p = self.device.profile
        logical = 0x02 if p.is_end_device else 0x01  # end device or router
        return struct.pack(
            "<BBBHBHHHB", logical, 0x40, self.mac_capability, p.manufacturer_code, 82, 82, 0, 82, 0
        )

    def simple_descriptor(self) -> bytes:
        ins, outs = self.in_clusters, self.out_clusters
        return (
            struct.pack(
                "<BHHBB", ENDPOINT, SE_PROFILE, self.device.profile.device_type, 0, len(ins)
            )
            + struct.pack(f"<{len(ins)}H", *ins)
            + struct.pack("<B", len(outs))
            + struct.pack(f"<{len(outs)}H", *outs)
        )

    def announcement(self) -> bytes:
        return struct.pack("<BH8sB", self._next_tsn(), self.nwk, self.ieee, self.mac_capability)

    # sending ------------------------------------------------------------------------------

    def _send(
        self,
        profile: int,
        cluster: int,
        data: bytes,
        *,
        src_ep: int = ENDPOINT,
        dst_ep: int = ENDPOINT,
    ) -> None:
        if not self.online:
            return
        delay = self.device.spec.faults.response_delay
        if delay > 0:
            self._loop.call_later(delay, self._send_now, profile, cluster, data, src_ep, dst_ep)
        else:
            self._send_now(profile, cluster, data, src_ep, dst_ep)

    def _send_now(self, profile: int, cluster: int, data: bytes, src_ep: int, dst_ep: int) -> None:
        if self.online:
            self.frames_out += 1
            self._transmit(self, dst_ep, src_ep, profile, cluster, data)

    def _next_tsn(self) -> int:
        self._tsn = (self._tsn + 1) & 0xFF
        return self._tsn

    def _send_ota_request(self, request: Request) -> None:
        self._cancel_timer()
        if isinstance(request, QueryNextImage):
            payload = struct.pack(
                "<BHHIH",
                0x01,
                request.manufacturer_code,
                request.image_type,
                request.file_version,
                request.hardware_version,
            )
            command = OTA_QUERY_NEXT_IMAGE
        elif isinstance(request, BlockRequest):
            period = self.ota.min_block_period
            if period:
                # the server asked for this spacing (WAIT_FOR_DATA): keep it, and say so
                wait = self._last_block_request + period / 1000.0 - self._loop.time()
                if wait > 0:
                    self._timer = self._loop.call_later(wait, self._send_ota_request, request)
                    return
                payload = struct.pack(
                    "<BHHIIBH",
                    0x02,
                    request.manufacturer_code,
                    request.image_type,
                    request.file_version,
                    request.offset,
                    request.max_size,
                    period,
                )
            else:
                payload = struct.pack(
                    "<BHHIIB",
                    0x00,
                    request.manufacturer_code,
                    request.image_type,
                    request.file_version,
                    request.offset,
                    request.max_size,
                )
            self._last_block_request = self._loop.time()
            command = OTA_IMAGE_BLOCK
            self._timer = self._loop.call_later(
                self.device.profile.block_timeout, self._block_timeout
            )
        elif isinstance(request, PageRequest):
            payload = struct.pack(
                "<BHHIIBHH",
                0x00,
                request.manufacturer_code,
                request.image_type,
                request.file_version,
                request.offset,
                request.max_size,
                request.page_size,
                request.response_spacing,
            )
            command = OTA_IMAGE_PAGE
            self._arm_page_timer()
        else:
            payload = struct.pack(
                "<BHHI",
                request.status,
                request.manufacturer_code,
                request.image_type,
                request.file_version,
            )
            command = OTA_UPGRADE_END
        frame = zcl.build(
            frame_type=zcl.FRAME_CLUSTER,
            server_to_client=False,
            tsn=self._next_tsn(),
            command=command,
            payload=payload,
        )
        self._send(SE_PROFILE, OTA, frame)

    def _arm_page_timer(self) -> None:
        """A page's blocks come one after another: wait the block timeout after each."""
        self._cancel_timer()
        self._timer = self._loop.call_later(self.device.profile.block_timeout, self._block_timeout)

    def _ask_again(self) -> None:
        """WAIT_FOR_DATA's wait is over: ask for the same block again (not a retry)."""
        self._timer = None
        request = self.ota.on_block_timeout()
        if request is not None:
            self._send_ota_request(request)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _block_timeout(self) -> None:
        self._timer = None
        self._retries += 1
        if self._retries > self.device.profile.block_retries:
            self.ota.give_up()
            return
        request = self.ota.on_block_timeout()
        if request is not None:
            self._send_ota_request(request)

    # lifecycle ----------------------------------------------------------------------------

    def reboot(self, silent_seconds: float, keep_state: bool) -> None:
        self._cancel_timer()
        self.online = False
        self.device.restart(keep_state)
        self.ota.on_reboot(keep_state)
        self._loop.call_later(silent_seconds, self._come_back)

    def power_off(self) -> None:
        """The device loses power: silent on the network, its OTA session and timers gone."""
        self._cancel_timer()
        self.online = False
        self.device.power_off()
        self.ota.on_reboot(True)

    def power_on(self) -> None:
        """Power back: the device boots, announces itself and resumes an image it was receiving."""
        if self.device.powered:
            return
        self.device.power_on()
        self.ota.on_reboot(True)
        self._come_back()

    def hang(self) -> None:
        """The firmware hangs: silent on the network, timers stopped, until a power cycle."""
        self._cancel_timer()
        self.online = False
        self.device.hang()

    def _come_back(self) -> None:
        if not self.device.answering:
            return  # a reboot's end while the power is off or hung: the device stays silent
        self.online = True
        if self.joined:
            self._announce(self)
        if self.ota.partial is not None:
            self._send_ota_request(self.ota.query())

    def close(self) -> None:
        self._cancel_timer()

    # receiving ----------------------------------------------------------------------------

    def handle(
        self, src_ep: int, dst_ep: int, profile: int, cluster: int, data: bytes, broadcast: bool
    ) -> None:
        """An APS frame from the coordinator arrived at this node."""
        self.frames_in += 1
        if dst_ep == 0 or profile == ZDO_PROFILE:
            self._handle_zdo(cluster, data, broadcast)
            return
        if dst_ep not in (ENDPOINT, 0xFF):
            return
        try:
            frame = zcl.parse(data)
        except zcl.ZclError:
            return
        if frame.is_global:
            self._handle_global(cluster, frame)
        elif cluster == OTA:
            self._handle_ota(frame)
        elif cluster == ENGINEERING:
            self._handle_engineering(frame)
        elif not frame.disable_default_response:
            self._send(profile, cluster, zcl.default_response(frame, zcl.UNSUP_CLUSTER_COMMAND))

    def _handle_zdo(self, cluster: int, data: bytes, broadcast: bool) -> None:
        if not data:
            return
        tsn = data[0]
        body = data[1:]
        if cluster == NODE_DESC_REQ:
            rsp = struct.pack("<BBH", tsn, 0, self.nwk) + self.node_descriptor()
        elif cluster == ACTIVE_EP_REQ:
            rsp = struct.pack("<BBHBB", tsn, 0, self.nwk, 1, ENDPOINT)
        elif cluster == SIMPLE_DESC_REQ:
            ep = body[2] if len(body) >= 3 else 0
            if ep != ENDPOINT:
                rsp = struct.pack("<BBHB", tsn, 0x83, self.nwk, 0)  # NOT_ACTIVE
            else:
                desc = self.simple_descriptor()
                rsp = struct.pack("<BBHB", tsn, 0, self.nwk, len(desc)) + desc
        elif cluster in (IEEE_ADDR_REQ, NWK_ADDR_REQ):
            # The device of interest is named by its IEEE address (NWK_addr_req) or its network
            # address (IEEE_addr_req); any other device stays silent to a broadcast and answers
            # a unicast DEVICE_NOT_FOUND (ZigBee specification 2.4.3.1.1, 2.4.3.1.2).
            if cluster == NWK_ADDR_REQ:
                mine = body[:8] == self.ieee
            else:
                mine = len(body) >= 2 and struct.unpack_from("<H", body)[0] == self.nwk
            if mine:
                rsp = struct.pack("<BB8sHBB", tsn, 0, self.ieee, self.nwk, 0, 0)
            elif broadcast:
                return
            else:
                if cluster == NWK_ADDR_REQ:
                    ieee, nwk = body[:8].ljust(8, b"\xff"), 0xFFFF
                else:
                    ieee, nwk = b"\xff" * 8, struct.unpack_from("<H", body.ljust(2, b"\xff"))[0]
                rsp = struct.pack("<BB8sHBB", tsn, ZDO_DEVICE_NOT_FOUND, ieee, nwk, 0, 0)
        elif cluster == MGMT_LEAVE_REQ:
            rsp = struct.pack("<BB", tsn, 0)
        elif cluster & 0x8000 or broadcast:
            return
        else:
            rsp = struct.pack("<BB", tsn, ZDO_NOT_SUPPORTED)
        self._send(ZDO_PROFILE, cluster | 0x8000, rsp, src_ep=0, dst_ep=0)

    def _attributes(self, cluster: int) -> dict[int, tuple[int, Any]] | None:
        d = self.device
        p = d.profile
        if cluster == BASIC:
            return {
                0x0000: (zcl.T_UINT8, 3),
                0x0001: (zcl.T_UINT8, d.running_version & 0xFF),
                0x0003: (zcl.T_UINT8, p.hardware_version & 0xFF),
                0x0004: (zcl.T_CHAR_STRING, p.manufacturer),
                0x0005: (zcl.T_CHAR_STRING, p.model),
                0x0007: (zcl.T_ENUM8, 0x03 if p.is_end_device else 0x01),
                0x4000: (zcl.T_CHAR_STRING, d.build_id),
            }
        if cluster == OTA:
            held = d.held
            return {
                0x0000: (zcl.T_EUI64, b"\x00" * 8),
                0x0001: (zcl.T_UINT32, self.ota.offset),
                0x0002: (zcl.T_UINT32, d.running_version),
                0x0004: (zcl.T_UINT32, held.digest.file_version if held else 0xFFFFFFFF),
                0x0006: (zcl.T_ENUM8, int(self.ota.status)),
                0x0007: (zcl.T_UINT16, p.manufacturer_code),
                0x0008: (zcl.T_UINT16, p.image_type),
            }
        if cluster == METERING and p.role in (DeviceRole.ESME, DeviceRole.GSME):
            values: dict[int, tuple[int, Any]] = {
                0x0300: (zcl.T_ENUM8, 0x00 if p.role is DeviceRole.ESME else 0x01),
                0x0306: (zcl.T_ENUM8, 0x00 if p.role is DeviceRole.ESME else 0x01),
            }
            if d.spec.site_id is not None:
                values[0x0307] = (zcl.T_OCTET_STRING, d.spec.site_id.encode("ascii"))
            return values
        if cluster == ENGINEERING:
            return {}
        return None

    def _handle_global(self, cluster: int, frame: zcl.ZclFrame) -> None:
        if frame.command == zcl.CMD_READ_ATTRIBUTES:
            values = self._attributes(cluster)
            if values is None:
                self._send(
                    SE_PROFILE, cluster, zcl.default_response(frame, zcl.UNSUPPORTED_CLUSTER)
                )
                return
            try:
                ids = zcl.read_attributes_ids(frame.payload)
            except zcl.ZclError:
                self._send(SE_PROFILE, cluster, zcl.default_response(frame, zcl.MALFORMED_COMMAND))
                return
            body = zcl.read_attributes_response(ids, values)
            self._send(
                SE_PROFILE,
                cluster,
                zcl.reply_to(
                    frame, zcl.CMD_READ_ATTRIBUTES_RESPONSE, body, frame_type=zcl.FRAME_GLOBAL
                ),
            )
        elif frame.command == zcl.CMD_DEFAULT_RESPONSE:
            return
        elif not frame.disable_default_response:
            self._send(SE_PROFILE, cluster, zcl.default_response(frame, zcl.UNSUP_GENERAL_COMMAND))

    # OTA ----------------------------------------------------------------------------------

    def _handle_ota(self, frame: zcl.ZclFrame) -> None:
        payload = frame.payload
        try:
            if frame.command == OTA_IMAGE_NOTIFY:
                if not self.ota.downloading:
                    self._send_ota_request(self.ota.query())
            elif frame.command == OTA_QUERY_NEXT_IMAGE_RESPONSE:
                self._cancel_timer()
                status = payload[0]
                if status == zcl.SUCCESS:
                    mfr, itype, version, size = struct.unpack_from("<HHII", payload, 1)
                    request = self.ota.on_query_response(status, mfr, itype, version, size)
                else:
                    request = self.ota.on_query_response(status)
                self._retries = 0
                if request is not None:
                    self._send_ota_request(request)
            elif frame.command == OTA_IMAGE_BLOCK_RESPONSE:
                self._on_block_response(payload)
            elif frame.command == OTA_UPGRADE_END_RESPONSE:
                mfr, itype, version, current, upgrade = struct.unpack_from("<HHIII", payload, 0)
                outcome = self.ota.on_upgrade_end_response(mfr, itype, version, current, upgrade)
                if not frame.disable_default_response:
                    status = (
                        zcl.NO_IMAGE_AVAILABLE
                        if outcome is ActivationOutcome.NO_IMAGE
                        else zcl.SUCCESS
                    )
                    self._send(SE_PROFILE, OTA, zcl.default_response(frame, status))
            elif not frame.disable_default_response:
                self._send(SE_PROFILE, OTA, zcl.default_response(frame, zcl.UNSUP_CLUSTER_COMMAND))
        except (struct.error, IndexError):
            if not frame.disable_default_response:
                self._send(SE_PROFILE, OTA, zcl.default_response(frame, zcl.MALFORMED_COMMAND))

    def _on_block_response(self, payload: bytes) -> None:
        status = payload[0]
        if status != zcl.SUCCESS:
            self._cancel_timer()
            request = self.ota.on_block_response(status)
            if request is not None:
                self._send_ota_request(request)
            elif status == zcl.WAIT_FOR_DATA and len(payload) >= 11 and self.ota.downloading:
                current, at, period = struct.unpack_from("<IIH", payload, 1)
                wait = self.ota.on_wait_for_data(current, at, period)
                self._timer = self._loop.call_later(wait, self._ask_again)
            elif self.ota.downloading:  # ask again after the block timeout
                self._timer = self._loop.call_later(
                    self.device.profile.block_timeout, self._block_timeout
                )
            return
        self._blocks_received += 1
        faults = self.device.spec.faults
        if self._blocks_received in faults.drop_blocks:
            self.device.log("fault", f"block response {self._blocks_received} lost")
            return
        mfr, itype, version, offset, length = struct.unpack_from("<HHIIB", payload, 1)
        data = payload[14 : 14 + length]
        if len(data) != length:
            return
        if self._blocks_received in faults.corrupt_blocks and data:
            data = bytes((data[0] ^ 0xFF,)) + data[1:]
            self.device.log("fault", f"block response {self._blocks_received} altered")
        before = self.ota.offset
        request = self.ota.on_block_response(status, mfr, itype, version, offset, data)
        if self.ota.offset != before or isinstance(request, UpgradeEnd):
            self._cancel_timer()
            self._retries = 0
            if request is None and self.ota.downloading:
                self._arm_page_timer()  # more blocks of this page to come
        elif request is None:
            return  # stale block: keep waiting for the right one
        if (
            faults.reboot_at_offset is not None
            and not self._rebooted
            and self.ota.partial is not None
            and self.ota.offset >= faults.reboot_at_offset
        ):
            self._rebooted = True
            self.reboot(faults.reboot_silent_seconds, faults.reboot_keeps_state)
            return
        if request is not None:
            self._send_ota_request(request)

    # engineering cluster ------------------------------------------------------------------

    def _handle_engineering(self, frame: zcl.ZclFrame) -> None:
        d = self.device

        def refuse(status: int) -> None:
            self._send(SE_PROFILE, ENGINEERING, zcl.default_response(frame, status))

        if frame.manufacturer != d.profile.manufacturer_code:
            if not frame.disable_default_response:
                refuse(zcl.UNSUP_MANUF_CLUSTER_COMMAND)
            return
        command = frame.command
        if command == ENG_HELD_IMAGE:
            held = d.held
            if held is None:
                body = bytes((zcl.NO_IMAGE_AVAILABLE,))
            else:
                at = (
                    zcl.to_zigbee_time(d.activation_at)
                    if d.activation_at is not None
                    else 0xFFFFFFFF
                )
                body = (
                    struct.pack("<BII", zcl.SUCCESS, held.digest.file_version, held.digest.size)
                    + held.digest.sha256
                    + held.digest.manufacturer_image_sha256
                    + struct.pack("<I", at)
                )
        elif command in (ENG_VERIFY_PIN, ENG_SET_PIN, ENG_PIN_STATUS) and not d.has_pin:
            refuse(zcl.UNSUP_MANUF_CLUSTER_COMMAND)
            return
        elif command in (ENG_VERIFY_PIN, ENG_SET_PIN):
            pin = _char_string(frame.payload)
            if pin is None:
                refuse(zcl.MALFORMED_COMMAND)
                return
            if command == ENG_VERIFY_PIN:
                result, left = d.verify_pin(pin)
                body = bytes((PIN_RESULT[result], left))
            else:
                try:
                    d.set_pin(pin)
                    body = bytes((zcl.SUCCESS,))
                except ValueError:
                    body = bytes((zcl.INVALID_VALUE,))
        elif command == ENG_PIN_STATUS:
            body = bytes((int(d.pin_is_default()), int(d.pin_locked), d.pin_attempts_left))
        else:
            if not frame.disable_default_response:
                refuse(zcl.UNSUP_MANUF_CLUSTER_COMMAND)
            return
        self._send(
            SE_PROFILE,
            ENGINEERING,
            zcl.reply_to(frame, command, body, frame_type=zcl.FRAME_CLUSTER),
        )


def _char_string(payload: bytes) -> str | None:
    if not payload or len(payload) < 1 + payload[0]:
        return None
    try:
        return payload[1 : 1 + payload[0]].decode("ascii")
    except UnicodeDecodeError:
        return None

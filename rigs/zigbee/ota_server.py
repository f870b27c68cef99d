# zigpy's types (uint8_t, NWK, command schemas built from dicts) are not typed for strict mypy.
# mypy: disable-error-code="no-untyped-call,attr-defined,arg-type"
"""OTA Upgrade server that distributes an image, has the device hold it, and activates it separately.

zigpy 2.4.0's own OTA handling does not fit SMETS1 firmware management: its ``OTAManager`` answers
Upgrade End with upgrade time 0 ("upgrade now"), and its ``Ota`` cluster decodes every request
through its generic command machinery (``Cluster.reply``, signature binding per field), which
costs about 1 ms of CPU per image block. :class:`OtaDistribution` therefore takes the device's OTA
frames before zigpy does (a packet tap, :mod:`rigs.zigbee.packet_tap`), decodes them and builds its
answers with the compiled ``fastpath.ota``, and sends them with the radio library's
``send_packet``. What it answers is what the ZigBee OTA Upgrade cluster (ZCL section 11.13) says:

* Query Next Image -> SUCCESS with the image's manufacturer, type, version and size;
* Image Block Request -> the block at the requested offset, at most ``block_cap`` bytes (and never
  more than the device asked for); ABORT for a block of another image or past its end;
* Image Page Request -> the page as a run of Image Block Responses, each at most the device's
  maximum data size (and ``block_cap``), ``response_spacing`` milliseconds apart;
* with ``min_block_period`` set (milliseconds), a device that asks faster, or has not been told
  the period yet, is answered WAIT_FOR_DATA with the period (request time = now: ask again then);
* Upgrade End (SUCCESS) -> Upgrade End Response with upgrade time 0xFFFFFFFF: **hold, wait**;
* a request too short for its command -> Default Response MALFORMED_COMMAND (counted).

Activation is a separate Upgrade End Response with the upgrade time (0 = now, or a UTC time):
:func:`send_upgrade_time`.

An Image Block Request for the offset whose answer the radio library is still sending (a device
that asked again while a co-processor's retries were under way) is not answered a second time
(``answers_held``): on a lossy serial line a second copy would only queue behind the first. After
``IN_FLIGHT_LIMIT_S`` (our setting) without the radio saying the first went out, it is answered.

If the device falls silent (lost frames, a reboot), the server nudges it with Image Notify every
``nudge_interval`` seconds; a device that comes back resumes from the offset it had reached.
Nothing happening for ``stall_timeout`` seconds ends the transfer as FAILED.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass

import zigpy.device
import zigpy.exceptions
import zigpy.types as t
from zigpy.zcl import ClusterType, foundation
from zigpy.zcl.clusters.general import Ota

from fastpath import ota as frames
from rigs.operations import ProgressCallback, RigError, TransferResult, TransferStatus
from rigs.zigbee.packet_tap import supports_taps, takes_frame_taps

LOGGER = logging.getLogger(__name__)

SendThen = Callable[[t.ZigbeePacket, Callable[[Exception | None], None]], None]
Ends = tuple[int, int]  # an answer's (source, destination) endpoints: ours, the device's

HOLD = 0xFFFFFFFF
IN_FLIGHT_LIMIT_S = 30.0  # our setting: an answer the radio never settles holds no request longer
ZIGBEE_EPOCH_UNIX = 946684800  # 2000-01-01T00:00:00Z, the origin of ZigBee UTC time
UPGRADE_END_REASONS = {
    frames.INVALID_IMAGE: "the device rejected the image (INVALID_IMAGE)",
    frames.ABORT: "the device aborted the transfer (ABORT)",
    frames.REQUIRE_MORE_IMAGE: "the device wants more image files (REQUIRE_MORE_IMAGE)",
}


@dataclass(frozen=True)
class OtaSettings:
    block_cap: int = 64  # largest block sent, bytes (never more than the device asks for)
    stall_timeout: float = 30.0
    nudge_interval: float = 1.0
    min_block_period: int = 0  # milliseconds between block requests the server asks for
    timeline: bool = False  # record (time, offset, length, retry) per block served


@dataclass(frozen=True)
class ImageFields:
    """What the server announces of an image: read from its OTA header, leniently.

    A damaged header is sent as it is; judging it is the device's job.
    """

    manufacturer_code: int
    image_type: int
    file_version: int
    size: int

    @classmethod
    def of(cls, image: bytes) -> ImageFields:
        if len(image) >= 18:
            manufacturer, image_type, version = struct.unpack_from("<HHI", image, 10)
        else:
            manufacturer, image_type, version = 0, 0, 0
        return cls(manufacturer, image_type, version, len(image))


@dataclass(frozen=True)
class BlockRecord:
    """One block served: when its request arrived (perf_counter seconds), where, how long."""

    at: float
    offset: int
    length: int
    retry: bool
    page: bool


def ota_client_cluster(device: zigpy.device.ZigbeeDevice) -> Ota:
    try:
        cluster = device.find_cluster(Ota.cluster_id, ClusterType.Client)
    except ValueError:
        raise RigError("the device has no OTA Upgrade client cluster") from None
    assert isinstance(cluster, Ota)
    return cluster


def zigbee_now() -> int:
    """Seconds since 2000-01-01 UTC (ZCL UTCTime)."""
    return max(0, int(time.time()) - ZIGBEE_EPOCH_UNIX)


class OtaDistribution:
    """Send one image to one device and leave it held there."""

    def __init__(
        self,
        device: zigpy.device.ZigbeeDevice,
        image: bytes,
        settings: OtaSettings,
        progress: ProgressCallback | None = None,
        *,
        link_lost: Callable[[], Exception | None] = lambda: None,
    ) -> None:
        self.device = device
        self.image = bytes(image)
        self.fields = ImageFields.of(self.image)
        self.settings = settings
        self.progress = progress
        self.link_lost = link_lost
        cluster = ota_client_cluster(device)
        self.app = device.application
        if not supports_taps(self.app):
            raise RigError(
                f"{type(self.app).__name__} cannot route OTA frames to the server "
                "(it lacks rigs.zigbee.packet_tap.PacketTapMixin)"
            )
        self._endpoint = int(cluster.endpoint.endpoint_id)
        self._profile = int(cluster.endpoint.profile_id or 0x0104)
        # the radio's send with a completion callback (EmulatedRadioApplication): no future,
        # task or timer per answer; other radios' send_packet runs in a task
        self._send_then: SendThen | None = getattr(self.app, "send_packet_then", None)
        # a radio that hands over frames before making packets of them (the emulated radio):
        # the answers go out as frames too, no zigpy packet either way
        self._frames = takes_frame_taps(self.app)
        self._src = t.AddrModeAddress(addr_mode=t.AddrMode.NWK, address=t.NWK(0x0000))
        self._dst = t.AddrModeAddress(addr_mode=t.AddrMode.NWK, address=device.nwk)
        self.blocks = 0
        self.retries = 0
        self.resumes = 0
        self.pages = 0
        self.waits = 0
        self.malformed = 0
        self.undelivered = 0
        self.high_water = 0
        self.answers_held = 0  # block requests not answered: the same offset's answer in flight
        self._in_flight = -1  # offset whose Image Block Response the radio has not settled
        self._in_flight_since = 0.0
        self.device_query: frames.OtaRequest | None = None
        self.timeline: list[BlockRecord] = []
        self._queried = False
        self._last_activity = 0.0
        self._last_block = -1.0e9
        self._period_told = False
        self._done: asyncio.Future[TransferResult] | None = None
        self._started = 0.0
        self._tasks: set[asyncio.Task[None]] = set()
        self._page_task: asyncio.Task[None] | None = None
        self._tsn = 0
        self._clock: Callable[[], float] = time.monotonic  # the loop's clock once running

    # running --------------------------------------------------------------------------------

    async def run(self, timeout: float) -> TransferResult:
        loop = asyncio.get_running_loop()
        self._started = time.monotonic()
        device = self.device
        if device.ota_in_progress:
            return self._result(TransferStatus.FAILED, "another transfer to this device is running")
        device.ota_in_progress = True
        self._clock = loop.time
        self._done = loop.create_future()
        try:
            with contextlib.ExitStack() as taps:
                taps.enter_context(self.app.packet_tap(device.nwk, Ota.cluster_id, self._on_packet))
                if self._frames:
                    taps.enter_context(
                        self.app.frame_tap(device.nwk, Ota.cluster_id, self._on_frame)
                    )
                try:
                    async with asyncio.timeout(timeout):
                        return await self._watch(loop)
                except TimeoutError:
                    return self._result(
                        TransferStatus.TIMEOUT,
                        f"not finished within {timeout:g} s "
                        f"(reached offset {self.high_water} of {self.fields.size})",
                    )
        finally:
            device.ota_in_progress = False
            self._cancel_page()
            for task in list(self._tasks):
                task.cancel()

    async def _watch(self, loop: asyncio.AbstractEventLoop) -> TransferResult:
        """Nudge a silent device, give up on a stalled one; the tap does the serving."""
        assert self._done is not None
        settings = self.settings
        self._last_activity = loop.time()
        last_progress = loop.time()
        seen = -1
        self._send(frames.image_notify(self._next_tsn(), 0, 100))
        while True:
            try:
                return await asyncio.wait_for(asyncio.shield(self._done), settings.nudge_interval)
            except TimeoutError:
                pass
            now = loop.time()
            if self.high_water != seen or self._last_activity > last_progress:
                seen = self.high_water
                last_progress = max(last_progress, self._last_activity)
            if self.link_lost() is not None:
                return self._result(
                    TransferStatus.FAILED, f"the radio link is lost at offset {self.high_water}"
                )
            if now - last_progress > settings.stall_timeout:
                return self._result(
                    TransferStatus.FAILED,
                    f"the device stopped asking for blocks at offset "
                    f"{self.high_water} of {self.fields.size}",
                )
            if now - self._last_activity >= settings.nudge_interval:
                self._send(frames.image_notify(self._next_tsn(), 0, 100))

    def _result(self, status: TransferStatus, reason: str = "") -> TransferResult:
        return TransferResult(
            status=status,
            bytes_sent=self.high_water,
            blocks=self.blocks,
            seconds=time.monotonic() - self._started,
            retries=self.retries,
            resumes=self.resumes,
            reason=reason,
        )

    def _finish(self, result: TransferResult) -> None:
        if self._done is not None and not self._done.done():
            self._done.set_result(result)

    # sending --------------------------------------------------------------------------------

    def _next_tsn(self) -> int:
        self._tsn = (self._tsn + 1) & 0xFF
        return self._tsn

    def _send(
        self,
        data: bytes,
        src_ep: int | None = None,
        dst_ep: int | None = None,
        *,
        outcome: bool = False,
    ) -> asyncio.Future[bool] | None:
        """Send a frame; with ``outcome``, a future that says whether the radio delivered it."""
        packet = self._packet(data, src_ep, dst_ep)
        if self._send_then is not None:
            if not outcome:
                self._send_then(packet, self._counted)
                return None
            delivered: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            self._send_then(packet, lambda error: self._confirmed(error, delivered))
            return delivered
        task = asyncio.get_running_loop().create_task(self._deliver(packet))
        self._tasks.add(task)
        task.add_done_callback(self._delivery_ended)
        return task

    def _delivery_ended(self, task: asyncio.Future[object]) -> None:
        """A send task's end: a failure the radio library raised beyond zigpy's own errors (a
        link closed or given up under the send: bellows raises RuntimeError or NcpFailure) is
        read here, counted as undelivered and logged with its traceback, never left unread."""
        self._tasks.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        self.undelivered += 1
        LOGGER.warning(
            "OTA answer to %s not delivered: the radio library failed",
            self.device.ieee,
            exc_info=task.exception(),
        )

    def _counted(self, error: Exception | None) -> bool:
        if error is None:
            return True
        self.undelivered += 1
        LOGGER.debug("OTA answer to %s not delivered: %s", self.device.ieee, error)
        return False

    def _confirmed(self, error: Exception | None, delivered: asyncio.Future[bool]) -> None:
        ok = self._counted(error)
        if not delivered.done():
            delivered.set_result(ok)

    def _packet(self, data: bytes, src_ep: int | None, dst_ep: int | None) -> t.ZigbeePacket:
        return t.ZigbeePacket(
            src=self._src,
            src_ep=self._endpoint if src_ep is None else src_ep,
            dst=self._dst,
            dst_ep=self._endpoint if dst_ep is None else dst_ep,
            tsn=data[1],
            profile_id=self._profile,
            cluster_id=Ota.cluster_id,
            data=t.SerializableBytes(data),
        )

    async def _deliver(self, packet: t.ZigbeePacket) -> bool:
        try:
            await self.app.send_packet(packet)
        except (zigpy.exceptions.ZigbeeException, TimeoutError, OSError) as exc:
            # the device will ask again (or be nudged); the stall timer bounds the wait
            self.undelivered += 1
            LOGGER.debug("OTA answer to %s not delivered: %s", self.device.ieee, exc)
            return False
        return True

    # serving --------------------------------------------------------------------------------

    def _on_packet(self, packet: t.ZigbeePacket) -> bool:
        return self._on_frame(packet.src_ep, packet.dst_ep, packet.data.value)

    def _on_frame(self, src_ep: int, dst_ep: int, data: bytes) -> bool:
        ends = (dst_ep, src_ep)
        try:
            request = frames.decode_request(data)
        except frames.MalformedOtaFrame as exc:
            self.malformed += 1
            LOGGER.debug("malformed OTA request from %s: %s", self.device.ieee, exc)
            if not data[0] & 0x10:
                self._reply(
                    ends, frames.default_response(exc.tsn, exc.command, frames.MALFORMED_COMMAND)
                )
            return True
        except ValueError:
            self.malformed += 1
            return True
        if request is None:
            return False  # general commands (Default Response, ...) go to zigpy
        self._last_activity = self._clock()
        command = request.command
        if command == frames.IMAGE_BLOCK:
            self._answer_block(ends, request)
        elif command == frames.QUERY_NEXT_IMAGE:
            self._answer_query(ends, request)
        elif command == frames.IMAGE_PAGE:
            self._answer_page(ends, request)
        else:
            self._upgrade_end(ends, request)
        return True

    def _reply(self, ends: Ends, data: bytes) -> None:
        if self._frames:  # the hot path: one call to the radio, no packet, nothing to wait for
            self.app.send_frame_then(
                self._dst.address, ends[0], ends[1], self._profile, Ota.cluster_id, data,
                self._counted,
            )  # fmt: skip
            return
        send_then = self._send_then
        if send_then is not None:  # one call to the radio, nothing to wait for
            send_then(self._packet(data, ends[0], ends[1]), self._counted)
            return
        self._send(data, src_ep=ends[0], dst_ep=ends[1])

    def _answer_query(self, ends: Ends, request: frames.OtaRequest) -> None:
        if self._queried and self.high_water > 0:
            self.resumes += 1
        self._queried = True
        self.device_query = request
        f = self.fields
        self._reply(
            ends,
            frames.query_next_image_response(
                request.tsn,
                frames.SUCCESS,
                f.manufacturer_code,
                f.image_type,
                f.file_version,
                f.size,
            ),
        )

    def _wrong_image(self, request: frames.OtaRequest) -> bool:
        f = self.fields
        return (
            request.file_version != f.file_version
            or request.image_type != f.image_type
            or request.manufacturer_code != f.manufacturer_code
            or request.file_offset >= f.size
        )

    def _must_wait(self, request: frames.OtaRequest) -> bool:
        """True if the block request comes too soon for the minimum block period."""
        period = self.settings.min_block_period
        if period <= 0:
            return False
        if request.min_block_period < period and not self._period_told:
            return True
        return (time.perf_counter() - self._last_block) * 1000.0 < period

    def _answer_block(self, ends: Ends, request: frames.OtaRequest) -> None:
        tsn = request.tsn
        f = self.fields
        if (  # _wrong_image, inlined (every block)
            request.file_version != f.file_version
            or request.image_type != f.image_type
            or request.manufacturer_code != f.manufacturer_code
            or request.file_offset >= f.size
        ):
            self._reply(
                ends, frames.status_response(tsn, frames.IMAGE_BLOCK_RESPONSE, frames.ABORT)
            )
            return
        if self.settings.min_block_period > 0 and self._must_wait(request):
            self.waits += 1
            self._period_told = True
            now = zigbee_now()
            self._reply(
                ends, frames.image_block_wait(tsn, now, now, self.settings.min_block_period)
            )
            return
        offset = request.file_offset
        asked = self._last_activity  # the clock read as this request came in (_on_frame)
        if offset == self._in_flight and asked - self._in_flight_since < IN_FLIGHT_LIMIT_S:
            self.answers_held += 1
            return
        self._last_block = time.perf_counter()
        block = self._block(tsn, offset, request.max_data_size, False)
        self._in_flight = offset
        self._in_flight_since = asked

        def settled(error: Exception | None) -> None:
            self._landed(offset)
            self._counted(error)

        if self._frames:  # _reply's hot path, inlined (every block)
            self.app.send_frame_then(
                self._dst.address, ends[0], ends[1], self._profile, Ota.cluster_id, block, settled
            )  # fmt: skip
            return
        send_then = self._send_then
        if send_then is not None:
            send_then(self._packet(block, ends[0], ends[1]), settled)
            return
        sending = self._send(block, src_ep=ends[0], dst_ep=ends[1])
        assert sending is not None
        sending.add_done_callback(lambda _: self._landed(offset))

    def _landed(self, offset: int) -> None:
        """The radio has settled the answer with the block at ``offset`` (delivered or not)."""
        if self._in_flight == offset:
            self._in_flight = -1

    def _block(self, tsn: int, offset: int, max_size: int, page: bool) -> bytes:
        f = self.fields
        size = min(max_size, self.settings.block_cap)
        block = self.image[offset : offset + size]
        if offset < self.high_water:
            self.retries += 1
        if self.settings.timeline:
            self.timeline.append(
                BlockRecord(time.perf_counter(), offset, len(block), offset < self.high_water, page)
            )
        self.blocks += 1
        end = offset + len(block)
        if end > self.high_water:
            self.high_water = end
            if self.progress is not None:
                self.progress(end, f.size)
        return frames.image_block_response(
            tsn, f.manufacturer_code, f.image_type, f.file_version, offset, block
        )

    def _answer_page(self, ends: Ends, request: frames.OtaRequest) -> None:
        if self._wrong_image(request) or request.max_data_size == 0:
            self._reply(
                ends,
                frames.status_response(request.tsn, frames.IMAGE_BLOCK_RESPONSE, frames.ABORT),
            )
            return
        self.pages += 1
        self._cancel_page()
        self._page_task = asyncio.get_running_loop().create_task(self._serve_page(ends, request))
        self._page_task.add_done_callback(self._delivery_ended)

    def _cancel_page(self) -> None:
        if self._page_task is not None and not self._page_task.done():
            self._page_task.cancel()
        self._page_task = None

    async def _serve_page(self, ends: Ends, request: frames.OtaRequest) -> None:
        """Image Block Responses covering the page, each with the page request's sequence number
        (our setting), ``response_spacing`` milliseconds apart."""
        offset = request.file_offset
        end = min(offset + request.page_size, self.fields.size)
        spacing = request.response_spacing / 1000.0
        loop = asyncio.get_running_loop()
        while offset < end:
            frame = self._block(request.tsn, offset, min(request.max_data_size, end - offset), True)
            offset += min(request.max_data_size, self.settings.block_cap, end - offset)
            self._last_activity = loop.time()
            await self._deliver(self._packet(frame, ends[0], ends[1]))
            if spacing > 0 and offset < end:
                await asyncio.sleep(spacing)

    def _upgrade_end(self, ends: Ends, request: frames.OtaRequest) -> None:
        self._cancel_page()
        status = request.status
        f = self.fields
        if status != frames.SUCCESS:
            reason = UPGRADE_END_REASONS.get(
                status, f"the device ended the transfer with status 0x{status:02X}"
            )
            query = self.device_query
            if query is not None:
                reason += (
                    f"; image manufacturer 0x{f.manufacturer_code:04X} type "
                    f"0x{f.image_type:04X}, device manufacturer "
                    f"0x{query.manufacturer_code:04X} type 0x{query.image_type:04X}"
                )
            self._finish(self._result(TransferStatus.REJECTED, reason))
            return
        answer = self._send(
            frames.upgrade_end_response(
                request.tsn, f.manufacturer_code, f.image_type, f.file_version, 0, HOLD
            ),
            src_ep=ends[0],
            dst_ep=ends[1],
            outcome=True,
        )
        assert answer is not None

        def delivered(task: asyncio.Future[bool]) -> None:
            # an undelivered answer: the device repeats its Upgrade End Request
            if not task.cancelled() and task.exception() is None and task.result():
                self.high_water = f.size
                self._finish(self._result(TransferStatus.OK))

        answer.add_done_callback(delivered)


async def send_upgrade_time(
    device: zigpy.device.ZigbeeDevice, *, file_version: int, current_time: int, upgrade_time: int
) -> foundation.Status:
    """Send an unsolicited Upgrade End Response and return the device's Default Response status.

    ``upgrade_time``: 0 = now, a ZigBee UTC time (seconds since 2000) = then, 0xFFFFFFFF = wait.
    Manufacturer code and image type are sent as wildcards (0xFFFF).
    """
    cluster = ota_client_cluster(device)
    rsp = await cluster.request(
        False,
        Ota.ClientCommandDefs.upgrade_end_response.id,
        Ota.ClientCommandDefs.upgrade_end_response.schema,
        manufacturer_code=0xFFFF,
        image_type=0xFFFF,
        file_version=file_version,
        current_time=current_time,
        upgrade_time=upgrade_time,
        expect_reply=True,
        disable_default_response=False,
    )
    return foundation.Status(rsp.status)

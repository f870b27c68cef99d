# zigpy's types (uint8_t, NWK, command schemas built from dicts) are not typed for strict mypy.
# mypy: disable-error-code="no-untyped-call,attr-defined"
"""OTA Upgrade server that distributes an image, has the device hold it, and activates it separately.

zigpy 2.4.0's own OTA handling does not fit SMETS1 firmware management: its ``OTAManager`` answers
Upgrade End with upgrade time 0 ("upgrade now"), and, when no zigpy update is running, the ``Ota``
cluster answers every Query Next Image with NO_IMAGE_AVAILABLE and every Image Block Request with
ABORT. :class:`OtaDistribution` therefore marks the device ``ota_in_progress`` (which silences the
cluster's own answers), listens for the device's OTA requests through zigpy's public
``callback_for_response``, and answers them itself:

* Query Next Image -> SUCCESS with the image's manufacturer, type, version and size;
* Image Block Request -> the block at the requested offset, at most ``block_cap`` bytes (and never
  more than the device asked for);
* Upgrade End (SUCCESS) -> Upgrade End Response with upgrade time 0xFFFFFFFF: **hold, wait**.

Activation is a separate Upgrade End Response with the upgrade time (0 = now, or a UTC time):
:func:`send_upgrade_time`.

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
from zigpy.zcl import ClusterType, foundation
from zigpy.zcl.clusters.general import Ota

from rigs.operations import ProgressCallback, RigError, TransferResult, TransferStatus

LOGGER = logging.getLogger(__name__)

HOLD = 0xFFFFFFFF
UPGRADE_END_REASONS = {
    foundation.Status.INVALID_IMAGE: "the device rejected the image (INVALID_IMAGE)",
    foundation.Status.ABORT: "the device aborted the transfer (ABORT)",
    foundation.Status.REQUIRE_MORE_IMAGE: "the device wants more image files (REQUIRE_MORE_IMAGE)",
}


@dataclass(frozen=True)
class OtaSettings:
    block_cap: int = 64
    stall_timeout: float = 30.0
    nudge_interval: float = 1.0


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


def ota_client_cluster(device: zigpy.device.ZigbeeDevice) -> Ota:
    try:
        cluster = device.find_cluster(Ota.cluster_id, ClusterType.Client)
    except ValueError:
        raise RigError("the device has no OTA Upgrade client cluster") from None
    assert isinstance(cluster, Ota)
    return cluster


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
        self.image = image
        self.fields = ImageFields.of(image)
        self.settings = settings
        self.progress = progress
        self.link_lost = link_lost
        self.cluster = ota_client_cluster(device)
        self._queue: asyncio.Queue[tuple[str, foundation.ZCLHeader, foundation.CommandSchema]] = (
            asyncio.Queue()
        )
        self.blocks = 0
        self.retries = 0
        self.resumes = 0
        self.high_water = 0
        self.device_query: foundation.CommandSchema | None = None

    def _listener(self, kind: str):  # type: ignore[no-untyped-def]
        def _put(hdr: foundation.ZCLHeader, command: foundation.CommandSchema) -> None:
            self._queue.put_nowait((kind, hdr, command))

        return _put

    async def run(self, timeout: float) -> TransferResult:
        app = self.device.application
        started = time.monotonic()
        if self.device.ota_in_progress:
            return self._result(
                TransferStatus.FAILED, started, "another transfer to this device is running"
            )
        self.device.ota_in_progress = True
        try:
            with contextlib.ExitStack() as stack:
                for kind, schema in (
                    ("query", Ota.ServerCommandDefs.query_next_image.schema),
                    ("block", Ota.ServerCommandDefs.image_block.schema),
                    ("end", Ota.ServerCommandDefs.upgrade_end.schema),
                ):
                    stack.enter_context(
                        app.callback_for_response(
                            src=self.device, filters=[schema()], callback=self._listener(kind)
                        )
                    )
                try:
                    async with asyncio.timeout(timeout):
                        return await self._serve(started)
                except TimeoutError:
                    return self._result(
                        TransferStatus.TIMEOUT,
                        started,
                        f"not finished within {timeout:g} s "
                        f"(reached offset {self.high_water} of {self.fields.size})",
                    )
        finally:
            self.device.ota_in_progress = False

    def _result(self, status: TransferStatus, started: float, reason: str = "") -> TransferResult:
        return TransferResult(
            status=status,
            bytes_sent=self.high_water,
            blocks=self.blocks,
            seconds=time.monotonic() - started,
            retries=self.retries,
            resumes=self.resumes,
            reason=reason,
        )

    async def _notify(self) -> None:
        try:
            await self.cluster.image_notify(
                payload_type=Ota.ImageNotifyCommand.PayloadType.QueryJitter, query_jitter=100
            )
        except (zigpy.exceptions.ZigbeeException, TimeoutError) as exc:
            LOGGER.debug("image notify to %s not delivered: %s", self.device.ieee, exc)

    async def _serve(self, started: float) -> TransferResult:
        settings = self.settings
        last_progress = time.monotonic()
        queried = False
        await self._notify()
        while True:
            try:
                kind, hdr, command = await asyncio.wait_for(
                    self._queue.get(), settings.nudge_interval
                )
            except TimeoutError:
                lost = self.link_lost()
                if lost is not None:
                    return self._result(
                        TransferStatus.FAILED,
                        started,
                        f"the radio link is lost at offset {self.high_water}",
                    )
                if time.monotonic() - last_progress > settings.stall_timeout:
                    return self._result(
                        TransferStatus.FAILED,
                        started,
                        f"the device stopped asking for blocks at offset "
                        f"{self.high_water} of {self.fields.size}",
                    )
                await self._notify()
                continue
            last_progress = time.monotonic()
            try:
                if kind == "query":
                    if queried and self.high_water > 0:
                        self.resumes += 1
                    queried = True
                    self.device_query = command
                    await self._answer_query(hdr)
                elif kind == "block":
                    await self._answer_block(hdr, command)
                else:
                    return await self._upgrade_end(hdr, command, started)
            except (zigpy.exceptions.ZigbeeException, TimeoutError) as exc:
                # the device will ask again (or be nudged); the stall timer bounds the wait
                LOGGER.debug("OTA answer to %s not delivered: %s", self.device.ieee, exc)

    async def _answer_query(self, hdr: foundation.ZCLHeader) -> None:
        f = self.fields
        await self.cluster.query_next_image_response(
            status=foundation.Status.SUCCESS,
            manufacturer_code=f.manufacturer_code,
            image_type=f.image_type,
            file_version=f.file_version,
            image_size=f.size,
            tsn=hdr.tsn,
        )

    async def _answer_block(
        self, hdr: foundation.ZCLHeader, command: foundation.CommandSchema
    ) -> None:
        f = self.fields
        offset = int(command.file_offset)
        size = min(int(command.maximum_data_size), self.settings.block_cap)
        block = self.image[offset : offset + size]
        if (
            not block
            or int(command.file_version) != f.file_version
            or int(command.image_type) != f.image_type
        ):
            await self.cluster.image_block_response(status=foundation.Status.ABORT, tsn=hdr.tsn)
            return
        if offset < self.high_water:
            self.retries += 1
        await self.cluster.image_block_response(
            status=foundation.Status.SUCCESS,
            manufacturer_code=f.manufacturer_code,
            image_type=f.image_type,
            file_version=f.file_version,
            file_offset=offset,
            image_data=block,
            tsn=hdr.tsn,
        )
        self.blocks += 1
        end = offset + len(block)
        if end > self.high_water:
            self.high_water = end
            if self.progress is not None:
                self.progress(end, f.size)

    async def _upgrade_end(
        self, hdr: foundation.ZCLHeader, command: foundation.CommandSchema, started: float
    ) -> TransferResult:
        status = command.status
        if status != foundation.Status.SUCCESS:
            reason = UPGRADE_END_REASONS.get(
                status, f"the device ended the transfer with {status!r}"
            )
            query = self.device_query
            if query is not None:
                reason += (
                    f"; image manufacturer 0x{self.fields.manufacturer_code:04X} type "
                    f"0x{self.fields.image_type:04X}, device manufacturer "
                    f"0x{int(query.manufacturer_code):04X} type 0x{int(query.image_type):04X}"
                )
            return self._result(TransferStatus.REJECTED, started, reason)
        f = self.fields
        await self.cluster.upgrade_end_response(
            manufacturer_code=f.manufacturer_code,
            image_type=f.image_type,
            file_version=f.file_version,
            current_time=0,
            upgrade_time=HOLD,
            tsn=hdr.tsn,
        )
        self.high_water = f.size
        return self._result(TransferStatus.OK, started)


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

"""The OTA Upgrade cluster client of an emulated device, as a transport-free state machine.

Each ``on_*`` method takes what arrived and returns the next request to send (or None); the caller
transmits it and arms the retry timer. The received image is checked (magic, manufacturer, image
type, hardware version range, total size) as soon as its header is in, and, once complete, held on
the :class:`~rigs.emulator.device.EmulatedDevice` - never run until an Upgrade End Response says so.

A partial download survives an abort or a silent server: when the same image (manufacturer, type,
version, size) is offered again the client resumes at the offset it had reached.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from rigs.emulator import zcl_frames as zcl
from rigs.emulator.device import ActivationOutcome, EmulatedDevice
from rigs.emulator.ota_image import (
    BASE_HEADER_LENGTH,
    HeaderTruncated,
    ImageFormatError,
    OtaHeader,
    parse_header,
)


class UpgradeStatus(enum.IntEnum):
    """OTA attribute image_upgrade_status (0x0006)."""

    NORMAL = 0
    DOWNLOAD_IN_PROGRESS = 1
    DOWNLOAD_COMPLETE = 2
    WAITING_TO_UPGRADE = 3
    COUNT_DOWN = 4


@dataclass(frozen=True)
class QueryNextImage:
    manufacturer_code: int
    image_type: int
    file_version: int
    hardware_version: int


@dataclass(frozen=True)
class BlockRequest:
    manufacturer_code: int
    image_type: int
    file_version: int
    offset: int
    max_size: int


@dataclass(frozen=True)
class PageRequest:
    manufacturer_code: int
    image_type: int
    file_version: int
    offset: int
    max_size: int
    page_size: int
    response_spacing: int  # milliseconds


@dataclass(frozen=True)
class UpgradeEnd:
    status: int
    manufacturer_code: int
    image_type: int
    file_version: int


Request = QueryNextImage | BlockRequest | PageRequest | UpgradeEnd


@dataclass
class _Partial:
    manufacturer_code: int
    image_type: int
    file_version: int
    size: int
    data: bytearray = field(default_factory=bytearray, repr=False)
    header: OtaHeader | None = None

    def same_image(self, manufacturer: int, image_type: int, version: int, size: int) -> bool:
        return (self.manufacturer_code, self.image_type, self.file_version, self.size) == (
            manufacturer,
            image_type,
            version,
            size,
        )


class OtaClient:
    def __init__(self, device: EmulatedDevice) -> None:
        self.device = device
        self.status = UpgradeStatus.NORMAL
        self.partial: _Partial | None = None
        self.downloading = False
        self.last_refusal = ""
        self.resumes = 0
        self.page_end = 0  # with Image Page Requests: where the page asked for ends
        self.min_block_period = 0  # milliseconds, as the server last said (WAIT_FOR_DATA)

    @property
    def offset(self) -> int:
        return len(self.partial.data) if self.partial is not None else 0

    def query(self) -> QueryNextImage:
        p = self.device.profile
        return QueryNextImage(
            p.manufacturer_code, p.image_type, self.device.running_version, p.hardware_version
        )

    def _next_block(self) -> BlockRequest | PageRequest:
        partial = self.partial
        assert partial is not None
        offset = len(partial.data)
        remaining = partial.size - offset
        profile = self.device.profile
        if profile.page_size > 0:
            page = min(profile.page_size, remaining)
            self.page_end = offset + page
            return PageRequest(
                partial.manufacturer_code,
                partial.image_type,
                partial.file_version,
                offset,
                min(profile.max_block, remaining),
                page,
                profile.response_spacing,
            )
        return BlockRequest(
            partial.manufacturer_code,
            partial.image_type,
            partial.file_version,
            offset,
            min(profile.max_block, remaining),
        )

    def _refuse(self, reason: str) -> UpgradeEnd:
        assert self.partial is not None
        end = UpgradeEnd(
            zcl.INVALID_IMAGE,
            self.partial.manufacturer_code,
            self.partial.image_type,
            self.partial.file_version,
        )
        self.partial = None
        self.downloading = False
        self.status = UpgradeStatus.NORMAL
        self.last_refusal = reason
        self.device.log("image-refused", reason)
        return end

    def on_query_response(
        self,
        status: int,
        manufacturer: int = 0,
        image_type: int = 0,
        version: int = 0,
        size: int = 0,
    ) -> Request | None:
        if status != zcl.SUCCESS:
            self.downloading = False
            if self.status == UpgradeStatus.DOWNLOAD_IN_PROGRESS:
                self.status = UpgradeStatus.NORMAL
            return None
        if self.partial is not None and self.partial.same_image(
            manufacturer, image_type, version, size
        ):
            if self.partial.data:
                self.resumes += 1
                self.device.log("download-resumed", f"at offset {len(self.partial.data)}")
        else:
            self.partial = _Partial(manufacturer, image_type, version, size)
            self.device.log("download-started", f"version 0x{version:08X}, {size} bytes")
            if size < BASE_HEADER_LENGTH:
                return self._refuse(f"offered size {size} is smaller than an OTA header")
            if size > self.device.profile.max_image_size:
                return self._refuse(
                    f"image of {size} bytes exceeds the "
                    f"{self.device.profile.max_image_size} accepted"
                )
        self.downloading = True
        self.status = UpgradeStatus.DOWNLOAD_IN_PROGRESS
        return self._next_block()

    def on_block_response(
        self,
        status: int,
        manufacturer: int = 0,
        image_type: int = 0,
        version: int = 0,
        offset: int = 0,
        data: bytes = b"",
    ) -> Request | None:
        partial = self.partial
        if not self.downloading or partial is None:
            return None
        if status == zcl.ABORT:
            self.downloading = False
            self.status = UpgradeStatus.NORMAL
            self.device.log("download-aborted", f"by the server at offset {len(partial.data)}")
            return None
        if status != zcl.SUCCESS:
            return None  # WAIT_FOR_DATA and the like: the retry timer asks again
        if offset != len(partial.data) or not partial.same_image(
            manufacturer, image_type, version, partial.size
        ):
            return None  # a stale or foreign block: ignore it
        if not data or len(partial.data) + len(data) > partial.size:
            return self._refuse("a block overruns the offered image size")
        partial.data += data
        if partial.header is None and len(partial.data) >= BASE_HEADER_LENGTH:
            try:
                header = parse_header(bytes(partial.data))
            except HeaderTruncated:
                pass  # the rest of the header comes with the next blocks
            except ImageFormatError as exc:
                return self._refuse(str(exc))
            else:
                reason = self.device.check_header(header, partial.size)
                if reason is not None:
                    return self._refuse(reason)
                partial.header = header
        if len(partial.data) < partial.size:
            if self.device.profile.page_size > 0 and len(partial.data) < self.page_end:
                return None  # the rest of the page is on its way
            return self._next_block()
        if partial.header is None:
            return self._refuse("image ends inside its header")
        try:
            self.device.hold(bytes(partial.data), partial.header)
        except ImageFormatError as exc:
            return self._refuse(str(exc))
        self.partial = None
        self.downloading = False
        self.status = UpgradeStatus.DOWNLOAD_COMPLETE
        return UpgradeEnd(
            zcl.SUCCESS, partial.manufacturer_code, partial.image_type, partial.file_version
        )

    def on_upgrade_end_response(
        self,
        manufacturer: int,
        image_type: int,
        version: int,
        current_time: int,
        upgrade_time: int,
    ) -> ActivationOutcome:
        held = self.device.held
        if held is None:
            return ActivationOutcome.NO_IMAGE
        if (
            manufacturer not in (0xFFFF, held.manufacturer_code)
            or image_type not in (0xFFFF, held.image_type)
            or version not in (0xFFFFFFFF, held.digest.file_version)
        ):
            return ActivationOutcome.NO_IMAGE
        outcome = self.device.apply_upgrade_time(current_time, upgrade_time)
        self.status = {
            ActivationOutcome.ACTIVATED: UpgradeStatus.NORMAL,
            ActivationOutcome.SCHEDULED: UpgradeStatus.COUNT_DOWN,
            ActivationOutcome.WAITING: UpgradeStatus.WAITING_TO_UPGRADE,
        }.get(outcome, self.status)
        return outcome

    def on_wait_for_data(self, current_time: int, request_time: int, period: int) -> float:
        """WAIT_FOR_DATA: adopt the minimum block period; seconds to wait before asking again."""
        self.min_block_period = period
        return max(0, request_time - current_time) or period / 1000.0

    def on_block_timeout(self) -> Request | None:
        """The block response did not come: ask again (the caller counts retries)."""
        if not self.downloading or self.partial is None:
            return None
        return self._next_block()

    def give_up(self) -> None:
        """Retries exhausted: stop asking, keep the partial image for a later resume."""
        self.downloading = False
        self.status = UpgradeStatus.NORMAL
        self.device.log("download-stalled", f"at offset {self.offset}")

    def on_reboot(self, keep_state: bool) -> None:
        self.downloading = False
        if not keep_state:
            self.partial = None
            self.device.lose_volatile_state()
        if self.device.held is not None:
            self.status = UpgradeStatus.DOWNLOAD_COMPLETE
        else:
            self.status = UpgradeStatus.NORMAL

    def on_activated(self) -> None:
        self.status = UpgradeStatus.NORMAL

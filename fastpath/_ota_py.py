"""ZCL OTA Upgrade cluster (0x0019) frames, pure Python: client requests in, server responses out.

The reference twin of ``_ota_c``. Field layouts are those of the ZigBee Cluster Library's OTA
Upgrade cluster (ZCL revision 8, section 11.13): Query Next Image Request (0x01), Image Block
Request (0x03), Image Page Request (0x04) and Upgrade End Request (0x06) from the client; Image
Notify (0x00), Query Next Image Response (0x02), Image Block Response (0x05, in its SUCCESS,
WAIT_FOR_DATA and status-only forms) and Upgrade End Response (0x07) from the server. Every frame
carries its ZCL header (frame control, sequence number, command id); integers are little-endian.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from fastpath._bytes_arg import BytesLike, as_bytes, check_int

__all__ = [
    "ABORT",
    "CLUSTER_ID",
    "DEFAULT_RESPONSE",
    "FC_RESPONSE",
    "IMAGE_BLOCK",
    "IMAGE_BLOCK_RESPONSE",
    "IMAGE_NOTIFY",
    "IMAGE_PAGE",
    "INVALID_IMAGE",
    "MALFORMED_COMMAND",
    "NO_IMAGE_AVAILABLE",
    "QUERY_NEXT_IMAGE",
    "QUERY_NEXT_IMAGE_RESPONSE",
    "REQUIRE_MORE_IMAGE",
    "SUCCESS",
    "UNSUP_CLUSTER_COMMAND",
    "UPGRADE_END",
    "UPGRADE_END_RESPONSE",
    "WAIT_FOR_DATA",
    "MalformedOtaFrame",
    "OtaRequest",
    "decode_request",
    "default_response",
    "image_block_response",
    "image_block_wait",
    "image_notify",
    "query_next_image_response",
    "status_response",
    "upgrade_end_response",
]

CLUSTER_ID = 0x0019

# command ids, client to server
QUERY_NEXT_IMAGE = 0x01
IMAGE_BLOCK = 0x03
IMAGE_PAGE = 0x04
UPGRADE_END = 0x06
# command ids, server to client
IMAGE_NOTIFY = 0x00
QUERY_NEXT_IMAGE_RESPONSE = 0x02
IMAGE_BLOCK_RESPONSE = 0x05
UPGRADE_END_RESPONSE = 0x07
DEFAULT_RESPONSE = 0x0B  # a general (profile-wide) command

# ZCL status codes
SUCCESS = 0x00
MALFORMED_COMMAND = 0x80
UNSUP_CLUSTER_COMMAND = 0x81
ABORT = 0x95
INVALID_IMAGE = 0x96
WAIT_FOR_DATA = 0x97
NO_IMAGE_AVAILABLE = 0x98
REQUIRE_MORE_IMAGE = 0x99

# frame control of every server response: cluster-specific, server to client, no default response
FC_RESPONSE = 0x19
_FC_GLOBAL_RESPONSE = 0x18

_REQUEST_LENGTH = {QUERY_NEXT_IMAGE: 9, IMAGE_BLOCK: 14, IMAGE_PAGE: 18, UPGRADE_END: 9}
_QNI = struct.Struct("<BHHI")
_BLOCK = struct.Struct("<BHHIIB")
_PAGE = struct.Struct("<BHHIIBHH")
_END = struct.Struct("<BHHI")
_U16 = struct.Struct("<H")
_U64 = struct.Struct("<Q")
_QNI_RSP = struct.Struct("<BBBBHHII")
_BLOCK_RSP = struct.Struct("<BBBBHHIIB")
_WAIT_RSP = struct.Struct("<BBBBIIH")
_END_RSP = struct.Struct("<BBBHHIII")
_NOTIFY = struct.Struct("<BBBBBHHI")


class OtaRequest(NamedTuple):
    """One decoded client request. Fields the command does not carry are -1."""

    command: int
    tsn: int
    field_control: int  # -1 for Upgrade End
    manufacturer_code: int
    image_type: int
    file_version: int
    file_offset: int = -1  # Image Block / Image Page
    max_data_size: int = -1  # Image Block / Image Page
    hardware_version: int = -1  # Query Next Image, when field control bit 0 is set
    page_size: int = -1  # Image Page
    response_spacing: int = -1  # Image Page, milliseconds
    min_block_period: int = -1  # Image Block, when field control bit 1 is set (milliseconds)
    node_address: int = -1  # Image Block / Image Page, when field control bit 0 is set (EUI-64)
    status: int = -1  # Upgrade End


class MalformedOtaFrame(ValueError):
    """An OTA request too short for its command; answer it with a MALFORMED_COMMAND Default Response."""

    def __init__(self, tsn: int, command: int, length: int, needed: int) -> None:
        super().__init__(
            f"OTA command 0x{command:02X} has a {length}-byte payload, {needed} bytes needed"
        )
        self.tsn = tsn
        self.command = command


def decode_request(frame: BytesLike) -> OtaRequest | None:
    """Decode a client-to-server OTA request (ZCL header included).

    None for any other ZCL frame (general commands, server-to-client or manufacturer-specific
    frames, commands other than 0x01, 0x03, 0x04, 0x06): those are not for the OTA server's fast
    path. :class:`MalformedOtaFrame` for a request whose payload is too short for its command;
    ``ValueError`` for a frame shorter than a ZCL header. Trailing bytes are ignored, as ZCL
    allows for fields added by later revisions.
    """
    data = as_bytes(frame)
    if len(data) < 3:
        raise ValueError(f"a ZCL frame of {len(data)} bytes is shorter than its header")
    fc = data[0]
    if fc & 0x0F != 0x01:  # cluster-specific, client to server, not manufacturer-specific
        return None
    tsn = data[1]
    command = data[2]
    needed = _REQUEST_LENGTH.get(command)
    if needed is None:
        return None
    length = len(data) - 3
    if length < needed:
        raise MalformedOtaFrame(tsn, command, length, needed)
    if command == IMAGE_BLOCK:
        field_control, manufacturer, image_type, version, offset, max_size = _BLOCK.unpack_from(
            data, 3
        )
        at = 3 + 14
        node = period = -1
        if field_control & 0x01:
            if len(data) < at + 8:
                raise MalformedOtaFrame(tsn, command, length, at + 8 - 3)
            (node,) = _U64.unpack_from(data, at)
            at += 8
        if field_control & 0x02:
            if len(data) < at + 2:
                raise MalformedOtaFrame(tsn, command, length, at + 2 - 3)
            (period,) = _U16.unpack_from(data, at)
        return OtaRequest(
            command,
            tsn,
            field_control,
            manufacturer,
            image_type,
            version,
            offset,
            max_size,
            -1,
            -1,
            -1,
            period,
            node,
            -1,
        )
    if command == QUERY_NEXT_IMAGE:
        field_control, manufacturer, image_type, version = _QNI.unpack_from(data, 3)
        hardware = -1
        if field_control & 0x01:
            if length < 11:
                raise MalformedOtaFrame(tsn, command, length, 11)
            (hardware,) = _U16.unpack_from(data, 12)
        return OtaRequest(
            command, tsn, field_control, manufacturer, image_type, version, -1, -1, hardware
        )
    if command == IMAGE_PAGE:
        (
            field_control,
            manufacturer,
            image_type,
            version,
            offset,
            max_size,
            page_size,
            spacing,
        ) = _PAGE.unpack_from(data, 3)
        node = -1
        if field_control & 0x01:
            if length < 26:
                raise MalformedOtaFrame(tsn, command, length, 26)
            (node,) = _U64.unpack_from(data, 21)
        return OtaRequest(
            command,
            tsn,
            field_control,
            manufacturer,
            image_type,
            version,
            offset,
            max_size,
            -1,
            page_size,
            spacing,
            -1,
            node,
            -1,
        )
    status, manufacturer, image_type, version = _END.unpack_from(data, 3)
    return OtaRequest(command, tsn, -1, manufacturer, image_type, version, status=status)


def _tsn(tsn: int) -> int:
    return check_int(tsn, 0, 0xFF, "tsn")


def query_next_image_response(
    tsn: int,
    status: int,
    manufacturer_code: int = 0,
    image_type: int = 0,
    file_version: int = 0,
    image_size: int = 0,
) -> bytes:
    """Query Next Image Response; the image fields are sent only with status SUCCESS."""
    check_int(status, 0, 0xFF, "status")
    if status != SUCCESS:
        return bytes((FC_RESPONSE, _tsn(tsn), QUERY_NEXT_IMAGE_RESPONSE, status))
    return _QNI_RSP.pack(
        FC_RESPONSE,
        _tsn(tsn),
        QUERY_NEXT_IMAGE_RESPONSE,
        SUCCESS,
        check_int(manufacturer_code, 0, 0xFFFF, "manufacturer_code"),
        check_int(image_type, 0, 0xFFFF, "image_type"),
        check_int(file_version, 0, 0xFFFFFFFF, "file_version"),
        check_int(image_size, 0, 0xFFFFFFFF, "image_size"),
    )


def image_block_response(
    tsn: int,
    manufacturer_code: int,
    image_type: int,
    file_version: int,
    file_offset: int,
    data: BytesLike,
) -> bytes:
    """Image Block Response, SUCCESS form: the block of image data at ``file_offset``."""
    block = as_bytes(data)
    if len(block) > 0xFF:
        raise ValueError(f"an image block holds at most 255 bytes, got {len(block)}")
    return (
        _BLOCK_RSP.pack(
            FC_RESPONSE,
            _tsn(tsn),
            IMAGE_BLOCK_RESPONSE,
            SUCCESS,
            check_int(manufacturer_code, 0, 0xFFFF, "manufacturer_code"),
            check_int(image_type, 0, 0xFFFF, "image_type"),
            check_int(file_version, 0, 0xFFFFFFFF, "file_version"),
            check_int(file_offset, 0, 0xFFFFFFFF, "file_offset"),
            len(block),
        )
        + block
    )


def image_block_wait(
    tsn: int, current_time: int, request_time: int, minimum_block_period: int
) -> bytes:
    """Image Block Response, WAIT_FOR_DATA form: ask again at ``request_time`` (UTC seconds),
    and leave at least ``minimum_block_period`` milliseconds between block requests."""
    return _WAIT_RSP.pack(
        FC_RESPONSE,
        _tsn(tsn),
        IMAGE_BLOCK_RESPONSE,
        WAIT_FOR_DATA,
        check_int(current_time, 0, 0xFFFFFFFF, "current_time"),
        check_int(request_time, 0, 0xFFFFFFFF, "request_time"),
        check_int(minimum_block_period, 0, 0xFFFF, "minimum_block_period"),
    )


def status_response(tsn: int, command: int, status: int) -> bytes:
    """A server response that carries only its status (Image Block Response ABORT, ...)."""
    return bytes(
        (
            FC_RESPONSE,
            _tsn(tsn),
            check_int(command, 0, 0xFF, "command"),
            check_int(status, 0, 0xFF, "status"),
        )
    )


def upgrade_end_response(
    tsn: int,
    manufacturer_code: int,
    image_type: int,
    file_version: int,
    current_time: int,
    upgrade_time: int,
) -> bytes:
    """Upgrade End Response: run the image at ``upgrade_time`` (0 now, 0xFFFFFFFF wait)."""
    return _END_RSP.pack(
        FC_RESPONSE,
        _tsn(tsn),
        UPGRADE_END_RESPONSE,
        check_int(manufacturer_code, 0, 0xFFFF, "manufacturer_code"),
        check_int(image_type, 0, 0xFFFF, "image_type"),
        check_int(file_version, 0, 0xFFFFFFFF, "file_version"),
        check_int(current_time, 0, 0xFFFFFFFF, "current_time"),
        check_int(upgrade_time, 0, 0xFFFFFFFF, "upgrade_time"),
    )


def image_notify(
    tsn: int,
    payload_type: int,
    query_jitter: int,
    manufacturer_code: int = 0,
    image_type: int = 0,
    file_version: int = 0,
) -> bytes:
    """Image Notify; payload type 0..3 says how many of the image fields follow the jitter."""
    check_int(payload_type, 0, 3, "payload_type")
    full = _NOTIFY.pack(
        FC_RESPONSE,
        _tsn(tsn),
        IMAGE_NOTIFY,
        payload_type,
        check_int(query_jitter, 0, 100, "query_jitter"),
        check_int(manufacturer_code, 0, 0xFFFF, "manufacturer_code"),
        check_int(image_type, 0, 0xFFFF, "image_type"),
        check_int(file_version, 0, 0xFFFFFFFF, "file_version"),
    )
    return full[: (5, 7, 9, 13)[payload_type]]


def default_response(tsn: int, command: int, status: int) -> bytes:
    """ZCL Default Response (general command 0x0B) from the server for ``command``."""
    return bytes(
        (
            _FC_GLOBAL_RESPONSE,
            _tsn(tsn),
            DEFAULT_RESPONSE,
            check_int(command, 0, 0xFF, "command"),
            check_int(status, 0, 0xFF, "status"),
        )
    )

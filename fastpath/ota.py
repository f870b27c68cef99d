"""ZCL OTA Upgrade cluster frames: the implementation chosen by ``fastpath.IMPLEMENTATION``."""

from typing import TYPE_CHECKING

from fastpath._ota_py import (
    ABORT,
    CLUSTER_ID,
    DEFAULT_RESPONSE,
    FC_RESPONSE,
    IMAGE_BLOCK,
    IMAGE_BLOCK_RESPONSE,
    IMAGE_NOTIFY,
    IMAGE_PAGE,
    INVALID_IMAGE,
    MALFORMED_COMMAND,
    NO_IMAGE_AVAILABLE,
    QUERY_NEXT_IMAGE,
    QUERY_NEXT_IMAGE_RESPONSE,
    REQUIRE_MORE_IMAGE,
    SUCCESS,
    UNSUP_CLUSTER_COMMAND,
    UPGRADE_END,
    UPGRADE_END_RESPONSE,
    WAIT_FOR_DATA,
    MalformedOtaFrame,
    OtaRequest,
)

if TYPE_CHECKING:
    from fastpath._ota_py import (
        decode_request,
        default_response,
        image_block_response,
        image_block_wait,
        image_notify,
        query_next_image_response,
        status_response,
        upgrade_end_response,
    )
else:
    from fastpath._select import CHOSEN as _CHOSEN

    decode_request = _CHOSEN.ota.decode_request
    default_response = _CHOSEN.ota.default_response
    image_block_response = _CHOSEN.ota.image_block_response
    image_block_wait = _CHOSEN.ota.image_block_wait
    image_notify = _CHOSEN.ota.image_notify
    query_next_image_response = _CHOSEN.ota.query_next_image_response
    status_response = _CHOSEN.ota.status_response
    upgrade_end_response = _CHOSEN.ota.upgrade_end_response

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

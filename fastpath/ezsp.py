"""EZSP frames of a unicast's round trip: the implementation chosen by ``fastpath.IMPLEMENTATION``."""

from typing import TYPE_CHECKING

from fastpath._ezsp_py import (
    FRAME_CONTROL_COMMAND,
    INCOMING_MESSAGE_HANDLER,
    MAX_MESSAGE,
    MESSAGE_SENT_HANDLER,
    SEND_UNICAST,
)

if TYPE_CHECKING:
    from fastpath._ezsp_py import decode_hot_frame, send_unicast_frame
else:
    from fastpath._select import CHOSEN as _CHOSEN

    decode_hot_frame = _CHOSEN.ezsp.decode_hot_frame
    send_unicast_frame = _CHOSEN.ezsp.send_unicast_frame

__all__ = [
    "FRAME_CONTROL_COMMAND",
    "INCOMING_MESSAGE_HANDLER",
    "MAX_MESSAGE",
    "MESSAGE_SENT_HANDLER",
    "SEND_UNICAST",
    "decode_hot_frame",
    "send_unicast_frame",
]

"""TI Z-Stack MT framing: the implementation chosen by ``fastpath.IMPLEMENTATION``."""

from typing import TYPE_CHECKING

from fastpath._mt_py import AF_DATA_REQUEST_EXT_MAX, MAX_DATA, SOF

if TYPE_CHECKING:
    from fastpath._mt_py import (
        Decoder,
        af_data_confirm,
        af_data_request_ext,
        af_incoming_msg,
        encode,
        encode_many,
    )
else:
    from fastpath._select import CHOSEN as _CHOSEN

    Decoder = _CHOSEN.mt.Decoder
    encode = _CHOSEN.mt.encode
    encode_many = _CHOSEN.mt.encode_many
    af_data_confirm = _CHOSEN.mt.af_data_confirm
    af_data_request_ext = _CHOSEN.mt.af_data_request_ext
    af_incoming_msg = _CHOSEN.mt.af_incoming_msg

__all__ = [
    "AF_DATA_REQUEST_EXT_MAX",
    "MAX_DATA",
    "SOF",
    "Decoder",
    "af_data_confirm",
    "af_data_request_ext",
    "af_incoming_msg",
    "encode",
    "encode_many",
]

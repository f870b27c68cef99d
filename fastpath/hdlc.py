"""Asynchronous HDLC framing (RFC 1662): the implementation chosen by ``fastpath.IMPLEMENTATION``."""

from typing import TYPE_CHECKING

from fastpath._hdlc_py import ESCAPE, FLAG, GOOD_FCS_RESIDUE, MAX_FRAME, MAX_FRAME_LIMIT

if TYPE_CHECKING:
    from fastpath._hdlc_py import Decoder, encode, encode_many
else:
    from fastpath._select import CHOSEN as _CHOSEN

    Decoder = _CHOSEN.hdlc.Decoder
    encode = _CHOSEN.hdlc.encode
    encode_many = _CHOSEN.hdlc.encode_many

__all__ = [
    "ESCAPE",
    "FLAG",
    "GOOD_FCS_RESIDUE",
    "MAX_FRAME",
    "MAX_FRAME_LIMIT",
    "Decoder",
    "encode",
    "encode_many",
]

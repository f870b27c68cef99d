"""TI Z-Stack MT framing: the implementation chosen by ``fastpath.IMPLEMENTATION``."""

from typing import TYPE_CHECKING

from fastpath._mt_py import MAX_DATA, SOF

if TYPE_CHECKING:
    from fastpath._mt_py import Decoder, encode, encode_many
else:
    from fastpath._select import CHOSEN as _CHOSEN

    Decoder = _CHOSEN.mt.Decoder
    encode = _CHOSEN.mt.encode
    encode_many = _CHOSEN.mt.encode_many

__all__ = ["MAX_DATA", "SOF", "Decoder", "encode", "encode_many"]

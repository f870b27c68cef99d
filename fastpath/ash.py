"""ASH framing (EZSP UART): the implementation chosen by ``fastpath.IMPLEMENTATION``."""

from typing import TYPE_CHECKING

from fastpath._ash_control import (
    CANCEL,
    ERROR,
    ESCAPE,
    FLAG,
    MAX_DATA,
    MAX_DATA_LIMIT,
    RESERVED_BYTES,
    RST,
    RSTACK,
    SUBSTITUTE,
    XOFF,
    XON,
    FrameKind,
    ack_control,
    data_control,
    is_data,
    nak_control,
    parse_control,
)

if TYPE_CHECKING:
    from fastpath._ash_py import RANDOM_SEQUENCE, Decoder, encode, encode_many, randomise
else:
    from fastpath._select import CHOSEN as _CHOSEN

    Decoder = _CHOSEN.ash.Decoder
    encode = _CHOSEN.ash.encode
    encode_many = _CHOSEN.ash.encode_many
    randomise = _CHOSEN.ash.randomise
    RANDOM_SEQUENCE = _CHOSEN.ash.RANDOM_SEQUENCE

__all__ = [
    "CANCEL",
    "ERROR",
    "ESCAPE",
    "FLAG",
    "MAX_DATA",
    "MAX_DATA_LIMIT",
    "RANDOM_SEQUENCE",
    "RESERVED_BYTES",
    "RST",
    "RSTACK",
    "SUBSTITUTE",
    "XOFF",
    "XON",
    "Decoder",
    "FrameKind",
    "ack_control",
    "data_control",
    "encode",
    "encode_many",
    "is_data",
    "nak_control",
    "parse_control",
    "randomise",
]

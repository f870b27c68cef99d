"""The compiled hot path: checksums, framing codecs (ASH, HDLC, MT), ZCL OTA frames and the EZSP
frames of a unicast, with pure twins.

The implementation is chosen once, at import: the compiled extensions, unless the environment
variable SMETS1_HIL_PURE is set to a value other than "" or "0", which selects the pure twin.
A missing compiled extension is an ImportError, never a silent fall-back. ``IMPLEMENTATION``
says which one is in use.

PYTEST_DONT_REWRITE: the pytest plugin's distribution marks this package for assertion rewriting,
but ``smets1-hil run`` has imported it before pytest starts; it holds library code, not tests.
"""

from typing import TYPE_CHECKING

from fastpath._select import (
    IMPLEMENTATION,
    PURE_ENV_VAR,
    Implementation,
    ImplementationName,
    implementations,
    load_implementation,
    pure_requested,
)
from fastpath._stats import DecoderStats

if TYPE_CHECKING:
    from fastpath._crc_py import crc16_ccitt, crc16_x25, xor8
else:
    from fastpath._select import CHOSEN as _CHOSEN

    crc16_ccitt = _CHOSEN.crc16_ccitt
    crc16_x25 = _CHOSEN.crc16_x25
    xor8 = _CHOSEN.xor8

from fastpath import ash, ezsp, hdlc, mt, ota  # they read the choice made above

__all__ = [
    "IMPLEMENTATION",
    "PURE_ENV_VAR",
    "DecoderStats",
    "Implementation",
    "ImplementationName",
    "ash",
    "crc16_ccitt",
    "crc16_x25",
    "ezsp",
    "hdlc",
    "implementations",
    "load_implementation",
    "mt",
    "ota",
    "pure_requested",
    "xor8",
]

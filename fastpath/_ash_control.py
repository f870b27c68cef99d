"""ASH (EZSP UART, Silicon Labs UG101) control bytes: building and parsing them.

Layout of the control byte:

    DATA    0 frmNum(3) reTx ackNum(3)
    ACK     1 0 0 res nRdy ackNum(3)
    NAK     1 0 1 res nRdy ackNum(3)
    RST     0xC0 (no data)
    RSTACK  0xC1 (data: version, reset code)
    ERROR   0xC2 (data: version, error code)
"""

from enum import Enum

from fastpath._bytes_arg import check_int

FLAG = 0x7E
ESCAPE = 0x7D
XON = 0x11
XOFF = 0x13
SUBSTITUTE = 0x18
CANCEL = 0x1A
RESERVED_BYTES = frozenset({FLAG, ESCAPE, XON, XOFF, SUBSTITUTE, CANCEL})

RST = 0xC0
RSTACK = 0xC1
ERROR = 0xC2

MAX_DATA = 128
"""Largest data field of an ASH frame (UG101); ``encode`` and ``Decoder`` take ``max_data``."""

MAX_DATA_LIMIT = 256
"""Upper bound for ``max_data``: the length of the randomisation sequence used here."""


class FrameKind(str, Enum):
    DATA = "DATA"
    ACK = "ACK"
    NAK = "NAK"
    RST = "RST"
    RSTACK = "RSTACK"
    ERROR = "ERROR"


def is_data(control: int) -> bool:
    """True for a DATA frame's control byte (bit 7 clear): its data field is randomised."""
    return not check_int(control, 0, 0xFF, "control") & 0x80


def data_control(frm_num: int, ack_num: int, re_tx: bool = False) -> int:
    """Control byte of a DATA frame."""
    check_int(frm_num, 0, 7, "frm_num")
    check_int(ack_num, 0, 7, "ack_num")
    return frm_num << 4 | bool(re_tx) << 3 | ack_num


def ack_control(ack_num: int, n_rdy: bool = False) -> int:
    """Control byte of an ACK frame."""
    return 0x80 | bool(n_rdy) << 3 | check_int(ack_num, 0, 7, "ack_num")


def nak_control(ack_num: int, n_rdy: bool = False) -> int:
    """Control byte of a NAK frame."""
    return 0xA0 | bool(n_rdy) << 3 | check_int(ack_num, 0, 7, "ack_num")


def parse_control(control: int) -> tuple[FrameKind, dict[str, int]]:
    """Split a control byte into its kind and fields.

    DATA gives ``frm_num``, ``re_tx`` (0/1) and ``ack_num``; ACK and NAK give ``ack_num``,
    ``n_rdy`` (0/1) and ``res``; RST, RSTACK and ERROR have no fields.
    ValueError for a byte that is none of these (0xC3..0xFF).
    """
    check_int(control, 0, 0xFF, "control")
    if not control & 0x80:
        return FrameKind.DATA, {
            "frm_num": control >> 4 & 7,
            "re_tx": control >> 3 & 1,
            "ack_num": control & 7,
        }
    if control & 0xE0 in (0x80, 0xA0):
        kind = FrameKind.ACK if control & 0xE0 == 0x80 else FrameKind.NAK
        return kind, {"ack_num": control & 7, "n_rdy": control >> 3 & 1, "res": control >> 4 & 1}
    if control == RST:
        return FrameKind.RST, {}
    if control == RSTACK:
        return FrameKind.RSTACK, {}
    if control == ERROR:
        return FrameKind.ERROR, {}
    raise ValueError(f"0x{control:02X} is not an ASH control byte")

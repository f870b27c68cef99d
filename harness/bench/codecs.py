"""Codec throughput, compiled against the pure twin (and bellows' ASH where it is installed)."""

from __future__ import annotations

import binascii
import importlib
import os
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import fastpath
from fastpath import Implementation

PAYLOAD = bytes(range(100))
STREAM_FRAMES = (1 << 20) // 104


@dataclass(frozen=True)
class CodecFigure:
    """One operation timed for one implementation."""

    operation: str
    implementation: str
    seconds_per_call: float
    bytes_per_call: int

    @property
    def mb_per_s(self) -> float:
        return self.bytes_per_call / self.seconds_per_call / 1e6


def _best(call: Callable[[], object], budget_s: float) -> float:
    """Seconds per call: the best of five repeats, together taking about ``budget_s``."""
    timer = timeit.Timer(call)
    once = max(timer.timeit(number=1), 1e-7)
    number = max(1, int(budget_s / 5 / once))
    return min(timer.repeat(repeat=5, number=number)) / number


def _bellows_calls() -> dict[str, Callable[[], object]]:
    """bellows' pure-Python ASH as an anchor; empty when bellows is not installed."""
    try:
        ash = importlib.import_module("bellows.ash")
    except ImportError:
        return {}
    frame = ash.DataFrame(frm_num=0, re_tx=False, ack_num=0, ezsp_frame=PAYLOAD)
    wire = ash.AshProtocol._stuff_bytes(frame.to_bytes()) + bytes([ash.Reserved.FLAG])
    body = wire[:-1]
    return {
        "ash encode": lambda: ash.AshProtocol._stuff_bytes(frame.to_bytes()),
        "ash decode": lambda: ash.parse_frame(ash.AshProtocol._unstuff_bytes(body)),
    }


def _operations(
    impl: Implementation, frame_64: bytes, frame_1m: bytes
) -> dict[str, tuple[Callable[[], object], int]]:
    """The timed calls of one implementation, each with the bytes it handles per call."""
    ash_wire = impl.ash.encode(impl.ash.data_control(0, False, 0), PAYLOAD)
    ash_stream = ash_wire * STREAM_FRAMES
    hdlc_wire = impl.hdlc.encode(PAYLOAD)
    return {
        "ash encode": (partial(impl.ash.encode, 0, PAYLOAD), len(PAYLOAD)),
        "ash decode": (lambda: impl.ash.Decoder().feed(ash_wire), len(PAYLOAD)),
        "ash stream 1 MiB": (lambda: impl.ash.Decoder().feed(ash_stream), len(ash_stream)),
        "hdlc encode": (partial(impl.hdlc.encode, PAYLOAD), len(PAYLOAD)),
        "hdlc decode": (lambda: impl.hdlc.Decoder().feed(hdlc_wire), len(PAYLOAD)),
        "crc16 64 B": (partial(impl.crc16_ccitt, frame_64), 64),
        "crc16 1 MiB": (partial(impl.crc16_ccitt, frame_1m), len(frame_1m)),
    }


def measure(budget_s: float = 0.3) -> list[CodecFigure]:
    """Time every codec operation for each implementation present."""
    figures: list[CodecFigure] = []
    frame_1m = os.urandom(1 << 20)
    frame_64 = frame_1m[:64]
    for name, impl in fastpath.implementations().items():
        for operation, (call, size) in _operations(impl, frame_64, frame_1m).items():
            figures.append(CodecFigure(operation, name, _best(call, budget_s), size))
    anchors: dict[str, tuple[Callable[[], object], int]] = {
        "crc16 64 B": (partial(binascii.crc_hqx, frame_64, 0xFFFF), 64),
        "crc16 1 MiB": (partial(binascii.crc_hqx, frame_1m, 0xFFFF), len(frame_1m)),
    }
    for operation, (call, size) in anchors.items():
        figures.append(CodecFigure(operation, "binascii.crc_hqx", _best(call, budget_s), size))
    for operation, call in _bellows_calls().items():
        figures.append(CodecFigure(operation, "bellows", _best(call, budget_s), len(PAYLOAD)))
    return figures


# Why an operation's "x anchor" cell is empty (the anchors of DESIGN.md's performance table)
NO_ANCHOR = {
    "ash stream 1 MiB": "bellows' stream decoder is timed in tests/benchmarks (it needs a transport)",
    "hdlc encode": "no Python library is the anchor for HDLC framing",
    "hdlc decode": "no Python library is the anchor for HDLC framing",
}
BELLOWS_MISSING = "bellows is not installed (pip install 'smets1-hil[ezsp]')"


def empty_anchor_reasons(figures: list[CodecFigure]) -> dict[str, str]:
    """Operation -> why it has no anchor figure in this run."""
    anchored = {f.operation for f in figures if f.implementation in ANCHOR_NAMES}
    reasons = {}
    for operation in dict.fromkeys(f.operation for f in figures):
        if operation in anchored:
            continue
        if operation.startswith("ash ") and operation not in NO_ANCHOR:
            reasons[operation] = BELLOWS_MISSING
        else:
            reasons[operation] = NO_ANCHOR.get(operation, "no anchor for this operation")
    return reasons


ANCHOR_NAMES = ("bellows", "binascii.crc_hqx")


def format_table(figures: list[CodecFigure]) -> str:
    """A table with each implementation's time and its speed-up over the anchor; each empty
    anchor cell is explained under the table."""
    lines = [
        f"{'operation':<18} {'implementation':<17} {'per call':>12} {'MB/s':>10} {'x pure':>8} {'x anchor':>9}"
    ]
    by_op: dict[str, dict[str, CodecFigure]] = {}
    for figure in figures:
        by_op.setdefault(figure.operation, {})[figure.implementation] = figure
    for operation, row in by_op.items():
        pure = row.get("pure")
        anchor = row.get("bellows") or row.get("binascii.crc_hqx")
        for figure in row.values():
            vs_pure = f"{pure.seconds_per_call / figure.seconds_per_call:.1f}" if pure else "-"
            vs_anchor = (
                f"{anchor.seconds_per_call / figure.seconds_per_call:.1f}" if anchor else "- (1)"
            )
            lines.append(
                f"{operation:<18} {figure.implementation:<17} {_duration(figure.seconds_per_call):>12} "
                f"{figure.mb_per_s:>10.1f} {vs_pure:>8} {vs_anchor:>9}"
            )
    reasons = empty_anchor_reasons(figures)
    if reasons:
        lines.append("(1) no anchor figure:")
        lines += [f"    {operation}: {why}" for operation, why in reasons.items()]
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} us"
    return f"{seconds * 1e3:.2f} ms"

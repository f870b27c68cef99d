"""Image-transfer throughput through a rig: ZigBee OTA (zigpy) and the serial test port."""

from __future__ import annotations

import itertools
import statistics
import time
from dataclasses import dataclass, field
from typing import Protocol

from harness.bench.progress import TransferProgress
from harness.firmware.image import build_image, manufacturer_payload
from harness.targets import SERIAL, Target
from rigs.capabilities import Firmware, Identity
from rigs.operations import DeviceIdentity, TransferStatus

FIRST_BENCH_VERSION = 0x7E000000


class TransferRig(Identity, Firmware, Protocol):
    """What a transfer measurement asks of a rig: who the device is, and sending it an image."""


@dataclass
class TransferFigures:
    """What a series of transfers of one image size to one device measured."""

    transport: str
    device: str
    image_size: int
    block_size: int
    rounds: list[dict[str, float]] = field(default_factory=list)
    line_rate_bytes_per_s: float | None = None
    role: str | None = None
    target: Target | None = None  # the lower limit each round's figure is held to
    intervals: list[list[float]] = field(default_factory=list)  # per round, between blocks (s)
    firmware: str | None = None  # the device's running build id before the first round
    unpaced_reason: str = ""  # why no percentage of a line rate is given, where none is

    def figure(self, row: dict[str, float]) -> float | None:
        """The round's figure in the target's units: % of line rate (serial), MB/min (OTA)."""
        if self.target is not None and self.target.kind == SERIAL:
            if not self.line_rate_bytes_per_s:
                return None
            return 100.0 * row["bytes_per_min"] / 60.0 / self.line_rate_bytes_per_s
        return row["bytes_per_min"] / 1e6

    def missed(self) -> list[int]:
        """The rounds (from 1) whose figure is below the target."""
        if self.target is None:
            return []
        return [
            number
            for number, row in enumerate(self.rounds, 1)
            if (value := self.figure(row)) is not None and not self.target.met_by(value)
        ]

    def add(self, seconds: float, blocks: int, intervals: list[float]) -> None:
        ordered = sorted(intervals) or [0.0]
        self.rounds.append(
            {
                "seconds": seconds,
                "bytes_per_min": self.image_size * 60.0 / seconds,
                "blocks_per_s": blocks / seconds,
                "block_p50_ms": 1e3 * statistics.median(ordered),
                "block_p95_ms": 1e3 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
            }
        )

    def as_dict(self) -> dict[str, object]:
        best = max(self.rounds, key=lambda r: r["bytes_per_min"])
        facts: dict[str, object] = {
            "transport": self.transport,
            "device": self.device,
            "image_size": self.image_size,
            "block_size": self.block_size,
            "rounds": self.rounds,
            "best": best,
        }
        if self.line_rate_bytes_per_s:
            facts["fraction_of_line_rate"] = (
                best["bytes_per_min"] / 60.0 / self.line_rate_bytes_per_s
            )
        elif self.unpaced_reason:
            facts["line_rate"] = None
            facts["line_rate_note"] = self.unpaced_reason
        if self.target is not None:
            facts["target"] = {
                "value": self.target.value,
                "units": self.target.units,
                "source": self.target.source,
                "figures": [self.figure(row) for row in self.rounds],
                "missed_rounds": self.missed(),
                "met": not self.missed() and all(self.figure(r) is not None for r in self.rounds),
            }
        return facts


def image_of_size(identity: DeviceIdentity, size: int, version: int) -> bytes:
    """A signed GBCS-layout image of exactly ``size`` bytes that ``identity``'s model accepts.

    ValueError if ``size`` cannot hold the header and signature trailer.
    """

    def build(payload_size: int) -> bytes:
        return build_image(
            manufacturer_payload(payload_size, seed=f"bench-{version:08X}"),
            manufacturer_code=identity.manufacturer_code,
            image_type=identity.image_type,
            file_version=version,
            hardware_versions=(identity.hardware_version, identity.hardware_version),
            signed=True,
        )

    overhead = len(build(1)) - 1  # header (with the hardware range) and signature trailer
    if size <= overhead:
        raise ValueError(f"an image of {size} bytes cannot hold its {overhead}-byte header")
    image = build(size - overhead)
    assert len(image) == size, (len(image), size)
    return image


image_for = image_of_size


async def measure_transfers(
    rig: TransferRig,
    ieee: str,
    *,
    transport: str,
    size: int,
    block_size: int,
    rounds: int,
    timeout: float,
    line_rate_bytes_per_s: float | None = None,
    unpaced_reason: str = "",
    show_progress: bool = True,
) -> TransferFigures:
    """Send ``rounds`` fresh images to one device and time each transfer."""
    identity = await rig.identify(ieee)
    figures = TransferFigures(
        transport,
        ieee,
        size,
        block_size,
        line_rate_bytes_per_s=line_rate_bytes_per_s,
        unpaced_reason=unpaced_reason,
    )
    figures.firmware = (await rig.read_firmware_version(ieee)).build_id
    for number in range(rounds):
        image = image_for(identity, size, FIRST_BENCH_VERSION + number)
        label = f"round {number + 1}/{rounds}" if show_progress else None
        seconds, blocks, intervals = await _one_transfer(rig, ieee, image, label, timeout)
        figures.image_size = len(image)
        figures.add(seconds, blocks, intervals)
        figures.intervals.append(intervals)
    return figures


async def _one_transfer(
    rig: TransferRig, ieee: str, image: bytes, label: str | None, timeout: float
) -> tuple[float, int, list[float]]:
    """Seconds, blocks and the intervals between progress reports of one transfer."""
    stamps: list[float] = []
    printer = TransferProgress(label) if label is not None else None

    def progress(done: int, total: int) -> None:
        stamps.append(time.perf_counter())
        if printer is not None:
            printer(done, total)

    started = time.perf_counter()
    result = await rig.distribute_image(ieee, image, progress=progress, timeout=timeout)
    seconds = time.perf_counter() - started
    if result.status is not TransferStatus.OK:
        raise TransferFailed(f"transfer {result.status.value}: {result.reason}")
    return seconds, result.blocks, [b - a for a, b in itertools.pairwise(stamps)]


def transfer_entries(figures: TransferFigures) -> list[dict[str, object]]:
    """Each round as a record ``transfers`` entry (for the results database)."""
    from harness.evidence.transfers import transfer_entry

    return [
        {
            **transfer_entry(
                kind=figures.transport,
                device=figures.device,
                role=figures.role or "",
                firmware=figures.firmware,
                bytes_sent=figures.image_size,
                blocks=round(row["blocks_per_s"] * row["seconds"]),
                seconds=row["seconds"],
                block_intervals_s=intervals,
                line_rate_bytes_per_s=figures.line_rate_bytes_per_s,
                target=figures.target,
            ),
            "block_size": figures.block_size,
        }
        for row, intervals in zip(figures.rounds, figures.intervals, strict=False)
    ]


class TransferFailed(Exception):
    """A benchmark transfer did not complete."""


def format_figures(figures: TransferFigures) -> str:
    title = (
        f"{figures.transport} transfer of {figures.image_size} bytes to {figures.device}"
        f" (block size {figures.block_size})"
    )
    target = figures.target
    serial = target is not None and target.kind == SERIAL
    lines = [
        title,
        (
            f"{'round':>5} {'seconds':>9} {'MB/min':>9} {'%line':>6} {'blocks/s':>9} "
            f"{'p50 ms':>8} {'p95 ms':>8}  target"
        ),
    ]
    for number, row in enumerate(figures.rounds, 1):
        value = figures.figure(row)
        percent = (
            f"{100 * row['bytes_per_min'] / 60.0 / figures.line_rate_bytes_per_s:>6.1f}"
            if figures.line_rate_bytes_per_s
            else f"{'-':>6}"
        )
        if target is None:
            verdict = "-"
        elif value is None:
            verdict = f"{target.describe()}: not judged (line rate unknown: give --baud)"
        else:
            shown = f"{value:.1f}%" if serial else f"{value:.3f} MB/min"
            state = "met" if target.met_by(value) else "MISSED"
            verdict = f"{target.describe()}: {shown} {state}"
        lines.append(
            f"{number:>5} {row['seconds']:>9.2f} {row['bytes_per_min'] / 1e6:>9.2f} {percent} "
            f"{row['blocks_per_s']:>9.0f} {row['block_p50_ms']:>8.2f} {row['block_p95_ms']:>8.2f}"
            f"  {verdict}"
        )
    facts = figures.as_dict()
    if "fraction_of_line_rate" in facts:
        lines.append(f"best: {100 * float(facts['fraction_of_line_rate']):.1f}% of line rate")  # type: ignore[arg-type]
    elif figures.unpaced_reason:
        lines.append(f"line rate: none ({figures.unpaced_reason})")
    missed = figures.missed()
    if target is not None and missed:
        lines.append(
            f"target MISSED in round(s) {', '.join(map(str, missed))}: "
            f"{target.role} {target.kind} {target.describe()}"
        )
    return "\n".join(lines)

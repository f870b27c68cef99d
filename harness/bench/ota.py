"""``bench ota``: ZigBee OTA throughput through any rig a rig file names, with a per-block timeline.

Each round sends a fresh image (built for the device's manufacturer code, image type and hardware
version) and measures: throughput, per-block latency (the time from one block request reaching the
harness to the next, i.e. one stop-and-wait round trip) at p50/p95/p99, retries, and the harness's
own CPU time per block (``time.process_time`` of this process over the transfer, divided by the
blocks served: zigpy, the radio library, the OTA server and the link together; an emulator runs in
a process of its own and is not counted).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import statistics
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.bench.progress import TransferProgress
from harness.bench.transfer import FIRST_BENCH_VERSION, TransferFailed, image_of_size
from harness.csv_output import safe_csv
from rigs.operations import DeviceIdentity, TransferStatus


@dataclass(frozen=True)
class BlockRow:
    round: int
    block: int
    offset: int
    length: int
    retry: bool
    page: bool
    at_ms: float  # since the first block request of the round
    latency_ms: float | None  # until the next block request (None for the last block)


@dataclass
class OtaRound:
    seconds: float
    blocks: int
    retries: int
    cpu_seconds: float
    latencies_ms: list[float]

    def figures(self, image_size: int) -> dict[str, float]:
        ordered = sorted(self.latencies_ms) or [0.0]
        return {
            "seconds": self.seconds,
            "bytes_per_min": image_size * 60.0 / self.seconds,
            "blocks": self.blocks,
            "blocks_per_s": self.blocks / self.seconds,
            "retries": self.retries,
            "block_p50_ms": _quantile(ordered, 0.50),
            "block_p95_ms": _quantile(ordered, 0.95),
            "block_p99_ms": _quantile(ordered, 0.99),
            "harness_cpu_ms_per_block": 1e3 * self.cpu_seconds / max(1, self.blocks),
        }


def _quantile(ordered: list[float], q: float) -> float:
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(q * 100) - 1]


@dataclass
class OtaBench:
    radio: str
    device: str
    role: str
    image_size: int
    block_size: int
    rounds: list[OtaRound] = field(default_factory=list)
    rows: list[BlockRow] = field(default_factory=list)
    target_mb_per_min: float | None = None
    target_source: str = "--target"  # or "default", or the rig file's name (harness.targets)
    firmware: str | None = None  # the device's running build id before the first round

    def missed(self) -> list[int]:
        """The rounds (from 1) slower than the target."""
        if self.target_mb_per_min is None:
            return []
        return [
            number
            for number, r in enumerate(self.rounds, 1)
            if self.image_size * 60.0 / r.seconds / 1e6 < self.target_mb_per_min
        ]

    def as_dict(self) -> dict[str, Any]:
        rounds = [r.figures(self.image_size) for r in self.rounds]
        best = max(rounds, key=lambda r: r["bytes_per_min"])
        facts: dict[str, Any] = {
            "transport": "zigbee-ota",
            "radio": self.radio,
            "device": self.device,
            "role": self.role,
            "image_size": self.image_size,
            "block_size": self.block_size,
            "rounds": rounds,
            "best": best,
        }
        if self.target_mb_per_min is not None:
            facts["target_mb_per_min"] = self.target_mb_per_min
            facts["target_source"] = self.target_source
            facts["target_missed_rounds"] = self.missed()
            facts["target_met"] = not self.missed()
        return facts


def format_bench(bench: OtaBench) -> str:
    lines = [
        (
            f"ZigBee OTA ({bench.radio}) of {bench.image_size} bytes to {bench.device} "
            f"({bench.role}), block size {bench.block_size}"
        ),
        (
            f"{'round':>5} {'seconds':>8} {'MB/min':>7} {'blocks/s':>8} {'p50 ms':>7} {'p95 ms':>7} "
            f"{'p99 ms':>7} {'retries':>7} {'CPU ms/block':>12}  target"
        ),
    ]
    target = bench.target_mb_per_min
    for number, r in enumerate(bench.as_dict()["rounds"], 1):
        lines.append(
            f"{number:>5} {r['seconds']:>8.2f} {r['bytes_per_min'] / 1e6:>7.2f} "
            f"{r['blocks_per_s']:>8.0f} {r['block_p50_ms']:>7.2f} {r['block_p95_ms']:>7.2f} "
            f"{r['block_p99_ms']:>7.2f} {r['retries']:>7d} {r['harness_cpu_ms_per_block']:>12.3f}"
            + (
                ""
                if target is None
                else f"  >= {target:g} MB/min ({bench.target_source}): "
                + ("met" if r["bytes_per_min"] / 1e6 >= target else "MISSED")
            )
        )
    return "\n".join(lines)


def transfer_entries(bench: OtaBench) -> list[dict[str, Any]]:
    """Each round as a record ``transfers`` entry (for the results database)."""
    from harness.evidence.transfers import transfer_entry
    from harness.targets import TARGET_UNITS, ZIGBEE_OTA, Target

    target = (
        None
        if bench.target_mb_per_min is None
        else Target(
            ZIGBEE_OTA, bench.role, bench.target_mb_per_min, TARGET_UNITS[ZIGBEE_OTA],
            bench.target_source,
        )
    )  # fmt: skip
    return [
        {
            **transfer_entry(
                kind=ZIGBEE_OTA,
                device=bench.device,
                role=bench.role,
                firmware=bench.firmware,
                bytes_sent=bench.image_size,
                blocks=r.blocks,
                seconds=r.seconds,
                block_intervals_s=[ms / 1e3 for ms in r.latencies_ms],
                target=target,
            ),
            "block_size": bench.block_size,
        }
        for r in bench.rounds
    ]


def device_limit(profile: str | None) -> int | None:
    """The largest image the device model accepts, where its profile is one the project knows."""
    if profile is None:
        return None
    from rigs.emulator.profiles import builtin_profiles

    known = builtin_profiles().get(profile)
    return known.max_image_size if known is not None else None


async def run_rounds(
    rig: Any,
    ieee: str,
    identity: DeviceIdentity,
    bench: OtaBench,
    *,
    rounds: int,
    timeout: float,
    show_progress: bool,
) -> None:
    """Send ``rounds`` fresh images; fill ``bench`` with the figures and the block timeline."""
    from rigs.zigbee.ota_server import OtaSettings

    bench.firmware = (await rig.read_firmware_version(ieee)).build_id
    settings = getattr(rig, "ota_settings", None)
    if isinstance(settings, OtaSettings):
        rig.ota_settings = dataclasses.replace(settings, timeline=True)
    for number in range(rounds):
        image = image_of_size(identity, bench.image_size, FIRST_BENCH_VERSION + number)
        progress = TransferProgress(f"round {number + 1}/{rounds}") if show_progress else None
        cpu = time.process_time()
        started = time.perf_counter()
        result = await rig.distribute_image(ieee, image, progress=progress, timeout=timeout)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        if result.status is not TransferStatus.OK:
            raise TransferFailed(f"transfer {result.status.value}: {result.reason}")
        timeline = getattr(getattr(rig, "last_distribution", None), "timeline", [])
        latencies: list[float] = []
        if timeline:
            first = timeline[0].at
            for index, record in enumerate(timeline):
                following = timeline[index + 1].at if index + 1 < len(timeline) else None
                latency = None if following is None else 1e3 * (following - record.at)
                if latency is not None:
                    latencies.append(latency)
                bench.rows.append(
                    BlockRow(
                        number + 1,
                        index + 1,
                        record.offset,
                        record.length,
                        record.retry,
                        record.page,
                        round(1e3 * (record.at - first), 4),
                        None if latency is None else round(latency, 4),
                    )
                )
        bench.rounds.append(OtaRound(seconds, result.blocks, result.retries, cpu, latencies))


# outputs ------------------------------------------------------------------------------------

CSV_COLUMNS = ("round", "block", "offset", "length", "retry", "page", "at_ms", "latency_ms")


def write_outputs(bench: OtaBench, out: Path) -> list[Path]:
    """timeline.csv, timeline.json and latency.svg (and summary.json) in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "timeline.csv", out / "timeline.json", out / "latency.svg", out / "summary.json"]
    cells = (
        ["" if v is None else str(int(v)) if isinstance(v, bool) else str(v) for v in values]
        for values in map(dataclasses.astuple, bench.rows)
    )
    paths[0].write_bytes(safe_csv(CSV_COLUMNS, cells))
    paths[1].write_text(
        json.dumps([dataclasses.asdict(r) for r in bench.rows]) + "\n", encoding="utf-8"
    )
    paths[2].write_text(latency_svg(bench), encoding="utf-8")
    paths[3].write_text(json.dumps(bench.as_dict(), indent=2) + "\n", encoding="utf-8")
    return paths


def latency_svg(bench: OtaBench, width: int = 900, height: int = 360) -> str:
    """Per-block latency against block number, one line per round, with the p95 marked."""
    left, right, top, bottom = 60, 20, 30, 40
    points = [r for r in bench.rows if r.latency_ms is not None]
    top_ms = max((r.latency_ms or 0.0 for r in points), default=1.0) or 1.0
    most = max((r.block for r in points), default=1)
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(block: int) -> float:
        return left + plot_w * (block - 1) / max(1, most - 1)

    def y(ms: float) -> float:
        return top + plot_h * (1 - ms / top_ms)

    colours = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd")
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'font-family="sans-serif" font-size="12">'
        ),
        f"<title>OTA per-block latency, {bench.device}</title>",
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#888"/>',
        (
            f'<text x="{left}" y="18">per-block latency (ms) — {bench.radio}, '
            f"{bench.image_size} bytes, block {bench.block_size}</text>"
        ),
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 8}" text-anchor="middle">block</text>',
        f'<text x="8" y="{top + 10}">{top_ms:.2f}</text>',
        f'<text x="8" y="{top + plot_h}">0</text>',
    ]
    for number in sorted({r.round for r in points}):
        line = [r for r in points if r.round == number]
        coords = " ".join(f"{x(r.block):.1f},{y(r.latency_ms or 0.0):.1f}" for r in line)
        colour = colours[(number - 1) % len(colours)]
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="1" points="{coords}">'
            f"<title>round {number}</title></polyline>"
        )
    figures = bench.as_dict()["rounds"] if bench.rounds else []
    if figures:
        p95 = figures[0]["block_p95_ms"]
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(p95):.1f}" y2="{y(p95):.1f}" '
            f'stroke="#999" stroke-dasharray="4 3"/>'
            f'<text x="{left + plot_w - 4}" y="{y(p95) - 4:.1f}" text-anchor="end">'
            f"p95 {p95:.2f} ms</text>"
        )
    parts.append("</svg>\n")
    return "\n".join(parts)


# opening the rig ------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def rig_from_file(
    path: Path, block_size: int
) -> AsyncIterator[tuple[Any, str, list[dict[str, Any]]]]:
    """Open the first rig of a rig file: (ZigbeeRig, radio kind, devices as the file lists them).

    An ``emulated`` radio without a path starts an emulator hosting the file's devices.
    """
    from harness.rigfile import load_rigfile
    from rigs.bringup import bring_up

    spec = load_rigfile(path).rigs[0]
    devices = [{"ieee": d.ieee, "role": d.role, "profile": d.model} for d in spec.devices]
    async with contextlib.AsyncExitStack() as stack:
        session = await bring_up(
            stack,
            spec,
            identify=False,
            emulator_args=["--no-test-ports"],
            radio_options={"block_size": block_size},
        )
        yield session.radio, spec.radio.kind, devices

"""Serial test-port image transfer: throughput against line rate, raw speed, and goodput on a lossy line.

A 256 KiB image goes from ``SerialRig`` over a real pty to the emulated test-port device, whose side
of the pty is impaired (``rigs.impair``): paced to 115200 baud (10 bits per byte, 11.52 kB/s), or
unpaced, or losing 1% of its bytes. Run with
``python -m pytest tests/benchmarks/test_serial_bench.py --benchmark-only -s``; the figures are
printed and kept in ``extra_info``.
"""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path
from typing import Any

import pytest

from rigs.emulator.test_port_device import EmulatedTestPortDevice
from rigs.impair import Impairment
from rigs.operations import TransferResult
from rigs.serial import SerialRig, serve_on_pty
from rigs.trace import TraceWriter

IEEE = "00124B0001BE0C11"
IMAGE_SIZE = 256 * 1024
BAUD = 115200
LINE_TARGET = 0.85


def _ota_image(size: int) -> bytes:
    header = struct.pack(
        "<IHHHHHIH32sI",
        0x0BEEF11E,
        0x0100,
        56,
        0,
        0x1234,
        0x0001,
        0x202,
        2,
        b"bench".ljust(32, b"\0"),
        size,
    )
    body = bytes((i * 131 + (i >> 8)) & 0xFF for i in range(size - len(header)))
    return header + body


async def _transfer(
    impairment: Impairment | None, *, block_size: int, window: int, trace_dir: Path | None = None
) -> TransferResult:
    device = EmulatedTestPortDevice(ieee=IEEE, max_image_size=1 << 22)
    device_trace = TraceWriter(trace_dir / "device.jsonl") if trace_dir is not None else None
    served = await serve_on_pty(
        device, impairment=impairment, max_block=4096, window=32, trace=device_trace
    )
    try:
        async with SerialRig(block_size=block_size, window=window, trace_dir=trace_dir) as rig:
            await rig.attach(served.url, timeout=30)
            result = await rig.distribute_image(IEEE, _ota_image(IMAGE_SIZE), timeout=900)
            held = await rig.read_held_image(IEEE, timeout=30)
    finally:
        await served.close()
        if device_trace is not None:
            device_trace.close()
    assert result.ok, result.reason
    assert held is not None and held.size == IMAGE_SIZE
    return result


def _run(
    benchmark: Any,
    capsys: Any,
    label: str,
    impairment: Impairment | None,
    *,
    rounds: int = 1,
    trace_dir: Path | None = None,
    **kwargs: int,
) -> TransferResult:
    results: list[TransferResult] = []

    def once() -> None:
        results.append(asyncio.run(_transfer(impairment, trace_dir=trace_dir, **kwargs)))

    benchmark.pedantic(once, rounds=rounds, iterations=1)
    result = sorted(results, key=lambda r: r.seconds)[len(results) // 2]  # the median run
    rate = IMAGE_SIZE / result.seconds
    info: dict[str, Any] = {
        "image_bytes": IMAGE_SIZE,
        "seconds": round(result.seconds, 3),
        "bytes_per_second": round(rate),
        "blocks_sent": result.blocks,
        "retries": result.retries,
        **kwargs,
    }
    line = f"serial transfer, {label}: {IMAGE_SIZE // 1024} KiB in {result.seconds:.2f} s, {rate / 1e3:.1f} kB/s"
    if impairment is not None and impairment.bytes_per_second:
        fraction = rate / impairment.bytes_per_second
        info["line_fraction"] = round(fraction, 4)
        line += f", {fraction:.1%} of line rate"
        if impairment.loss == 0:
            info["target_line_fraction"] = LINE_TARGET
            line += (
                f" (target >= {LINE_TARGET:.0%}: {'met' if fraction >= LINE_TARGET else 'MISSED'})"
            )
    else:
        info["megabytes_per_second"] = round(rate / 1e6, 3)
    if result.retries:
        line += f", {result.retries} blocks sent again"
    benchmark.extra_info.update(info)
    with capsys.disabled():
        print("\n" + line)
    return result


@pytest.mark.parametrize("window", [4, 16])
def test_serial_transfer_at_115200_baud(benchmark: Any, capsys: Any, window: int) -> None:
    _run(
        benchmark,
        capsys,
        f"115200 baud, window {window}",
        Impairment(baud=BAUD),
        block_size=1024,
        window=window,
    )


def test_serial_transfer_unlimited(benchmark: Any, capsys: Any) -> None:
    _run(benchmark, capsys, "unlimited speed", None, rounds=5, block_size=4096, window=16)


def test_serial_transfer_unlimited_traced_both_sides(
    benchmark: Any, capsys: Any, tmp_path: Path
) -> None:
    _run(
        benchmark,
        capsys,
        "unlimited speed, traced on both sides",
        None,
        rounds=5,
        trace_dir=tmp_path,
        block_size=4096,
        window=16,
    )


def test_serial_transfer_with_one_percent_byte_loss(benchmark: Any, capsys: Any) -> None:
    result = _run(
        benchmark,
        capsys,
        "115200 baud, 1% byte loss",
        Impairment(baud=BAUD, loss=0.01, seed=2026),
        block_size=1024,
        window=8,
    )
    assert result.retries > 0  # the loss was real and recovered from

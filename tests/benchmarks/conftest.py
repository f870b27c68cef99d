"""Benchmark set-up, and the report of ratios against the targets printed after the run.

Each benchmark records ``extra_info`` = {"case": ..., "who": ..., ["bytes": n]}; the summary hook
below reads the measured means and prints one line per case with the ratios that the
performance targets speak of.
"""

from dataclasses import dataclass
from typing import Any

import pytest


@dataclass(frozen=True)
class Target:
    title: str
    subject: str
    anchor: str
    ratio: float | None = None  # subject must be at least this many times faster than anchor
    mb_per_s: float | None = None  # subject must reach this throughput
    also: tuple[str, ...] = ()  # further subjects whose ratio to the anchor is shown


TARGETS: dict[str, Target] = {
    "ash_encode": Target("ASH encode, 100-byte DATA frame", "compiled", "bellows", ratio=30),
    "ash_decode": Target("ASH decode, 100-byte DATA frame", "compiled", "bellows", ratio=50),
    "ash_stream": Target(
        "ASH stream decode, 1 MiB of 100-byte frames", "compiled", "bellows", mb_per_s=300
    ),
    "crc_64": Target("CRC-16/CCITT, 64-byte frames", "compiled", "crc_hqx", ratio=1),
    "crc_1mib": Target("CRC-16/CCITT, 1 MiB", "compiled", "crc_hqx", ratio=3),
    "x25_1mib": Target("CRC-16/X-25, 1 MiB", "compiled", "pure"),
    "hdlc_encode": Target("HDLC encode, 100-byte payload", "compiled", "pure"),
    "hdlc_decode": Target("HDLC decode, 100-byte payload", "compiled", "pure"),
    "hdlc_stream": Target("HDLC stream decode, 1 MiB of 100-byte frames", "compiled", "pure"),
    "mt_encode": Target("MT encode, 100-byte data", "compiled", "pure"),
    "mt_decode": Target("MT decode, 100-byte data", "compiled", "pure"),
    "mt_stream": Target("MT stream decode, 1 MiB of 100-byte frames", "compiled", "pure"),
    "znp_rx": Target(
        "zigpy-znp MT receive path, 1 MiB of frames with 100-byte data", "fastpath", "stock"
    ),
    "bellows_rx": Target(
        "bellows ASH receive path, 1 MiB of 100-byte frames", "fastpath", "stock", ratio=20
    ),
    "ota_256k_64": Target(
        "ZigBee OTA, 256 KiB at 64-byte blocks (per transfer)",
        "emulated",
        "zigpy-inprocess",
        ratio=1.5,
        also=("ezsp", "znp", "server-inprocess"),
    ),
}

CPU_TARGET_MS = 0.1  # harness CPU per OTA block through the emulated radio link
CPU_TARGET_SUBJECT = "emulated"


def _time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} us"
    return f"{seconds * 1e3:.3g} ms"


def _line(target: Target, means: dict[str, float], sizes: dict[str, int]) -> str:
    parts = []
    for who, mean in sorted(means.items(), key=lambda item: item[1]):
        text = f"{who} {_time(mean)}"
        if who in sizes:
            rate = sizes[who] / mean / 1e6
            text += f" ({rate * 60:.2f} MB/min)" if rate < 1 else f" ({rate:.0f} MB/s)"
        parts.append(text)
    line = f"{target.title}: " + ", ".join(parts)
    subject = means.get(target.subject)
    anchor = means.get(target.anchor)
    if subject and anchor:
        ratio = anchor / subject
        line += f"; {target.subject}/{target.anchor} {ratio:.1f}x"
        if target.ratio is not None:
            line += (
                f" (target >= {target.ratio:g}x: {'met' if ratio >= target.ratio else 'MISSED'})"
            )
    for other in target.also:
        if other in means and anchor:
            line += f"; {other}/{target.anchor} {anchor / means[other]:.2f}x"
    if target.mb_per_s is not None and subject and target.subject in sizes:
        rate = sizes[target.subject] / subject / 1e6
        line += f"; {rate:.0f} MB/s (target >= {target.mb_per_s:g} MB/s: {'met' if rate >= target.mb_per_s else 'MISSED'})"
    return line


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any) -> None:
    session = getattr(terminalreporter.config, "_benchmarksession", None)
    results = [b for b in getattr(session, "benchmarks", []) if b.stats and "case" in b.extra_info]
    if not results:
        return
    means: dict[str, dict[str, float]] = {}
    sizes: dict[str, dict[str, int]] = {}
    for bench in results:
        case, who = bench.extra_info["case"], bench.extra_info["who"]
        means.setdefault(case, {})[who] = bench.stats.mean
        if "bytes" in bench.extra_info:
            sizes.setdefault(case, {})[who] = bench.extra_info["bytes"]
    terminalreporter.write_sep("=", "fastpath performance against targets (mean per call)")
    for case, target in TARGETS.items():
        if case in means:
            terminalreporter.write_line(_line(target, means[case], sizes.get(case, {})))
    for bench in results:
        cpu = bench.extra_info.get("harness_cpu_ms_per_block")
        if cpu is None:
            continue
        who = bench.extra_info["who"]
        line = f"CPU per OTA block, {who}: {cpu:.3f} ms"
        if who == "zigpy-inprocess" or who.endswith("-inprocess"):
            line += " (device emulation in the same process included)"
        elif who == CPU_TARGET_SUBJECT:
            verdict = "met" if cpu <= CPU_TARGET_MS else "MISSED"
            line += f" (harness process only; target <= {CPU_TARGET_MS} ms: {verdict})"
        else:  # the radio library's own work is in it: shown, the target is the radio link's
            line += " (harness process only, radio library included)"
        if "python_calls_per_block" in bench.extra_info:
            line += (
                f"; calls per block {bench.extra_info['calls_per_block']:g}, of them Python "
                f"functions {bench.extra_info['python_calls_per_block']:g} (cProfile)"
            )
        terminalreporter.write_line(line)

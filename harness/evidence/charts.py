"""Small inline SVG charts for report.html (no script, no external assets; text is escaped).

Each chart scales to the width of its container (a ``viewBox`` and ``width="100%"``), so it never
widens the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 720
LABEL_W = 260
ROW_H = 22
PASS_COLOUR = "#2e7d32"
FAIL_COLOUR = "#c62828"
PLAIN_COLOUR = "#546e7a"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    target: float | None = None  # the lower limit the value must reach, where there is one


def fit_label(label: str, width: int = 36) -> str:
    """``label`` in at most ``width`` characters, cut in the middle: transfers of one scenario
    differ only at the end (the parameter and the role), so both ends stay readable."""
    if len(label) <= width:
        return label
    head = (width - 1) * 2 // 5
    return f"{label[:head]}…{label[len(label) - (width - 1 - head) :]}"


def number_text(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def throughput_chart(bars: Sequence[Bar], units: str) -> str:
    """One horizontal bar per transfer, a dashed mark at its target; bars below target are red."""
    if not bars:
        return ""
    top = max(max(b.value for b in bars), max((b.target or 0.0) for b in bars)) or 1.0
    plot_w = WIDTH - LABEL_W - 90
    height = ROW_H * len(bars) + 30
    parts = [
        (
            f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
            f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        ),
        f"<title>Throughput per transfer ({escape(units)}) against its target</title>",
    ]
    for row, bar in enumerate(bars):
        y = 10 + row * ROW_H
        length = max(1.0, plot_w * bar.value / top)
        if bar.target is None:
            colour = PLAIN_COLOUR
        else:
            colour = PASS_COLOUR if bar.value >= bar.target else FAIL_COLOUR
        label = fit_label(bar.label)
        parts.append(
            f'<text x="{LABEL_W - 6}" y="{y + 14}" text-anchor="end" font-size="11">'
            f"{escape(label)}</text>"
        )
        parts.append(
            f'<rect x="{LABEL_W}" y="{y + 2}" width="{length:.1f}" height="{ROW_H - 6}" '
            f'fill="{colour}"><title>{escape(bar.label)}: {number_text(bar.value)} '
            f"{escape(units)}</title></rect>"
        )
        parts.append(
            f'<text x="{LABEL_W + length + 4:.1f}" y="{y + 14}" font-size="11">'
            f"{number_text(bar.value)}</text>"
        )
        if bar.target is not None:
            x = LABEL_W + plot_w * bar.target / top
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + ROW_H}" stroke="#000" '
                f'stroke-dasharray="3,2"><title>target {number_text(bar.target)} '
                f"{escape(units)}</title></line>"
            )
    legend_y = height - 8
    parts.append(
        f'<text x="{LABEL_W}" y="{legend_y}" font-size="11">{escape(units)}; dashed: target '
        f"(lower limit); red: below target</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def histogram_chart(buckets: Sequence[tuple[str, int]], title: str) -> str:
    """Vertical bars, one per bucket (label, count): a per-block latency distribution."""
    if not buckets:
        return ""
    top = max(count for _, count in buckets) or 1
    height = 180
    plot_h = height - 50
    slot = (WIDTH - 60) / len(buckets)
    parts = [
        (
            f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
            f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        ),
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, count) in enumerate(buckets):
        bar_h = plot_h * count / top
        x = 50 + index * slot
        y = 10 + plot_h - bar_h
        parts.append(
            f'<rect x="{x + 2:.1f}" y="{y:.1f}" width="{max(1.0, slot - 4):.1f}" '
            f'height="{bar_h:.1f}" fill="{PLAIN_COLOUR}"><title>{escape(label)}: {count}'
            f"</title></rect>"
        )
        parts.append(
            f'<text x="{x + slot / 2:.1f}" y="{height - 26}" text-anchor="middle" '
            f'font-size="10">{escape(label)}</text>'
        )
    parts.append(f'<text x="4" y="18" font-size="10">{top}</text>')
    parts.append(
        f'<text x="50" y="{height - 6}" font-size="11">{escape(title)} (blocks per bucket)</text>'
    )
    parts.append("</svg>")
    return "".join(parts)

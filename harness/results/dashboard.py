"""``history report``: one static HTML page with inline SVG charts, readable from a file share.

Charts: throughput per run for each series of comparable transfers, with its target as a dashed
line and regressions ringed; scenario durations per run; a runs x requirements verdict matrix.
Everything is in the page (no scripts, fonts, images or style sheets from elsewhere); all text is
escaped.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from html import escape
from pathlib import Path

from sqlalchemy import Engine

from harness.evidence.files import write_atomic
from harness.results.queries import (
    list_runs,
    requirement_verdicts,
    scenario_durations,
    throughput_series,
)
from harness.results.regression import describe, judge_series, regressions

WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 28, 44
COLOURS = (
    "#1f6feb",
    "#d9480f",
    "#2b8a3e",
    "#9c36b5",
    "#0b7285",
    "#e67700",
    "#5c5f66",
    "#c2255c",
    "#364fc7",
    "#087f5b",
)
VERDICT_COLOURS = {
    "pass": "#8ce99a",
    "flaky": "#ffd43b",
    "fail": "#ff8787",
    "skipped": "#a5d8ff",
    "not-run": "#e9ecef",
}
VERDICT_LETTERS = {"pass": "P", "flaky": "FL", "fail": "F", "skipped": "S", "not-run": "-"}
MAX_DURATION_LINES = 10

_STYLE = """
body { font-family: sans-serif; margin: 1.5em; color: #222; max-width: 1100px; }
h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
.regression { color: #a61e1e; font-weight: bold; }
.ok { color: #2b8a3e; }
svg text { font-family: sans-serif; font-size: 11px; }
table { border-collapse: collapse; } td, th { border: 1px solid #bbb; padding: 2px 6px; }
"""


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    for step in (1, 2, 2.5, 5, 10):
        magnitude = 10.0 ** int(f"{value:e}".split("e")[1])
        if value <= step * magnitude:
            return float(step * magnitude)
    return value


def line_chart(
    title: str,
    x_labels: Sequence[str],
    lines: Sequence[tuple[str, Sequence[float | None]]],
    *,
    units: str,
    target: float | None = None,
    marked: Sequence[int] = (),
    chart_id: str = "",
) -> str:
    """An SVG line chart: one polyline per ``lines`` entry over the runs ``x_labels``."""
    values = [v for _, ys in lines for v in ys if v is not None]
    top = _nice_max(max(values + ([target] if target is not None else [])) * 1.1 if values else 1.0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(len(x_labels), 1)

    def x(index: int) -> float:
        return LEFT + (plot_w * (index + 0.5) / count)

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / top)

    legend_h = 15 * len(lines) + 6 if len(lines) > 1 else 0
    total_h = HEIGHT + legend_h
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{total_h}" '
            f'viewBox="0 0 {WIDTH} {total_h}" role="img" id="{escape(chart_id)}" '
            f'class="chart" aria-label="{escape(title)}">'
        ),
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{total_h}" fill="#fff"/>',
        f'<text x="{LEFT}" y="16" font-weight="bold">{escape(title)}</text>',
    ]
    for tick in range(5):
        value = top * tick / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="#e5e5e5"/><text x="{LEFT - 6}" y="{y(value) + 4:.1f}" '
            f'text-anchor="end">{value:g}</text>'
        )
    parts.append(
        f'<text x="12" y="{TOP + plot_h / 2:.0f}" transform="rotate(-90 12 {TOP + plot_h / 2:.0f})"'
        f' text-anchor="middle">{escape(units)}</text>'
    )
    step = max(1, count // 12)
    for index, label in enumerate(x_labels):
        if index % step == 0 or index == count - 1:
            parts.append(
                f'<text x="{x(index):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    parts.append(
        f'<text x="{LEFT + plot_w / 2:.0f}" y="{HEIGHT - 8}" text-anchor="middle">run</text>'
    )
    if target is not None:
        parts.append(
            f'<line class="target" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(target):.1f}" '
            f'y2="{y(target):.1f}" stroke="#c92a2a" stroke-dasharray="6 4" stroke-width="1.5"/>'
            f'<text x="{WIDTH - RIGHT - 4}" y="{y(target) - 4:.1f}" text-anchor="end" '
            f'fill="#c92a2a">target {target:g} {escape(units)}</text>'
        )
    for number, (label, ys) in enumerate(lines):
        colour = COLOURS[number % len(COLOURS)]
        points = [(x(i), y(v)) for i, v in enumerate(ys) if v is not None]
        if len(points) > 1:
            coords = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(
                f'<polyline class="series" fill="none" stroke="{colour}" stroke-width="2" '
                f'points="{coords}"><title>{escape(label)}</title></polyline>'
            )
        for i, v in enumerate(ys):
            if v is None:
                continue
            ring = (
                f'<circle class="regression-mark" cx="{x(i):.1f}" cy="{y(v):.1f}" r="8" '
                f'fill="none" stroke="#c92a2a" stroke-width="2"/>'
                if i in marked
                else ""
            )
            parts.append(
                f'{ring}<circle class="point" cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" '
                f'fill="{colour}"><title>{escape(label)}: run {escape(x_labels[i])}: '
                f"{v:.4g} {escape(units)}</title></circle>"
            )
    if len(lines) > 1:
        for number, (label, _) in enumerate(lines):
            colour = COLOURS[number % len(COLOURS)]
            ly = HEIGHT + 4 + number * 15
            parts.append(
                f'<rect class="legend" x="{LEFT}" y="{ly - 9}" width="10" height="10" '
                f'fill="{colour}"/><text x="{LEFT + 16}" y="{ly}">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def verdict_matrix(
    run_labels: Sequence[str], requirements: Sequence[str], cells: dict[tuple[int, int], str]
) -> str:
    """An SVG grid: a row per run, a column per requirement, a cell per verdict."""
    cell_w, cell_h, label_w, head_h = 92, 22, 210, 90
    width = label_w + cell_w * len(requirements) + 120  # room for the last slanted heading
    height = head_h + cell_h * len(run_labels) + 10
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" id="verdict-matrix" class="chart" '
            'aria-label="verdict per run and requirement"><title>verdict per run and requirement'
            "</title>"
        ),
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>',
    ]
    for col, rid in enumerate(requirements):
        cx = label_w + col * cell_w + cell_w / 2
        parts.append(
            f'<text x="{cx:.0f}" y="{head_h - 6}" transform="rotate(-35 {cx:.0f} {head_h - 6})" '
            f'text-anchor="start">{escape(rid)}</text>'
        )
    for row, label in enumerate(run_labels):
        ry = head_h + row * cell_h
        parts.append(f'<text x="4" y="{ry + 15}">{escape(label)}</text>')
        for col, rid in enumerate(requirements):
            verdict = cells.get((row, col), "not-run")
            colour = VERDICT_COLOURS.get(verdict, "#e9ecef")
            rx = label_w + col * cell_w
            parts.append(
                f'<rect class="cell {escape(verdict)}" x="{rx}" y="{ry}" width="{cell_w - 2}" '
                f'height="{cell_h - 2}" fill="{colour}"><title>{escape(label)}: {escape(rid)}: '
                f"{escape(verdict)}</title></rect>"
                f'<text x="{rx + cell_w / 2 - 1:.0f}" y="{ry + 15}" text-anchor="middle">'
                f"{escape(VERDICT_LETTERS.get(verdict, verdict))}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def render_dashboard(
    engine: Engine,
    *,
    rig: str | None = None,
    last: int = 30,
    threshold: float = 10.0,
    window: int = 7,
) -> str:
    runs = list_runs(engine, rig=rig, limit=last)
    body = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>smets1-hil results history</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>smets1-hil results history</h1>",
        (
            f"<p>{len(runs)} run(s){' on rig ' + escape(rig) if rig else ''}; "
            f"regression rule: throughput more than {threshold:g}% below the median of the last "
            f"{window} comparable runs, or a requirement that passed last time and fails now.</p>"
        ),
    ]
    if runs:
        latest = runs[-1]
        found = regressions(engine, latest, threshold=threshold, window=window)
        body.append(f"<h2>Latest run: {latest.id} ({escape(latest.started)})</h2>")
        if found:
            body.append("<ul>")
            body += [f'<li class="regression">REGRESSION: {escape(r.message)}</li>' for r in found]
            body.append("</ul>")
        else:
            body.append('<p class="ok">No regression.</p>')

    body.append("<h2>Throughput per run</h2>")
    shown_ids = {r.id for r in runs}
    series_list = throughput_series(engine, rig=rig)
    if not series_list:
        body.append("<p>No transfers recorded.</p>")
    for index, series in enumerate(series_list):
        judged = [
            j
            for j in judge_series(series, threshold=threshold, window=window)
            if j.point.run_id in shown_ids
        ]
        if not judged:
            continue
        title = series.key.describe(series.role)
        units = judged[-1].point.units
        body.append(
            line_chart(
                title,
                [str(j.point.run_id) for j in judged],
                [("throughput", [j.point.value for j in judged])],
                units=units,
                target=judged[-1].point.target,
                marked=[i for i, j in enumerate(judged) if j.regressed],
                chart_id=f"throughput-{index}",
            )
        )
        for j in judged:
            if j.regressed:
                body.append(f'<p class="regression">{escape(describe(j))}</p>')

    body.append("<h2>Scenario durations</h2>")
    duration_runs, durations = scenario_durations(engine, rig=rig, last=last)
    if duration_runs and durations:
        ranked = sorted(
            durations.items(),
            key=lambda item: (
                -statistics.median([v for v in item[1].values() if v is not None] or [0.0])
            ),
        )[:MAX_DURATION_LINES]
        body.append(
            line_chart(
                f"scenario durations (the {len(ranked)} longest of {len(durations)})",
                [str(r.id) for r in duration_runs],
                [
                    (name.rpartition("::")[2] or name, [per_run.get(r.id) for r in duration_runs])
                    for name, per_run in ranked
                ],
                units="s",
                chart_id="durations",
            )
        )
    else:
        body.append("<p>No suite runs recorded.</p>")

    body.append("<h2>Verdicts: runs &times; requirements</h2>")
    suite_runs = [r for r in runs if r.kind == "suite"]
    verdicts = {r.id: requirement_verdicts(engine, r.id) for r in suite_runs}
    requirement_ids: list[str] = []
    for per_run in verdicts.values():
        for rid, v in per_run.items():
            if v["selected"] and rid not in requirement_ids:
                requirement_ids.append(rid)
    if suite_runs and requirement_ids:
        cells: dict[tuple[int, int], str] = {}
        for row, run in enumerate(suite_runs):
            for col, rid in enumerate(requirement_ids):
                entry = verdicts[run.id].get(rid)
                cells[(row, col)] = entry["verdict"] if entry and entry["selected"] else "not-run"
        labels = [f"{r.id} {r.started[:16]} {r.profile or ''}" for r in suite_runs]
        body.append(verdict_matrix(labels, requirement_ids, cells))
        body.append(
            "<p>P pass, FL flaky (passed only on a retry), F fail, S skipped (the rig lacks a port"
            " kind the requirement needs, e.g. power), - not run.</p>"
        )
    else:
        body.append("<p>No suite runs recorded.</p>")
    body.append("</body></html>")
    return "\n".join(body) + "\n"


def write_dashboard(
    engine: Engine,
    out: Path,
    *,
    rig: str | None = None,
    last: int = 30,
    threshold: float = 10.0,
    window: int = 7,
) -> Path:
    from harness.results.errors import ResultsError

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ResultsError(f"--out {out}: cannot create: {exc.strerror}") from None
    target = out / "index.html"
    html = render_dashboard(engine, rig=rig, last=last, threshold=threshold, window=window)
    write_atomic(target, html.encode("utf-8"))
    return target

"""report.html: a self-contained, readable summary of a bundle (no external assets, all text escaped)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

_STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #eee; }
.pass { background: #d9f2d9; } .fail, .error { background: #f8d0d0; }
.not-run, .skipped { background: #f0f0f0; color: #555; }
.flaky { background: #fbe8b0; }
.banner { padding: 0.6em; font-weight: bold; }
code { font-size: 90%; }
"""


def _cell(text: Any, cls: str = "") -> str:
    attr = f' class="{escape(cls)}"' if cls else ""
    return f"<td{attr}>{escape(str(text))}</td>"


def render_report(
    summary: Mapping[str, Any],
    records: Iterable[Mapping[str, Any]],
    throughput: Iterable[Mapping[str, Any]],
) -> str:
    records = list(records)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>smets1-hil evidence: {escape(str(summary.get('profile')))}</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>smets1-hil evidence bundle</h1>",
    ]
    interrupted = bool(summary.get("interrupted"))
    state = "interrupted" if interrupted else "finished"
    parts.append(
        f'<p class="banner {"fail" if interrupted else "pass"}">Run {escape(state)}: profile '
        f"{escape(str(summary.get('profile')))}, started {escape(str(summary.get('started')))}, "
        f"finished {escape(str(summary.get('finished')))}</p>"
    )
    rigs = summary.get("rigs") or []
    if rigs:
        parts.append(f"<p>Rigs: {escape(', '.join(str(r) for r in rigs))}</p>")

    parts.extend(_run_basis_html(summary))
    parts.append("<h2>Traceability matrix</h2>")
    parts.append(
        "<table><tr><th>requirement</th><th>clause</th><th>verdict</th><th>flaky</th>"
        "<th>scenario</th><th>scenario verdict</th></tr>"
    )
    for rid, entry in summary.get("requirements", {}).items():
        scenarios = entry.get("scenarios", []) or [
            {"scenario": "(none selected)", "verdict": "not-run"}
        ]
        verdict = entry.get("verdict", "not-run")
        for index, scenario in enumerate(scenarios):
            parts.append("<tr>")
            if index == 0:
                span = f' rowspan="{len(scenarios)}"'
                parts.append(
                    f"<td{span}><b>{escape(rid)}</b><br>{escape(str(entry.get('title', '')))}</td>"
                )
                facts = ", ".join(str(f) for f in entry.get("facts", []))
                basis = f"<br><small>rests on: {escape(facts)}</small>" if facts else ""
                parts.append(f"<td{span}>{escape(str(entry.get('clause', '')))}{basis}</td>")
                parts.append(f'<td{span} class="{escape(verdict)}">{escape(verdict)}</td>')
                parts.append(f"<td{span}>{escape(str(entry.get('flaky', 0)))}</td>")
            parts.append(f"<td><code>{escape(str(scenario['scenario']))}</code></td>")
            parts.append(_cell(scenario["verdict"], str(scenario["verdict"])))
            parts.append("</tr>")
    parts.append("</table>")

    counts = summary.get("scenarios", {})
    if counts:
        parts.append(
            "<h2>Scenarios</h2><p>"
            + escape(", ".join(f"{k}: {v}" for k, v in counts.items()))
            + "</p>"
        )

    throughput = list(throughput)
    parts.append("<h2>Throughput</h2>")
    if throughput:
        parts.append(
            "<table><tr><th>scenario</th><th>measurement</th><th>value</th><th>units</th>"
            "<th>limits</th><th>outcome</th></tr>"
        )
        for figure in throughput:
            parts.append(
                "<tr>"
                + _cell(figure["scenario"])
                + _cell(figure["name"])
                + _cell(figure["value"])
                + _cell(figure.get("units", ""))
                + _cell(_limits(figure.get("validator")))
                + _cell(figure.get("outcome", ""), str(figure.get("outcome", "")))
                + "</tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p>No throughput figures were recorded.</p>")

    parts.append("<h2>Records</h2>")
    for record in sorted(records, key=lambda r: str(r["scenario"])):
        verdict = str(record.get("verdict"))
        parts.append(
            f'<h3 class="{escape(verdict)}">{escape(str(record["scenario"]))}: {escape(verdict)}</h3>'
        )
        parts.append(
            f"<p>Requirements: {escape(', '.join(record.get('requirements', [])) or '-')}; "
            f"file <code>{escape(str(record.get('file', '')))}</code>; "
            f"{escape(str(record.get('duration_s', '')))} s</p>"
        )
        measurements = record.get("measurements", [])
        if measurements:
            parts.append(
                "<table><tr><th>measurement</th><th>value</th><th>units</th><th>limits</th>"
                "<th>outcome</th></tr>"
            )
            for m in measurements:
                parts.append(
                    "<tr>"
                    + _cell(m["name"])
                    + _cell(m["value"])
                    + _cell(m.get("units", ""))
                    + _cell(_limits(m.get("validator")))
                    + _cell(m["outcome"], m["outcome"])
                    + "</tr>"
                )
            parts.append("</table>")
        for fw in record.get("firmware", []):
            parts.append(
                f"<p>Firmware of {escape(str(fw.get('device')))}: {escape(str(fw.get('before')))} "
                f"&rarr; {escape(str(fw.get('after')))}</p>"
            )
        if record.get("failure"):
            parts.append(f"<pre>{escape(str(record['failure']))}</pre>")
        for attempt in record.get("failed_attempts", []):
            parts.append(
                f'<p class="{escape(str(attempt.get("verdict")))}">Attempt '
                f"{escape(str(attempt.get('attempt')))} of {escape(str(record.get('attempts')))}: "
                f"{escape(str(attempt.get('verdict')))}</p>"
                f"<pre>{escape(str(attempt.get('failure') or ''))}</pre>"
            )
    parts.extend(_sources_html(summary))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _limits(validator: Mapping[str, Any] | None) -> str:
    if not validator:
        return ""
    if validator.get("kind") == "in_range":
        low, high = validator.get("min"), validator.get("max")
        return f"{'-inf' if low is None else low} .. {'+inf' if high is None else high}"
    if validator.get("kind") == "equals":
        return f"== {validator.get('expected')!r}"
    return str(validator)


def _run_basis_html(summary: Mapping[str, Any]) -> list[str]:
    """The changes in force and the DUIS versions, under the banner."""
    parts: list[str] = []
    if "changes" in summary:
        changes = ", ".join(str(c) for c in summary.get("changes") or []) or "none (baseline)"
        parts.append(f"<p>Uplift 1.2 changes in force: {escape(changes)}</p>")
    duis = summary.get("duis")
    if isinstance(duis, Mapping):
        parts.append(f"<p>DUIS: {escape(str(duis.get('note', '')))}</p>")
    return parts


def _sources_html(summary: Mapping[str, Any]) -> list[str]:
    """Every fact shown: quoted from a source, or our setting with its default and how to change
    it."""
    sources = summary.get("sources") or []
    if not sources:
        return []
    parts = [
        "<h2>Sources and settings</h2>",
        "<p>Each clause or fact shown above is quoted from a source or is a setting of ours.</p>",
        (
            "<table><tr><th>id</th><th>what is shown</th><th>kind</th><th>source, or why</th>"
            "<th>default</th><th>how to change</th></tr>"
        ),
    ]
    for fact in sources:
        parts.append(
            "<tr>"
            + _cell(fact.get("id", ""))
            + _cell(fact.get("shown", ""))
            + _cell(fact.get("kind", ""))
            + _cell(fact.get("source", ""))
            + _cell(fact.get("default", ""))
            + _cell(fact.get("change", ""))
            + "</tr>"
        )
    parts.append("</table>")
    return parts

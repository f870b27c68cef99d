"""report.html: a self-contained page a reviewer reads in a browser, rendered from Jinja2 templates.

The page is built from summary.json and the records alone. Everything is escaped by the template
engine (autoescape); the only markup made here is the inline SVG of the charts, whose text is
escaped where it is made (:mod:`harness.evidence.charts`).
"""

from __future__ import annotations

import math
import re
import xml.dom.minidom
from collections.abc import Iterable, Mapping
from typing import Any, TypeGuard
from xml.parsers.expat import ExpatError

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from harness.evidence.charts import Bar, histogram_chart, number_text, throughput_chart
from harness.evidence.summary import overall_verdict

LONG_TEXT = 256  # XML text longer than this (a base64 image) is shown cut, with its length
_LONG_XML_TEXT = re.compile(r">([^<]{" + str(LONG_TEXT + 1) + r",})<")


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("harness.evidence", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["limits"] = limits_text
    env.filters["figure"] = number_text
    env.filters["firmware"] = firmware_text
    env.filters["value"] = value_text
    env.filters["xml"] = pretty_xml
    return env


def limits_text(validator: Mapping[str, Any] | None, name: str = "") -> str:
    """A validator as a reader would write it: ``>= 3``, ``1 .. 2``, ``== 'I0'``, ``one of ...``;
    the expected firmware version of a measurement named ``...version...`` also in hex."""
    if not validator:
        return ""
    kind = validator.get("kind")
    expected = validator.get("expected")
    if kind == "equals" and _is_version(expected, name):
        return f"== {expected} ({_hex_version(expected)})"
    if kind == "in_range":
        low, high = validator.get("min"), validator.get("max")
        if low is not None and high is not None:
            return f"== {low:g}" if low == high else f"{low:g} .. {high:g}"
        return f">= {low:g}" if low is not None else f"<= {high:g}"
    if kind == "equals":
        return f"== {validator.get('expected')!r}"
    if kind == "one_of":
        return "one of " + ", ".join(repr(v) for v in validator.get("choices", []))
    return str(validator)


def _hex_version(value: int) -> str:
    return f"0x{value:08X}"


def firmware_text(version: Any) -> str:
    """A firmware version as a lab reads it: ``0x01000001 (build 01000001)``."""
    if isinstance(version, Mapping):
        file_version = version.get("file_version")
        build = version.get("build_id")
        if isinstance(file_version, int) and not isinstance(file_version, bool):
            text = _hex_version(file_version)
            return f"{text} (build {build})" if build else text
        return ", ".join(f"{k} {v}" for k, v in version.items())
    if isinstance(version, int) and not isinstance(version, bool):
        return _hex_version(version)
    return "-" if version is None else str(version)


def _is_version(value: Any, name: str) -> TypeGuard[int]:
    return "version" in name and isinstance(value, int) and not isinstance(value, bool)


def value_text(measurement: Mapping[str, Any]) -> str:
    """A measured value; firmware versions also in hex."""
    value = measurement.get("value")
    if _is_version(value, str(measurement.get("name", ""))):
        return f"{value} ({_hex_version(value)})"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    return repr(value) if isinstance(value, str) else str(value)


def pretty_xml(text: str | None) -> str:
    """XML indented for reading, long text (images) cut to a stated length; escaped by the template."""
    if not text:
        return ""
    cut = _LONG_XML_TEXT.sub(
        lambda m: f">{m.group(1)[:64]}… [{len(m.group(1))} characters]<", text.strip()
    )
    body = cut.split("?>", 1)[1] if cut.startswith("<?xml") else cut
    if "\n" in body.strip():
        return cut  # already indented
    try:
        pretty = xml.dom.minidom.parseString(cut.encode("utf-8")).toprettyxml(indent="  ")
    except ExpatError:
        return cut
    return "\n".join(line for line in pretty.splitlines() if line.strip())


def _short(scenario: str) -> str:
    return scenario.rpartition("::")[2] or scenario


def throughput_rows(
    summary: Mapping[str, Any], records: list[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """One row per transfer: the records' ``transfers`` where a scenario recorded them, else the
    rate measurements of summary.json; each with its target (the lower limit) where there is one."""
    rows: list[dict[str, Any]] = []
    for record in records:
        for transfer in record.get("transfers", []) or []:
            rate = transfer.get("mb_per_min")
            if not isinstance(rate, int | float):
                continue
            rows.append(
                {
                    "scenario": record["scenario"],
                    "label": f"{_short(str(record['scenario']))} {transfer.get('role') or ''}",
                    "value": float(rate),
                    "units": "MB/min",
                    "target": transfer.get("target"),
                    "transfer": transfer,
                }
            )
    if rows:
        return rows
    for figure in summary.get("throughput", []) or []:
        validator = figure.get("validator") or {}
        target = validator.get("min") if validator.get("kind") == "in_range" else None
        value = figure.get("value")
        if not isinstance(value, int | float):
            continue
        rows.append(
            {
                "scenario": figure["scenario"],
                "label": _short(str(figure["scenario"])),
                "value": float(value),
                "units": str(figure.get("units", "")),
                "target": target,
                "transfer": None,
            }
        )
    return rows


def latency_buckets(rows: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """The per-block latency distribution over every transfer that recorded one."""
    totals: dict[float, int] = {}  # upper bound (ms) -> blocks; inf: the open last bucket
    for row in rows:
        transfer = row.get("transfer") or {}
        for upper, count in transfer.get("block_latency_ms_histogram", []) or []:
            bound = math.inf if upper is None else float(upper)
            totals[bound] = totals.get(bound, 0) + int(count)
    bounds = sorted(totals)
    finite = [b for b in bounds if b != math.inf]
    return [
        (
            f"≤{bound:g} ms" if bound != math.inf else f">{finite[-1]:g} ms" if finite else "all",
            totals[bound],
        )
        for bound in bounds
    ]


def _charts(rows: list[dict[str, Any]]) -> dict[str, Markup]:
    charts: dict[str, Markup] = {}
    by_units: dict[str, list[Bar]] = {}
    for number, row in enumerate(rows, 1):  # numbered as the table's rows: labels may be cut
        bar = Bar(f"{number}. {row['label']}", row["value"], row["target"])
        by_units.setdefault(row["units"], []).append(bar)
    charts["throughput"] = Markup(  # the SVG's text is escaped where it is made
        "".join(throughput_chart(bars, units) for units, bars in by_units.items())
    )
    buckets = latency_buckets(rows)
    charts["latency"] = Markup(histogram_chart(buckets, "Per-block latency") if buckets else "")
    return charts


def link_rows(summary: Mapping[str, Any]) -> list[tuple[str, list[tuple[str, Any]]]]:
    """Each rig's radio-link counters (summary ``radio_links``), flattened to ``group.counter``."""

    def flat(prefix: str, value: Any) -> list[tuple[str, Any]]:
        if isinstance(value, Mapping):
            return [
                row
                for key, inner in value.items()
                for row in flat(f"{prefix}.{key}" if prefix else str(key), inner)
            ]
        return [(prefix, value)]

    links = summary.get("radio_links") or {}
    return [(str(rig), flat("", link)) for rig, link in links.items() if isinstance(link, Mapping)]


def render_report(summary: Mapping[str, Any], records: Iterable[Mapping[str, Any]]) -> str:
    records = sorted(records, key=lambda r: str(r["scenario"]))
    verdict, headline = overall_verdict(summary)
    rows = throughput_rows(summary, records)
    anchors = {str(r["scenario"]): f"record-{index}" for index, r in enumerate(records, 1)}
    template = _environment().get_template("report.html")
    return template.render(
        summary=summary,
        run=summary.get("run") or {},
        records=records,
        anchors=anchors,
        verdict=verdict,
        headline=headline,
        throughput=rows,
        charts=_charts(rows),
        notes=summary.get("notes") or [],
        radio_links=link_rows(summary),
    )

"""Verdicts per requirement, computed from the run plan and the records written so far."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from harness.evidence.requirements import REQUIREMENTS, UPLIFT_IDS, Requirement

SCENARIO_VERDICTS = ("pass", "flaky", "fail", "error", "skipped", "not-run")
PASSING = ("pass", "flaky")  # a flaky scenario passed, on a later attempt


def requirement_verdict(scenario_verdicts: list[str]) -> str:
    """``fail`` if any scenario failed; ``pass`` if every scenario that ran passed at its first
    attempt (at least one ran, none still outstanding); ``flaky`` if they all passed but some only
    on a later attempt; otherwise ``not-run``. Skipped scenarios neither pass nor fail it."""
    if any(v in ("fail", "error") for v in scenario_verdicts):
        return "fail"
    ran = [v for v in scenario_verdicts if v != "skipped"]
    if ran and all(v in PASSING for v in ran):
        return "flaky" if "flaky" in ran else "pass"
    return "not-run"


def rig_lacks(entry: Mapping[str, Any]) -> bool:
    """True for a requirement that needs a port kind some rigs lack (``needs``) and whose every
    scenario was skipped: this rig could not show it, so it neither passes nor fails the run."""
    entries = entry.get("scenarios", [])
    return (
        bool(entry.get("needs"))
        and entry.get("verdict") == "not-run"
        and bool(entries)
        and all(e.get("verdict") == "skipped" for e in entries)
    )


def build_requirements(
    plan: Iterable[Mapping[str, Any]],
    records: Iterable[Mapping[str, Any]],
    catalogue: Mapping[str, Requirement] | None = None,
    always_listed: Iterable[str] | None = None,
) -> dict[str, dict[str, Any]]:
    """The ``requirements`` section of summary.json.

    Every Uplift 1.2 requirement is listed, selected or not; other ids appear when a scenario
    names them. A scenario in the plan without a record is ``not-run``.
    """
    catalogue = REQUIREMENTS if catalogue is None else catalogue
    always = UPLIFT_IDS if always_listed is None else tuple(always_listed)
    by_scenario: dict[str, Mapping[str, Any]] = {r["scenario"]: r for r in records}
    scenarios: dict[str, list[dict[str, Any]]] = {rid: [] for rid in always}
    planned: dict[str, list[str]] = {p["scenario"]: list(p.get("requirements", [])) for p in plan}
    for name, finished in by_scenario.items():
        planned.setdefault(name, list(finished.get("requirements", [])))
    for name, requirement_ids in planned.items():
        record = by_scenario.get(name)
        verdict = record["verdict"] if record else "not-run"
        entry = {
            "scenario": name,
            "verdict": verdict,
            "attempts": int(record.get("attempts", 1)) if record else 0,
            "record": record.get("file") if record else None,
        }
        for rid in requirement_ids:
            scenarios.setdefault(rid, []).append(entry)
    result: dict[str, dict[str, Any]] = {}
    order = list(catalogue)
    for rid in sorted(scenarios, key=lambda rid: _order(rid, order, always)):
        entries = sorted(scenarios[rid], key=lambda e: e["scenario"])
        known = catalogue.get(rid)
        result[rid] = {
            "verdict": requirement_verdict([e["verdict"] for e in entries]),
            "selected": bool(entries),
            "passed": sum(1 for e in entries if e["verdict"] == "pass"),
            "flaky": sum(1 for e in entries if e["verdict"] == "flaky"),
            "title": known.title if known else "",
            "clause": known.clause if known else "",
            "facts": list(known.facts) if known else [],
            "scenarios": entries,
        }
        if known is not None and known.needs:
            result[rid]["needs"] = known.needs
    return result


def _order(rid: str, ids: list[str], first: tuple[str, ...]) -> tuple[int, int, str]:
    return (0 if rid in first else 1, ids.index(rid) if rid in ids else len(ids), rid)


def scenario_counts(
    plan: Iterable[Mapping[str, Any]], records: Iterable[Mapping[str, Any]]
) -> dict[str, int]:
    verdicts = {r["scenario"]: r["verdict"] for r in records}
    names = {p["scenario"] for p in plan} | set(verdicts)
    counts = {v: 0 for v in SCENARIO_VERDICTS}
    for name in names:
        counts[verdicts.get(name, "not-run")] += 1
    counts["total"] = len(names)
    return counts


def throughput_figures(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Measurements that are rates (units per second or per minute, or a transfer's share of its line
    rate), with the scenario they came from and their limits."""
    figures = []
    for record in records:
        for m in record.get("measurements", []):
            units = str(m.get("units", ""))
            if units.endswith(("/min", "/s")) or m.get("name") == "transfer_rate":
                validator = m.get("validator") or {}
                figures.append(
                    {
                        "scenario": record["scenario"],
                        **m,
                        "limit_low": validator.get("min"),
                        "limit_high": validator.get("max"),
                    }
                )
    return sorted(figures, key=lambda f: (f["scenario"], f["name"]))


def radio_links(records: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each rig's radio-link counters as its last finished record saw them (they only grow while
    the emulator runs, so the last record's are the run's): rig name -> ``rig.radio.link``."""
    latest: dict[str, tuple[str, dict[str, Any]]] = {}
    for record in records:
        rig = record.get("rig") or {}
        link = (rig.get("radio") or {}).get("link")
        if not isinstance(link, dict):
            continue
        name = str(rig.get("name", ""))
        finished = str(record.get("finished") or "")
        if name not in latest or finished >= latest[name][0]:
            latest[name] = (finished, link)
    return {name: link for name, (_, link) in sorted(latest.items())}


def recoveries(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every power cycle made between scenarios (records' ``recoveries``), each with the scenario
    it came before, in time order."""
    found = [
        {"before_scenario": record["scenario"], **entry}
        for record in records
        for entry in record.get("recoveries") or []
    ]
    started = {r["scenario"]: str(r.get("started") or "") for r in records}
    return sorted(found, key=lambda e: (started.get(e["before_scenario"], ""), e["device"]))


def selected_requirements_pass(summary: Mapping[str, Any]) -> bool:
    """True when at least one requirement was selected and every selected one passed (a ``flaky``
    requirement passed, on retries; the table and the bundle name it). A requirement this rig
    cannot show (:func:`rig_lacks`) is left out, as long as another one passed."""
    selected = [
        r
        for r in summary.get("requirements", {}).values()
        if r.get("selected") and not rig_lacks(r)
    ]
    return bool(selected) and all(r["verdict"] in PASSING for r in selected)


def overall_verdict(summary: Mapping[str, Any]) -> tuple[str, str]:
    """The run's verdict (``pass``, ``fail``, ``interrupted`` or ``incomplete``) and a headline
    counting the selected requirements, e.g. ``6 of 11 requirements failed``. A ``flaky``
    requirement passed (as in :func:`selected_requirements_pass`, which sets the exit code); the
    headline says how many passed only on a retry."""
    chosen = [r for r in summary.get("requirements", {}).values() if r.get("selected")]
    lacking = [r for r in chosen if rig_lacks(r)]
    selected = [r for r in chosen if not rig_lacks(r)]
    total = len(selected)
    failed = sum(1 for r in selected if r.get("verdict") == "fail")
    passed = sum(1 for r in selected if r.get("verdict") in PASSING)
    flaky = sum(1 for r in selected if r.get("verdict") == "flaky")
    others = total - failed - passed
    skipped = ""
    if lacking:
        kinds = ", ".join(sorted({str(r["needs"]) for r in lacking}))
        skipped = f"{len(lacking)} skipped (the rig has no {kinds} ports)"
    if total == 0:
        return "incomplete", skipped or "no requirements were selected"
    parts = []
    if failed:
        parts.append(f"{failed} of {total} requirements failed")
    if others:
        parts.append(
            f"{others} of {total} not passed"
            if failed
            else f"{others} of {total} requirements not passed"
        )
    if not parts:
        parts.append(f"{passed} of {total} requirements passed")
        if flaky:
            parts[-1] += f" ({flaky} only on a retry)"
    if skipped:
        parts.append(skipped)
    headline = "; ".join(parts)
    if summary.get("interrupted"):
        return "interrupted", f"run interrupted: {headline}"
    if failed:
        return "fail", headline
    return ("pass", headline) if passed == total else ("incomplete", headline)


VERDICT_COLOURS = {"PASS": "32", "FAIL": "31", "FLAKY": "33", "NOT-RUN": "33"}  # ANSI SGR


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, an ellipsis marking the cut."""
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def format_table(
    summary: Mapping[str, Any], *, width: int | None = None, colour: bool = False
) -> str:
    """The requirement / verdict table printed at the end of a run and by ``evidence show``.

    With ``width`` (the terminal's columns) no line is longer: the "what" column is cut to fit
    (never the id or the verdict). With ``colour`` the verdicts are coloured (for a terminal)."""
    requirements: Mapping[str, Any] = summary.get("requirements", {})
    rows: list[tuple[str, str, str, str, str]] = []
    for rid, entry in requirements.items():
        entries = entry.get("scenarios", [])
        passes = sum(1 for e in entries if e["verdict"] == "pass")
        flaky = sum(1 for e in entries if e["verdict"] == "flaky")
        shown = str(entry["verdict"]) if entry.get("selected", bool(entries)) else "not selected"
        if rig_lacks(entry):
            shown = "skipped"
        rows.append(
            (
                rid,
                shown.upper(),
                f"{passes}/{len(entries)}",
                str(flaky) if flaky else "-",
                str(entry.get("title", "")),
            )
        )
    id_width = max([len("requirement")] + [len(r[0]) for r in rows])
    fixed = id_width + 2 + 12 + 2 + 7 + 2 + 5 + 2
    title_width = None if width is None else max(0, width - fixed)

    def line(rid: str, shown: str, passed: str, flaky: str, title: str, paint: bool) -> str:
        cell = f"{shown:<12}"
        if paint and shown in VERDICT_COLOURS:
            cell = f"\x1b[{VERDICT_COLOURS[shown]}m{shown}\x1b[0m" + " " * (12 - len(shown))
        what = title if title_width is None else _fit(title, title_width)
        return f"{rid:<{id_width}}  {cell}  {passed:>7}  {flaky:>5}  {what}".rstrip()

    header = line("requirement", "verdict", "passed", "flaky", "what", False)
    body = [line(*row, colour) for row in rows]
    plain = [line(*row, False) for row in rows]
    rule = max(len(text) for text in [header, *plain])
    if width is not None:
        rule = min(rule, width)
    lines = [header, "-" * rule, *body]
    state = "INTERRUPTED" if summary.get("interrupted") else "finished"
    footer = (
        f"profile {summary.get('profile')}; started {summary.get('started')}; "
        f"{state} {summary.get('finished') or ''}".rstrip()
    )
    lines.append(footer if width is None else _fit(footer, width))
    return "\n".join(lines)

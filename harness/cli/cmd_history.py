"""``smets1-hil history``: the results database — list, show, trend, compare, import, report.

See ``docs/history.md`` for the schema and the regression rule.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from harness.errors import UserError

REGRESSION_EXIT = 1


def db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH|URL",
        help="results database: an SQLite file path or a URL (postgresql://user@host/db); "
        "default $SMETS1_HIL_DB, else $XDG_DATA_HOME/smets1-hil/results.sqlite",
    )


def _rule_options(parser: argparse.ArgumentParser) -> None:
    from harness.results.defaults import DEFAULT_THRESHOLD_PERCENT, DEFAULT_WINDOW

    parser.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD_PERCENT,
        metavar="PERCENT",
        help=f"throughput regression: more than PERCENT below the median (default "
        f"{DEFAULT_THRESHOLD_PERCENT:g})",
    )
    parser.add_argument(
        "--window",
        type=int,
        default=DEFAULT_WINDOW,
        metavar="N",
        help=f"the median is of the last N comparable runs (default {DEFAULT_WINDOW})",
    )
    parser.add_argument(
        "--fail-on-regression",
        action="store_true",
        help=f"exit {REGRESSION_EXIT} when a regression is found",
    )


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "history",
        help="results database: runs, trends, regressions, dashboard",
        description="Every 'smets1-hil run' (and 'bench --record') lands in a results database. "
        "These commands read it.",
    )
    commands = parser.add_subparsers(dest="history_command", metavar="COMMAND", required=True)

    listing = commands.add_parser("list", help="runs, newest last")
    db_option(listing)
    listing.add_argument("--rig", help="only runs on this rig")
    listing.add_argument("--limit", type=int, default=20, help="the last N runs (default 20)")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(func=run_list)

    show = commands.add_parser("show", help="one run: devices, verdicts, scenarios, transfers")
    db_option(show)
    show.add_argument("run", nargs="?", default="latest", help="run id (default latest)")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(func=run_show)

    trend = commands.add_parser(
        "trend", help="throughput per rig, device, firmware and kind over runs; scenario durations"
    )
    db_option(trend)
    trend.add_argument("--rig", help="only this rig")
    trend.add_argument("--device", metavar="EUI64", help="only this device")
    trend.add_argument("--firmware", help="only this firmware (build id, e.g. 01000000)")
    trend.add_argument("--kind", choices=("zigbee-ota", "serial"), help="only this transfer kind")
    trend.add_argument(
        "--last", type=int, default=10, help="the last N runs per series (default 10)"
    )
    trend.add_argument(
        "--durations", action="store_true", help="scenario durations per run instead of throughput"
    )
    trend.add_argument("--json", action="store_true", help="print JSON")
    _rule_options(trend)
    trend.set_defaults(func=run_trend)

    compare = commands.add_parser(
        "compare", help="a run against the one before it: verdict changes and regressions"
    )
    db_option(compare)
    compare.add_argument(
        "runs",
        nargs="*",
        metavar="RUN",
        help="[BASE] RUN: compare RUN (default latest) with BASE (default the previous run on "
        "the same rig with the same profile)",
    )
    compare.add_argument("--json", action="store_true", help="print JSON")
    _rule_options(compare)
    compare.set_defaults(func=run_compare)

    importing = commands.add_parser(
        "import", help="load evidence bundles (a bundle already loaded is skipped)"
    )
    db_option(importing)
    importing.add_argument("bundles", nargs="+", metavar="DIR", help="evidence bundle directory")
    importing.set_defaults(func=run_import)

    report = commands.add_parser(
        "report", help="static HTML dashboard with SVG charts (no external assets)"
    )
    db_option(report)
    report.add_argument("--out", required=True, metavar="DIR", help="directory to write into")
    report.add_argument("--rig", help="only this rig")
    report.add_argument("--last", type=int, default=30, help="the last N runs (default 30)")
    _rule_options(report)
    report.set_defaults(func=run_report)


def _engine(args: argparse.Namespace) -> Any:
    from harness.results import chosen, open_database

    where = chosen(args.db)
    if where is None:
        raise UserError("the results database is off (--db off or SMETS1_HIL_DB=off)")
    return open_database(where)


def _check_rule(args: argparse.Namespace) -> None:
    if args.threshold < 0 or args.threshold >= 100:
        raise UserError("--threshold: must be at least 0 and below 100 (percent)")
    if args.window < 1:
        raise UserError("--window: must be at least 1")


def run_list(args: argparse.Namespace) -> int:
    from harness.results.queries import list_runs, requirement_verdicts

    engine = _engine(args)
    runs = list_runs(engine, rig=args.rig, limit=args.limit)
    rows: list[dict[str, Any]] = []
    for run in runs:
        verdicts = [
            v["verdict"] for v in requirement_verdicts(engine, run.id).values() if v["selected"]
        ]
        rows.append(
            {
                "id": run.id,
                "started": run.started,
                "kind": run.kind,
                "rig": run.rig,
                "profile": run.profile,
                "exit": run.exit_status,
                "pass": verdicts.count("pass"),
                "flaky": verdicts.count("flaky"),
                "fail": verdicts.count("fail"),
                "evidence": run.evidence_path,
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("no runs recorded yet")
        return 0
    print(
        f"{'id':>5}  {'started':<24}  {'kind':<5}  {'rig':<16}  {'profile':<10}  {'exit':>4}  "
        f"{'pass':>4} {'flaky':>5} {'fail':>4}  evidence"
    )
    for r in rows:
        print(
            f"{r['id']:>5}  {r['started']:<24}  {r['kind']:<5}  {r['rig'][:16]:<16}  "
            f"{r['profile'] or '-'!s:<10}  {r['exit']!s:>4}  {r['pass']:>4} {r['flaky']:>5} "
            f"{r['fail']:>4}  {r['evidence'] or '-'}"
        )
    return 0


def run_show(args: argparse.Namespace) -> int:
    from harness.results import queries

    engine = _engine(args)
    run = queries.get_run(engine, args.run)
    facts: dict[str, Any] = {
        "run": vars(run),
        "devices": queries.device_rows(engine, run.id),
        "requirements": queries.requirement_verdicts(engine, run.id),
        "scenarios": queries.scenario_rows(engine, run.id),
        "transfers": queries.transfer_rows(engine, run.id),
    }
    if args.json:
        print(json.dumps(facts, indent=2, default=str))
        return 0
    print(
        f"run {run.id} ({run.kind}) on rig {run.rig}, host {run.host or '?'}: "
        f"started {run.started}, finished {run.finished or '-'}, exit {run.exit_status}"
        + (" (interrupted)" if run.interrupted else "")
    )
    print(
        f"  profile {run.profile or '-'}; changes {', '.join(run.changes or []) or '-'}; "
        f"smets1-hil {run.tool_version or '?'}; radio {run.radio_library or '?'} "
        f"{run.radio_library_version or ''}".rstrip()
    )
    print(f"  rig file sha256 {run.rig_file_sha256 or '- (embedded rig)'}")
    print(f"  evidence {run.evidence_path or '-'} (manifest sha256 {run.manifest_sha256[:16]}...)")
    if facts["devices"]:
        print("devices:")
        for d in facts["devices"]:
            print(
                f"  {d['role'] or '?':<6} {d['ieee']}  {d['manufacturer'] or '?'} "
                f"{d['model'] or '?'}  firmware {d['firmware_before'] or '?'} -> "
                f"{d['firmware_after'] or '?'}"
            )
    selected = {k: v for k, v in facts["requirements"].items() if v["selected"]}
    if selected:
        print("requirements:")
        for rid, v in selected.items():
            print(
                f"  {rid:<16} {v['verdict'].upper():<6}  {v['passed']}/{v['scenarios']} passed"
                + (f", {v['flaky']} flaky" if v["flaky"] else "")
            )
    unclean = [s for s in facts["scenarios"] if s["verdict"] != "pass"]
    print(f"scenarios: {len(facts['scenarios'])}, of which not a clean pass: {len(unclean)}")
    for s in unclean:
        print(f"  {s['verdict'].upper():<7} {s['scenario']} (attempts {s['attempts']})")
        for a in s["failed_attempts"]:
            print(f"      attempt {a['attempt']}: {a['verdict']}: {a['failure'] or ''}")
        if s["verdict"] in ("fail", "error") and s["failure"]:
            print(f"      {s['failure']}")
    if facts["transfers"]:
        print("transfers:")
        for t in facts["transfers"]:
            target = (
                f"target {t['target']:g} {t['target_units']}" if t["target"] is not None else ""
            )
            percent = (
                f" {t['percent_of_line_rate']:.1f}% of line rate"
                if t["percent_of_line_rate"] is not None
                else ""
            )
            print(
                f"  {t['kind']:<10} {t['role'] or '?':<6} {t['device']}  "
                f"{t['mb_per_min']:.3f} MB/min{percent}  p50 {_ms(t['block_p50_ms'])} "
                f"p95 {_ms(t['block_p95_ms'])} p99 {_ms(t['block_p99_ms'])}  {target}"
            )
    return 0


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def run_trend(args: argparse.Namespace) -> int:
    from harness.results.queries import scenario_durations, throughput_series
    from harness.results.regression import describe, judge_series

    _check_rule(args)
    engine = _engine(args)
    if args.durations:
        runs, durations = scenario_durations(engine, rig=args.rig, last=args.last)
        if args.json:
            print(json.dumps({"runs": [r.id for r in runs], "durations": durations}, indent=2))
            return 0
        if not runs:
            print("no suite runs recorded yet")
            return 0
        print("scenario durations in seconds, per run: " + " ".join(f"{r.id:>7}" for r in runs))
        for name, per_run in durations.items():
            cells = " ".join(
                f"{per_run[r.id]:>7.2f}" if per_run.get(r.id) is not None else f"{'-':>7}"
                for r in runs
            )
            print(f"  {name}\n  {'':<38}{cells}")
        return 0
    found: list[str] = []
    output: list[dict[str, Any]] = []
    for series in throughput_series(
        engine, rig=args.rig, device=args.device, firmware=args.firmware, kind=args.kind
    ):
        judged = judge_series(series, threshold=args.threshold, window=args.window)[-args.last :]
        latest = judged[-1]
        if latest.regressed:
            found.append(describe(latest))
        output.append(
            {
                "series": vars(series.key),
                "role": series.role,
                "points": [
                    {
                        "run": j.point.run_id,
                        "started": j.point.started,
                        "value": j.point.value,
                        "units": j.point.units,
                        "target": j.point.target,
                        "median_before": j.baseline,
                        "change_percent": j.change_percent,
                        "regression": j.regressed,
                    }
                    for j in judged
                ],
            }
        )
    if args.json:
        print(json.dumps({"series": output, "regressions": found}, indent=2))
    elif not output:
        print("no transfers recorded yet")
    else:
        for entry in output:
            key = entry["series"]
            print(
                f"{key['kind']} to {entry['role'] or '?'} {key['device']} "
                f"(firmware {key['firmware'] or '?'}) on rig {key['rig']}:"
            )
            print(
                f"  {'run':>5}  {'started':<24}  {'value':>9}  {'target':>7}  "
                f"{'median':>9}  {'change':>7}"
            )
            for p in entry["points"]:
                change = "" if p["change_percent"] is None else f"{p['change_percent']:+.1f}%"
                median = "" if p["median_before"] is None else f"{p['median_before']:.3f}"
                target = "" if p["target"] is None else f"{p['target']:g}"
                flag = "  REGRESSION" if p["regression"] else ""
                if p["target"] is not None and p["value"] < p["target"]:
                    flag += "  BELOW TARGET"
                print(
                    f"  {p['run']:>5}  {p['started']:<24}  {p['value']:>9.3f}  {target:>7}  "
                    f"{median:>9}  {change:>7}{flag}   {p['units']}"
                )
        for message in found:
            print(f"REGRESSION: {message}")
    return REGRESSION_EXIT if found and args.fail_on_regression else 0


def run_compare(args: argparse.Namespace) -> int:
    from harness.results import queries
    from harness.results.regression import regressions, verdict_changes

    _check_rule(args)
    if len(args.runs) > 2:
        raise UserError("compare takes at most two runs: [BASE] RUN")
    engine = _engine(args)
    run = queries.get_run(engine, args.runs[-1] if args.runs else None)
    base = (
        queries.get_run(engine, args.runs[0])
        if len(args.runs) == 2
        else queries.previous_run(engine, run)
    )
    changes = verdict_changes(engine, base, run) if base else []
    old = (
        {s["scenario"]: s["verdict"] for s in queries.scenario_rows(engine, base.id)}
        if base
        else {}
    )
    new = {s["scenario"]: s["verdict"] for s in queries.scenario_rows(engine, run.id)}
    scenario_changes = [
        (name, old[name], v) for name, v in sorted(new.items()) if name in old and old[name] != v
    ]
    found = regressions(engine, run, threshold=args.threshold, window=args.window, before=base)
    if args.json:
        print(
            json.dumps(
                {
                    "run": run.id,
                    "base": base.id if base else None,
                    "requirement_changes": [
                        {"requirement": r, "before": a, "after": b} for r, a, b in changes
                    ],
                    "scenario_changes": [
                        {"scenario": s, "before": a, "after": b} for s, a, b in scenario_changes
                    ],
                    "regressions": [vars(r) for r in found],
                },
                indent=2,
            )
        )
    else:
        if base is None:
            print(
                f"run {run.id}: no earlier run on rig {run.rig} with profile {run.profile} "
                "to compare verdicts with"
            )
        else:
            print(
                f"run {run.id} ({run.started}) against run {base.id} ({base.started}), "
                f"rig {run.rig}"
            )
            if not changes and not scenario_changes:
                print("  verdicts: unchanged")
            for rid, a, b in changes:
                print(f"  requirement {rid}: {a} -> {b}")
            for name, a, b in scenario_changes:
                print(f"  scenario {name}: {a} -> {b}")
        if found:
            for r in found:
                print(f"REGRESSION ({r.kind}): {r.message}")
        else:
            print(
                f"no regression (throughput within {args.threshold:g}% of the median of the "
                f"last {args.window} comparable runs; no requirement newly failing)"
            )
    return REGRESSION_EXIT if found and args.fail_on_regression else 0


def run_import(args: argparse.Namespace) -> int:
    from harness.evidence.bundle import BundleError
    from harness.results import record_bundle

    engine = _engine(args)
    problems = 0
    for text in args.bundles:
        root = Path(text)
        try:
            recorded = record_bundle(engine, root)
        except BundleError as exc:
            print(f"smets1-hil: error: {exc}", file=sys.stderr)
            problems += 1
            continue
        state = "added as run" if recorded.created else "already recorded as run"
        print(f"{root}: {state} {recorded.run_id}")
    return 1 if problems else 0


def run_report(args: argparse.Namespace) -> int:
    from harness.results.dashboard import write_dashboard

    _check_rule(args)
    engine = _engine(args)
    path = write_dashboard(
        engine,
        Path(args.out),
        rig=args.rig,
        last=args.last,
        threshold=args.threshold,
        window=args.window,
    )
    print(f"dashboard: {path}")
    return 0

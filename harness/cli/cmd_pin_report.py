"""``smets1-hil pin-report``: the one-time TMAD 3.25 PIN report for Installing Suppliers."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from harness.errors import UserError

ENGLAND_AND_WALES = "ENG"
"""``harness.working_days.ENGLAND_AND_WALES``, named again here: that module loads the holidays
package, which the command line imports only when it needs it."""


def _date(text: str) -> dt.date:
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date of the form YYYY-MM-DD: {text[:40]!r}"
        ) from None


def group_list(text: str) -> frozenset[str]:
    """Comma-separated SMSO GroupIDs (two upper-case letters each)."""
    groups = frozenset(part.strip().upper() for part in text.split(",") if part.strip())
    bad = sorted(g for g in groups if len(g) != 2 or not g.isalpha() or not g.isascii())
    if not groups or bad:
        shown = bad[0] if bad else text
        raise argparse.ArgumentTypeError(
            f"not a GroupID list of two-letter ids such as AA,BA: {shown[:40]!r}"
        )
    return groups


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "pin-report",
        help="write the TMAD 3.25 engineering-menu PIN report, one file per Installing Supplier",
        description="From the migration inventory and the configuration tool's changes file, write "
        'for each Installing Supplier the new PINs of its installations ("Dormant and Active '
        'EPCL entries where the PIN was incorrectly changed"), for IOC installations only, with '
        "a manifest saying what was left out and why, and the deadline (30 working days after "
        "--start).",
    )
    parser.add_argument(
        "--inventory", required=True, type=Path, metavar="FILE", help="migration inventory (CSV)"
    )
    parser.add_argument(
        "--changes",
        required=True,
        type=Path,
        metavar="FILE",
        help="the configuration tool's changes file (CSV, holds PINs)",
    )
    parser.add_argument(
        "--start",
        required=True,
        type=_date,
        metavar="YYYY-MM-DD",
        help="the date the 30 working days are counted from (day 1 is the next working day)",
    )
    parser.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="DIR",
        help="report directory to create (mode 0700)",
    )
    parser.add_argument(
        "--changes-before",
        type=_date,
        metavar="YYYY-MM-DD",
        help="one-time cut-off: leave out changes recorded at or after 00:00 UTC of this date "
        "(when the fixed tool went live); recorded in the manifest",
    )
    parser.add_argument(
        "--ioc-groups",
        type=group_list,
        default=None,
        metavar="ID,ID",
        help="extra SMSO GroupIDs to treat as IOC (default IOC: AA,BA,CA); "
        "installations of other groups are left out and counted",
    )
    parser.add_argument(
        "--known-groups",
        type=group_list,
        default=None,
        metavar="ID,ID",
        help="extra GroupIDs the inventory may hold (default: AA,BA,CA,MA,MB,SA,SB)",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing report directory")
    parser.add_argument(
        "--non-working-day",
        action="append",
        type=_date,
        default=[],
        metavar="YYYY-MM-DD",
        help="an extra non-working date (repeatable)",
    )
    parser.add_argument(
        "--bank-holidays",
        default=ENGLAND_AND_WALES,
        metavar="SUBDIV",
        help=f"GB subdivision of the bank-holiday calendar (default "
        f"{ENGLAND_AND_WALES}: England and Wales)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from harness.pin_report import load_report, write_report
    from harness.working_days import WorkingDayCalendar

    try:
        calendar = WorkingDayCalendar(
            subdivision=args.bank_holidays, extra_non_working=frozenset(args.non_working_day)
        )
    except (NotImplementedError, ValueError, KeyError):
        raise UserError(f"unknown bank-holiday subdivision {args.bank_holidays!r}") from None
    from harness.migration import DEFAULT_RULES, IOC_GROUP_IDS

    report_groups = IOC_GROUP_IDS | (args.ioc_groups or frozenset())
    known = DEFAULT_RULES.known_group_ids | (args.known_groups or frozenset())
    report = load_report(
        args.inventory,
        args.changes,
        start=args.start,
        calendar=calendar,
        report_groups=report_groups,
        known_group_ids=known,
        changes_before=args.changes_before,
    )

    def progress(line: str) -> None:
        print(f"  {line}", file=sys.stderr)

    try:
        manifest = write_report(report, args.out, force=args.force, progress=progress)
    except OSError as exc:
        raise UserError(f"cannot write the report to {args.out}: {exc.strerror or exc}") from None
    print(
        f"PIN report: {report.reported} installation(s) for {len(report.by_supplier)} Installing "
        f"Supplier(s); deadline {report.deadline.isoformat()} (30 working days after "
        f"{report.start.isoformat()}); manifest {manifest}"
    )
    for item in report.left_out:
        print(f"left out: {len(item.installations)} installation(s): {item.why}")
    if args.changes_before is None:
        print("no --changes-before: every change in the file was considered", file=sys.stderr)
    return 0

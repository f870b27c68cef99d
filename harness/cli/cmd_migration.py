"""``smets1-hil migration``: migration validation of an MPRN (TMAD 3.24) from the command line."""

from __future__ import annotations

import argparse
import json
from typing import Any

from harness.changes import UPLIFT_1_2, ChangeSet
from harness.cli.cmd_pin_report import group_list
from harness.errors import UserError
from harness.migration import DEFAULT_RULES, MprnError, MprnRules, validate_mprn


def _changes(text: str) -> ChangeSet:
    try:
        return ChangeSet.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("migration", help="migration validation (MPRN rule)")
    actions = parser.add_subparsers(dest="migration_command", metavar="ACTION", required=True)
    check = actions.add_parser(
        "validate-mprn",
        help="validate an MPRN as the SMSO holds it; print the canonical form the DCC holds",
        description="Validate an MPRN as the SMSO holds it (TMAD 3.24) and print the canonical "
        "form the DCC holds. Exit 0 when valid, 1 with the reason when not, 2 for a usage error.",
    )
    check.add_argument("mprn", help="the MPRN as the SMSO holds it")
    check.add_argument("--group", required=True, help="SMSO GroupID of the installation")
    check.add_argument(
        "--profile",
        "--changes",
        dest="changes",
        type=_changes,
        default=ChangeSet.parse(UPLIFT_1_2),
        metavar="PROFILE|CHANGES",
        help="uplift-1.2 (default), baseline, or changes in force, comma-separated "
        "(leading zeros are disregarded only with mprn-leading-zeros)",
    )
    check.add_argument(
        "--ioc-groups",
        type=group_list,
        default=None,
        metavar="ID,ID",
        help="extra GroupIDs to treat as IOC (default IOC: AA,BA,CA)",
    )
    check.add_argument(
        "--known-groups",
        type=group_list,
        default=None,
        metavar="ID,ID",
        help="extra GroupIDs to accept as known (default: IOC and MA,MB,SA,SB)",
    )
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.set_defaults(func=run)


def rules_from(args: argparse.Namespace) -> MprnRules:
    """The default rules, with the GroupIDs the options add (an IOC GroupID is also known)."""
    ioc = DEFAULT_RULES.ioc_group_ids | (args.ioc_groups or frozenset())
    known = DEFAULT_RULES.known_group_ids | (args.known_groups or frozenset()) | ioc
    try:
        return MprnRules(ioc_group_ids=ioc, known_group_ids=known)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    """Exit 0 with the canonical MPRN, or 1 with the rejection reason."""
    try:
        canonical = validate_mprn(args.mprn, args.group, args.changes, rules=rules_from(args))
    except MprnError as exc:
        if args.json:
            print(json.dumps({"valid": False, "code": exc.code.value, "reason": exc.reason}))
        else:
            print(f"rejected ({exc.code.value}): {exc.reason}")
        return 1
    if args.json:
        print(json.dumps({"valid": True, "canonical": canonical}))
    else:
        print(canonical)
    return 0

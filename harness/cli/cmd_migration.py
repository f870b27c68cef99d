"""``smets1-hil migration``: migration validation of an MPRN (TMAD 3.24) from the command line."""

from __future__ import annotations

import argparse
import json
from typing import Any

from harness.migration import PROFILES, UPLIFT_1_2, MprnError, validate_mprn


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("migration", help="migration validation (MPRN rule)")
    actions = parser.add_subparsers(dest="migration_command", metavar="ACTION", required=True)
    check = actions.add_parser(
        "validate-mprn",
        help="validate an MPRN as the SMSO holds it; print the canonical form the DCC holds",
    )
    check.add_argument("mprn", help="the MPRN as the SMSO holds it")
    check.add_argument("--group", required=True, help="SMSO GroupID of the installation")
    check.add_argument("--profile", choices=PROFILES, default=UPLIFT_1_2)
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Exit 0 with the canonical MPRN, or 1 with the rejection reason."""
    try:
        canonical = validate_mprn(args.mprn, args.group, args.profile)
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

"""``smets1-hil evidence verify|show DIR``: check a bundle against its manifest, or print its summary."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from harness.errors import UserError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("evidence", help="verify or show an evidence bundle")
    actions = parser.add_subparsers(dest="evidence_action", metavar="ACTION")
    actions.required = True
    verify = actions.add_parser(
        "verify", help="check every file of a bundle against manifest.sha256 (exit 1 on any change)"
    )
    verify.add_argument("bundle", metavar="DIR", type=Path)
    verify.set_defaults(func=run_verify)
    show = actions.add_parser("show", help="print a bundle's verdict per requirement")
    show.add_argument("bundle", metavar="DIR", type=Path)
    show.add_argument("--json", action="store_true", help="print summary.json as it is")
    show.set_defaults(func=run_show)
    parser.set_defaults(func=lambda args: parser.error("choose verify or show"))


def _bundle_dir(path: Path) -> Path:
    if not path.is_dir():
        raise UserError(f"{path}: no such bundle directory")
    return path


def run_verify(args: argparse.Namespace) -> int:
    from harness.evidence.manifest import bundle_files, verify_bundle

    root = _bundle_dir(args.bundle)
    problems = verify_bundle(root)
    for problem in problems:
        print(f"{root / problem.path}: {problem.what}")
    if problems:
        print(f"{root}: NOT intact ({len(problems)} problem(s))")
        return 1
    print(f"{root}: intact ({len(bundle_files(root))} files match manifest.sha256)")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from harness.evidence.bundle import EvidenceBundle
    from harness.evidence.summary import format_table

    root = _bundle_dir(args.bundle)
    summary = EvidenceBundle.open(root).read_summary()
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(format_table(summary))
    counts = summary.get("scenarios", {})
    if counts:
        print("scenarios: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    for figure in summary.get("throughput", []):
        print(
            f"throughput: {figure['scenario']}: {figure['name']} = {figure['value']} {figure['units']}"
        )
    manifest = root / "manifest.sha256"
    print(f"manifest: {'present' if manifest.is_file() else 'missing (run interrupted?)'}")
    return 0

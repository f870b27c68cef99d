"""``smets1-hil evidence keygen|sign|verify|show``: signing keys, signing, checking and reading
bundles."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from harness.errors import UserError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("evidence", help="sign, verify or show an evidence bundle")
    actions = parser.add_subparsers(dest="evidence_action", metavar="ACTION")
    actions.required = True
    keygen = actions.add_parser(
        "keygen", help="make an Ed25519 signing key: NAME.key (owner-only) and NAME.pub"
    )
    keygen.add_argument("--out", metavar="NAME", type=Path, required=True)
    keygen.set_defaults(func=run_keygen)
    sign = actions.add_parser(
        "sign", help="sign an intact bundle's manifest with a key (writes manifest.sha256.sig)"
    )
    sign.add_argument("bundle", metavar="DIR", type=Path)
    sign.add_argument("--key", metavar="NAME.key", type=Path, required=True)
    sign.set_defaults(func=run_sign)
    verify = actions.add_parser(
        "verify",
        help="check every file against manifest.sha256, the records and summary against their "
        "schemas, and with --pubkey the signature (exit 1 on any problem)",
    )
    verify.add_argument("bundle", metavar="DIR", type=Path)
    verify.add_argument(
        "--pubkey", metavar="NAME.pub", type=Path, help="check the signature with this key"
    )
    verify.set_defaults(func=run_verify)
    show = actions.add_parser("show", help="print a bundle's verdict per requirement")
    show.add_argument("bundle", metavar="DIR", type=Path)
    show.add_argument("--json", action="store_true", help="print summary.json as it is")
    show.set_defaults(func=run_show)
    parser.set_defaults(func=lambda args: parser.error("choose keygen, sign, verify or show"))


def _bundle_dir(path: Path) -> Path:
    if not path.is_dir():
        raise UserError(f"{path}: no such bundle directory")
    return path


def run_keygen(args: argparse.Namespace) -> int:
    from harness.evidence.signing import fingerprint, generate_keypair, load_public_key

    key_path, pub_path = generate_keypair(args.out)
    print(f"private key: {key_path} (mode 0600; keep it in the lab)")
    print(f"public key:  {pub_path} ({fingerprint(load_public_key(pub_path))})")
    return 0


def run_sign(args: argparse.Namespace) -> int:
    from harness.evidence.bundle import EvidenceBundle
    from harness.evidence.signing import fingerprint, load_private_key

    key = load_private_key(args.key)
    root = _bundle_dir(args.bundle)
    EvidenceBundle.open(root).sign(key)
    print(f"{root}: signed with {fingerprint(key.public_key())} (manifest.sha256.sig)")
    return 0


def bundle_problems(root: Path, pubkey: Path | None) -> tuple[list[str], list[str]]:
    """(problems, remarks): what breaks the bundle, and what a reader should know."""
    from harness.evidence.bundle import SUMMARY
    from harness.evidence.manifest import verify_bundle
    from harness.evidence.signing import SIGNATURE, fingerprint, load_public_key, signature_problem
    from harness.evidence.validation import problems as schema_problems

    found = [f"{p.path}: {p.what}" for p in verify_bundle(root)]
    remarks: list[str] = []
    summary: dict[str, Any] = {}
    try:
        summary = json.loads((root / SUMMARY).read_text("utf-8"))
    except FileNotFoundError:
        found.append(f"{SUMMARY}: missing")
    except ValueError as exc:
        found.append(f"{SUMMARY}: not valid JSON ({exc})")
    if summary:
        found += [f"{SUMMARY}: schema: {p}" for p in schema_problems("summary", summary)]
    for path in sorted((root / "records").glob("*.json")):
        name = path.relative_to(root).as_posix()
        try:
            record = json.loads(path.read_text("utf-8"))
        except ValueError as exc:
            found.append(f"{name}: not valid JSON ({exc})")
            continue
        found += [f"{name}: schema: {p}" for p in schema_problems("record", record)]
    signed = summary.get("signature") if isinstance(summary, dict) else None
    if pubkey is not None:
        key = load_public_key(pubkey)
        problem = signature_problem(root, key)
        if problem is not None:
            found.insert(0, problem)
        elif signed and signed.get("fingerprint") != fingerprint(key):
            found.insert(
                0, f"{SUMMARY}: names key {signed.get('fingerprint')}, not {fingerprint(key)}"
            )
        else:
            remarks.append(f"signature good: {SIGNATURE} by {fingerprint(key)}")
    elif signed:
        remarks.append(
            f"signed by {signed.get('fingerprint')}; signature not checked (give --pubkey NAME.pub)"
        )
    else:
        remarks.append("not signed: the hashes show accidental change only")
    return found, remarks


def run_verify(args: argparse.Namespace) -> int:
    from harness.evidence.manifest import bundle_files

    root = _bundle_dir(args.bundle)
    problems, remarks = bundle_problems(root, args.pubkey)
    if problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        print(f"{root}: NOT intact: {problems[0]}{more}")
        for problem in problems[1:]:
            print(f"  {problem}")
        return 1
    print(
        f"{root}: intact ({len(bundle_files(root))} files match manifest.sha256; {'; '.join(remarks)})"
    )
    return 0


def run_show(args: argparse.Namespace) -> int:
    from harness.cli.cmd_run import terminal_width, use_colour
    from harness.evidence.bundle import EvidenceBundle
    from harness.evidence.summary import format_table
    from harness.evidence.validation import problems as schema_problems

    root = _bundle_dir(args.bundle)
    summary = EvidenceBundle.open(root).read_summary()
    problems = schema_problems("summary", summary)
    if problems:
        raise UserError(f"{root / 'summary.json'}: does not match its schema: {problems[0]}")
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(format_table(summary, width=terminal_width(), colour=use_colour(sys.stdout)))
    counts = summary.get("scenarios", {})
    if counts:
        print("scenarios: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    for figure in summary.get("throughput", []):
        print(
            f"throughput: {figure['scenario']}: {figure['name']} = {figure['value']} {figure['units']}"
        )
    signature = summary.get("signature")
    if signature:
        print(f"signed: {signature.get('algorithm')} key {signature.get('fingerprint')}")
    manifest = root / "manifest.sha256"
    print(f"manifest: {'present' if manifest.is_file() else 'missing (run interrupted?)'}")
    return 0

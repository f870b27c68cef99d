"""``smets1-hil run``: run the packaged Uplift 1.2 suite and print a verdict per requirement.

The suite runs under pytest with this project's plugin; the exit code is 0 only when every selected
requirement passed. An evidence bundle is always written (default ``./evidence/<UTC timestamp>``).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from harness.changes import PROFILES, UPLIFT_1_2, Change, ChangeSet
from harness.errors import UserError
from harness.suites.registry import DEFAULT_SUITE, get_suite


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run the SMETS1 Uplift 1.2 suite (embedded emulated rig unless --rig is given)",
        description="Run the packaged SMETS1 Uplift 1.2 suite and write an evidence bundle. "
        "Exit 0 only when every selected requirement passes.",
    )
    parser.add_argument(
        "--rig", metavar="FILE", help="rig file (TOML); default: the embedded emulated rig"
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--profile",
        choices=PROFILES,
        default=UPLIFT_1_2,
        help="behaviour profile of the DCC-side model: uplift-1.2 (every change, the default) or "
        "baseline (none: the negative control)",
    )
    which.add_argument(
        "--changes",
        metavar="CHANGE,CHANGE",
        help="run with only these Uplift 1.2 changes in force (any of "
        + ", ".join(c.value for c in Change)
        + "); each brings its own requirements",
    )
    parser.add_argument(
        "--suite",
        metavar="NAME",
        default=DEFAULT_SUITE,
        help=f"the packaged suite to run (default {DEFAULT_SUITE})",
    )
    parser.add_argument(
        "--requirements",
        metavar="FILE",
        help="the lab's own requirements (TOML [[requirements]]: id, title, clause) for "
        "requirement(...) markers; default: the rig file's `requirements`",
    )
    parser.add_argument(
        "--evidence",
        metavar="DIR",
        help="evidence bundle directory (default ./evidence/<UTC time>-<pid>)",
    )
    parser.add_argument(
        "-k", metavar="EXPR", dest="keyword", help="only scenarios matching EXPR (pytest -k)"
    )
    parser.add_argument(
        "-n",
        metavar="N",
        dest="workers",
        type=int,
        default=0,
        help="spread the suite over N rigs (pytest-xdist); one rig per worker",
    )
    parser.add_argument(
        "--retries",
        metavar="N",
        type=int,
        default=0,
        help="rerun a failed scenario up to N times; one passing later is recorded as flaky",
    )
    parser.add_argument(
        "--db",
        metavar="PATH|URL",
        help="results database to append the run to: an SQLite path or a postgresql:// URL; "
        "'off' records nothing (default $SMETS1_HIL_DB, else "
        "$XDG_DATA_HOME/smets1-hil/results.sqlite)",
    )
    parser.add_argument(
        "--duis-xsd",
        metavar="FILE",
        help="the DUIS 5.4 XSD (default: $SMETS1_HIL_DUIS_XSD, then ../shared/duis/ from the "
        "current directory and from the source checkout)",
    )
    parser.add_argument(
        "--require-schema",
        action="store_true",
        help="exit 2 when no DUIS XSD is found (default: warn once, record it, run on)",
    )
    parser.add_argument(
        "--sign-key",
        metavar="NAME.key",
        help="sign the bundle with this Ed25519 key (made by smets1-hil evidence keygen)",
    )
    parser.add_argument(
        "--acquire-timeout",
        metavar="SECONDS",
        type=float,
        default=600.0,
        help="rigs on labgrid places: how long to wait for busy places (default 600)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="one character per scenario")
    parser.add_argument(
        "pytest_args",
        nargs="*",
        metavar="-- PYTEST_ARGS",
        help="options passed on to pytest after a '--' (e.g. -- -x --lf --junitxml=out.xml)",
    )
    parser.set_defaults(func=run)


def terminal_width() -> int:
    """Columns of the terminal (``COLUMNS`` wins; 80 when output is not a terminal)."""
    return shutil.get_terminal_size().columns


def use_colour(stream: Any) -> bool:
    """Colour only on a terminal, and never with ``NO_COLOR`` set (https://no-color.org)."""
    return bool(stream.isatty()) and not os.environ.get("NO_COLOR")


def cache_dir() -> Path:
    """pytest's cache for the suite (last failures): ``$XDG_CACHE_HOME/smets1-hil/pytest``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "smets1-hil" / "pytest"


def locate_duis_xsd(args: argparse.Namespace) -> Path | None:
    """The DUIS XSD, found before anything else happens; refuses a missing one when asked to
    (``--duis-xsd`` naming no file, ``--require-schema``). :func:`warn_no_xsd` warns of none."""
    from harness.duis.schema import XSD_ENV, candidate_paths, locate_xsd

    xsd = locate_xsd(args.duis_xsd)
    if args.duis_xsd and xsd is None:
        raise UserError(f"--duis-xsd {args.duis_xsd}: no such file")
    if xsd is None and args.require_schema:
        tried = ", ".join(str(p) for p in candidate_paths(args.duis_xsd))
        raise UserError(f"no DUIS XSD found (tried {tried}); give --duis-xsd FILE or set {XSD_ENV}")
    return xsd


def warn_no_xsd(args: argparse.Namespace) -> None:
    """The one warning a run without a DUIS XSD gives (once the rest of the command is valid)."""
    from harness.duis.schema import XSD_ENV, candidate_paths

    tried = ", ".join(str(p) for p in candidate_paths(args.duis_xsd))
    print(
        f"smets1-hil: warning: no DUIS XSD found (tried {tried}); DUIS XML will not be "
        f"validated (give --duis-xsd FILE or set {XSD_ENV}; --require-schema makes this "
        "an error)",
        file=sys.stderr,
    )


def build_pytest_args(
    args: argparse.Namespace, evidence_dir: Path, xsd: Path | None = None
) -> list[str]:
    from harness.plugin.loading import plugin_args

    suite = get_suite(args.suite)
    suite_dir = suite.directory
    pytest_args = [
        str(suite_dir),
        "--rootdir",
        str(suite_dir),
        "-c",
        str(suite_dir / "pytest.ini"),  # the suite's own settings, never a project's
        "-o",
        f"cache_dir={cache_dir()}",  # --lf / --ff work across runs, nothing written into the suite
        "-p",
        "no:benchmark",  # test-only plugins of this project have no part in the suite
        "-p",
        "no:asyncio",
        "-p",
        "no:hypothesispytest",  # (importing hypothesis for its report header: ~0.4 s)
        "-p",
        "no:profiling",
        "-p",
        "no:labgrid",  # places are acquired by harness.places, not labgrid's pytest plugin (~0.6 s)
        *plugin_args(),
        "--hil-suite",
        suite.name,
        "--hil-profile",
        args.profile or suite.default_profile,
        "--hil-evidence",
        str(evidence_dir),
        "-rfE",
        "--tb=short",
        "-q" if args.quiet else "-v",
    ]
    if args.changes:
        pytest_args += ["--hil-changes", args.changes]
    if xsd is not None:
        pytest_args += ["--hil-duis-xsd", str(xsd)]
    if args.sign_key:
        pytest_args += ["--hil-sign-key", str(Path(args.sign_key).resolve())]
    if args.rig:
        pytest_args += ["--hil-rig", str(Path(args.rig).resolve())]
    if args.requirements:
        pytest_args += ["--hil-requirements", str(Path(args.requirements).resolve())]
    if args.keyword:
        pytest_args += ["-k", args.keyword]
    if args.workers:
        pytest_args += ["-n", str(args.workers)]
    if args.retries:
        pytest_args += ["--hil-retries", str(args.retries)]
    return pytest_args + list(args.pytest_args)


def _check(args: argparse.Namespace) -> Path:
    """Validate everything a user gave before pytest starts; return the evidence directory."""
    from harness.evidence.bundle import claim_bundle_dir
    from harness.rigfile import load_rigfile

    if args.workers < 0:
        raise UserError("-n: must be 0 or more")
    if args.changes is not None:
        try:
            args.changes = ChangeSet.parse(args.changes).name
        except ValueError as exc:
            raise UserError(f"--changes: {exc}") from None
    if args.retries < 0:
        raise UserError("--retries: must be 0 or more")
    suite = get_suite(args.suite)
    if args.requirements:
        from harness.evidence.requirements import load_requirements_file, merge_catalogue

        lab = load_requirements_file(Path(args.requirements))
        merge_catalogue(suite.requirements, lab, args.requirements)
    if args.acquire_timeout < 0:
        raise UserError("--acquire-timeout: must not be negative")
    if args.rig:
        rigfile = load_rigfile(args.rig)
        if rigfile.on_labgrid and not all(rig.on_labgrid for rig in rigfile.rigs):
            raise UserError(
                f"{Path(args.rig).name}: rigs on labgrid places and local rigs cannot be mixed"
            )
        by_tags = any(rig.tags for rig in rigfile.rigs)
        if args.workers > len(rigfile.rigs) and not by_tags:
            raise UserError(
                f"{Path(args.rig).name} lists {len(rigfile.rigs)} rig(s); -n {args.workers} needs one rig per worker"
            )
    if args.sign_key:
        from harness.evidence.signing import load_private_key

        load_private_key(Path(args.sign_key))  # a bad key is refused before anything runs
    if args.evidence is not None and not args.evidence.strip():
        raise UserError("--evidence: must not be empty (leave it out for ./evidence/<UTC time>)")
    if args.evidence is None:
        return claim_bundle_dir().resolve()
    evidence_dir = Path(args.evidence)
    if evidence_dir.exists() and (not evidence_dir.is_dir() or any(evidence_dir.iterdir())):
        raise UserError(f"--evidence {evidence_dir}: exists and is not an empty directory")
    try:
        evidence_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"--evidence {evidence_dir}: cannot create it: {exc.strerror}") from None
    return evidence_dir.resolve()


class SuiteRelativeNames:
    """Show scenarios relative to the suite (``test_mprn.py::...``), not to the current directory.

    pytest names a test relative to the directory it was invoked from; the run stays in the user's
    directory (so relative paths in the options mean what the user meant) and only the names
    shown are made relative to the suite's root.
    """

    @staticmethod
    def pytest_configure(config: Any) -> None:
        config.invocation_params = dataclasses.replace(
            config.invocation_params, dir=config.rootpath
        )


def _places(args: argparse.Namespace, stack: contextlib.ExitStack) -> str | None:
    """The rig file pytest gets: the user's, or for rigs on labgrid places, the places acquired
    (released when ``stack`` closes, whatever ends the run) with their resources as local URLs."""
    if not args.rig:
        return None
    from harness.rigfile import load_rigfile

    rigfile = load_rigfile(args.rig)
    if not rigfile.on_labgrid:
        return str(args.rig)
    from harness.places import LabgridPlaces, resolved_rig_file

    assert rigfile.coordinator is not None
    places = stack.enter_context(
        LabgridPlaces(rigfile.coordinator, acquire_timeout=args.acquire_timeout)
    )
    resolved = places.acquire(rigfile.rigs, max(1, args.workers))
    workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="smets1-hil-places-")))
    path = workdir / "places.toml"
    text = resolved_rig_file(
        resolved,
        lock_dir=workdir / "locks",
        requirements=rigfile.requirements,
        targets=rigfile.targets,
    )
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(args: argparse.Namespace) -> int:
    import pytest

    from harness.evidence.bundle import EvidenceBundle
    from harness.evidence.summary import format_table, selected_requirements_pass

    xsd = locate_duis_xsd(args)  # before anything is created: --require-schema leaves nothing
    evidence_dir = _check(args)
    if xsd is None:
        warn_no_xsd(args)  # after the checks: a mistake in the command is its only line
    # Worker and emulator processes import this installation, never a source tree that happens
    # to be the current directory (which Python would otherwise put first on their path).
    os.environ["PYTHONSAFEPATH"] = "1"
    from harness.plugin.evidence_hooks import EvidenceErrorWatch
    from harness.run_signals import signals_end_the_run

    watch = EvidenceErrorWatch()
    with signals_end_the_run() as stop, contextlib.ExitStack() as places:
        try:
            rig_file = _places(args, places)
        except KeyboardInterrupt:
            return stop.exit_code or 130
        pytest_args = build_pytest_args(
            argparse.Namespace(**{**vars(args), "rig": rig_file}), evidence_dir, xsd
        )
        code = pytest.main(pytest_args, plugins=[SuiteRelativeNames(), watch])
    sys.stdout.flush()
    if code == pytest.ExitCode.USAGE_ERROR:
        return 2
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        raise UserError(
            "no scenarios selected" + (f" by -k {args.keyword}" if args.keyword else "")
        )
    try:
        summary = EvidenceBundle.open(evidence_dir).read_summary()
    except UserError:
        reason = watch.error or f"no evidence summary was written (pytest exit code {int(code)})"
        print(f"smets1-hil: error: {reason}", file=sys.stderr)
        return stop.exit_code or int(code) or 1
    print()
    print(format_table(summary, width=terminal_width(), colour=use_colour(sys.stdout)))
    print(f"evidence: {evidence_dir}")
    if watch.error is not None:
        print(f"smets1-hil: error: {watch.error}", file=sys.stderr)
        return 1
    if stop.exit_code is not None:
        return stop.exit_code
    if code == pytest.ExitCode.INTERRUPTED:
        status = 130
    elif code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        status = int(code)
    else:
        status = 0 if selected_requirements_pass(summary) else 1
    record_in_database(args.db, evidence_dir, status)
    return status


def record_in_database(db: str | None, evidence_dir: Path, status: int) -> None:
    """Append the finished run to the results database. The bundle is complete before this starts
    and is only read here; any database problem is one warning line, never a lost run."""
    from harness.results import chosen

    where = chosen(db)
    if where is None:
        return
    try:
        from harness.results import open_database, record_bundle

        engine = open_database(where)
        try:
            recorded = record_bundle(engine, evidence_dir, exit_status=status)
        finally:
            engine.dispose()
        print(f"results database: run {recorded.run_id}")
    except Exception as exc:  # noqa: BLE001 - the evidence is safe; say why the DB missed it
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(
            f"smets1-hil: warning: run not recorded in the results database: {text}",
            file=sys.stderr,
        )

"""The ``smets1-hil`` command line.

Each sub-command lives in its own module ``harness/cli/cmd_<name>.py`` exposing
``register(subparsers) -> None``; the parser it adds sets ``func`` to a callable taking the parsed
arguments and returning the exit code. Modules are discovered by name, so adding a command is adding
one file.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from harness import __version__
from harness.errors import UserError


def _implementation() -> str:
    import fastpath

    return fastpath.IMPLEMENTATION


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smets1-hil",
        description="Hardware-in-the-loop test harness for GB SMETS1 devices (SMETS1 Uplift 1.2).",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"smets1-hil {__version__} (fastpath: {_implementation()})",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    package_path = __path__
    for info in sorted(pkgutil.iter_modules(package_path), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return int(func(args))
    except UserError as exc:
        print(f"smets1-hil: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("smets1-hil: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""``smets1-hil emulate``: host emulated SMETS1 devices, serve their radio link and test ports.

Prints one JSON line saying where the radio link is and which devices it hosts, with each device's
serial test port (``{"radio": "/dev/pts/7", "devices": [{"ieee": ..., "serial": "/dev/pts/9"},
...]}``), and runs until SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
from typing import Any

from harness.errors import UserError


def register(subparsers: Any) -> None:
    from rigs.emulator.process import build_parser

    parser = subparsers.add_parser(
        "emulate",
        help="start emulated PPMID/ESME/GSME devices on a pty or TCP port and print where",
        description="Start one process hosting emulated SMETS1 devices (default: one PPMID, one "
        "ESME, one GSME) and serve their emulated radio link and each device's serial test port "
        "on ptys or TCP ports. Prints one JSON line with the radio link and the devices, then "
        "runs until interrupted.",
    )
    build_parser(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rigs.emulator import process

    try:
        return process.run(args)
    except process.EmulatorCommandError as exc:
        raise UserError(str(exc)) from None

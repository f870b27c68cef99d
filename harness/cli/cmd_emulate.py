"""``smets1-hil emulate``: host emulated SMETS1 devices, serve their radio link and test ports.

Prints one JSON line saying where the radio link is and which devices it hosts, with each device's
serial test port (``{"radio": "/dev/pts/7", "devices": [{"ieee": ..., "serial": "/dev/pts/9"},
...]}``), and runs until SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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
    import logging
    import sys

    from rigs.emulator.device_file import DeviceFileError
    from rigs.emulator.process import config_from_args, parent_gone, serve, serve_options

    if parent_gone(args):
        return 1
    logging.basicConfig(
        level=str(args.log_level).upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        config = config_from_args(args)
        options = serve_options(args)
    except (ValueError, DeviceFileError) as exc:
        raise UserError(str(exc)) from None

    def announce(record: dict[str, Any]) -> None:
        print(json.dumps(record), flush=True)

    try:
        asyncio.run(serve(config, announce=announce, **options))
    except OSError as exc:
        raise UserError(f"cannot serve the emulated devices: {exc.strerror or exc}") from None
    return 0

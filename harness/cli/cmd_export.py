"""``smets1-hil export``: serve a local port to other hosts as an RFC 2217 server.

A rig wired to this machine is then used from another as ``rfc2217://host:port``. Prints one JSON
line saying where it listens, then serves until SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from types import FrameType
from typing import Any

from harness.errors import UserError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="serve a local serial port (any pyserial URL) as an RFC 2217 server",
        description="Serve a local serial port as an RFC 2217 server until SIGINT/SIGTERM.",
    )
    parser.add_argument("--port", required=True, help="the port to export: a path or pyserial URL")
    parser.add_argument(
        "--listen",
        default="127.0.0.1:0",
        help="HOST:PORT to listen on (default 127.0.0.1:0, a free port on loopback)",
    )
    parser.add_argument("--baudrate", type=int, default=115200, help="initial baud rate")
    parser.add_argument(
        "--verbose", action="store_true", help="report client connections on stderr"
    )
    parser.set_defaults(func=run)


def parse_listen(text: str) -> tuple[str, int]:
    host, sep, port_text = text.rpartition(":")
    if not sep or not host:
        raise UserError(f"--listen must be HOST:PORT, not {text!r}")
    host = host.strip("[]")
    try:
        port = int(port_text)
    except ValueError:
        raise UserError(f"--listen port must be a number, not {port_text!r}") from None
    if not 0 <= port <= 65535:
        raise UserError(f"--listen port {port} is out of range")
    return host, port


def run(args: argparse.Namespace) -> int:
    import serial

    from rigs.link.opener import describe_open_error
    from rigs.link.rfc2217_export import Rfc2217Export

    host, port = parse_listen(args.listen)

    def _event(text: str) -> None:
        if args.verbose:
            print(f"smets1-hil export: {text}", file=sys.stderr, flush=True)

    try:
        export = Rfc2217Export(args.port, host, port, baudrate=args.baudrate, on_event=_event)
    except (serial.SerialException, ValueError) as exc:
        raise UserError(describe_open_error(args.port, exc)) from None
    except OSError as exc:
        raise UserError(f"cannot listen on {args.listen}: {exc.strerror or exc}") from None

    def _stop(signum: int, frame: FrameType | None) -> None:
        export.stop()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        bound_host, bound_port = export.address
        print(
            json.dumps(
                {
                    "export": args.port,
                    "url": export.url,
                    "host": bound_host,
                    "port": bound_port,
                }
            ),
            flush=True,
        )
        server = threading.Thread(target=export.serve, name="export", daemon=True)
        server.start()
        while server.is_alive():
            server.join(0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if export.failure:
        print(f"smets1-hil: error: {export.failure}", file=sys.stderr)
        return 1
    return 0

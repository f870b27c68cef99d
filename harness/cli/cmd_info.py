"""``smets1-hil info``: the version and the fastpath implementation in use."""

from __future__ import annotations

import argparse
import json
import platform
from typing import Any

from harness import __version__


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "info", help="show version and the fastpath implementation in use"
    )
    parser.add_argument("--json", action="store_true", help="print as one JSON object")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import fastpath

    facts = {
        "smets1-hil": __version__,
        "fastpath": fastpath.IMPLEMENTATION,
        "python": platform.python_version(),
    }
    from rigs.zigbee import bellows_fastpath

    facts["bellows"] = bellows_fastpath.status().summary()
    from rigs.zigbee import znp_fastpath

    facts["zigpy-znp"] = znp_fastpath.status().summary()
    if args.json:
        print(json.dumps(facts))
    else:
        for key, value in facts.items():
            print(f"{key}: {value}")
    return 0

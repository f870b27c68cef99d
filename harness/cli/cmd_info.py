"""``smets1-hil info``: the version, the fastpath implementation in use, the radio libraries (with
the codec framing each) and the embedded default's radio: its kind, library and the firmware its
emulated co-processor reports (a run's evidence records what the co-processor reported then)."""

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
    from rigs.zigbee import bellows_frames

    facts["bellows frames"] = bellows_frames.status().summary()
    from rigs.zigbee import znp_fastpath

    facts["zigpy-znp"] = znp_fastpath.status().summary()
    from rigs.zigbee import znp_hot_frames

    facts["zigpy-znp frames"] = znp_hot_frames.summary()
    facts["embedded radio"] = _embedded_radio()
    if args.json:
        print(json.dumps(facts))
    else:
        for key, value in facts.items():
            print(f"{key}: {value}")
    return 0


def _embedded_radio() -> str:
    """What ``smets1-hil run`` without a rig file talks to, e.g. ``znp through zigpy-znp 1.1.1;
    firmware Z-Stack 3.30 20230507 (emulated CC2652, MT over UART)``."""
    from harness.evidence.run_info import RADIO_LIBRARY
    from harness.rigfile import DEFAULT_RADIO_KIND
    from rigs.emulator import coprocessors
    from rigs.zigbee.library_codec import installed_version

    library = RADIO_LIBRARY.get(DEFAULT_RADIO_KIND, "zigpy")
    version = installed_version(library) or "not installed"
    firmware = coprocessors.factory(DEFAULT_RADIO_KIND).firmware  # type: ignore[attr-defined]
    return f"{DEFAULT_RADIO_KIND} through {library} {version}; firmware {firmware}"

"""The MT frame examples of docs/coprocessors.md are what the ``znp`` co-processor sends."""

from __future__ import annotations

import re
from pathlib import Path

from emulated_device_factory import make_device

from fastpath import mt
from rigs.emulator.clock import DeviceClock
from rigs.emulator.coprocessors.air import Air
from rigs.emulator.coprocessors.znp import ZnpCoProcessor

DOC = Path(__file__).resolve().parents[2] / "docs" / "coprocessors.md"


def examples() -> list[tuple[bytes, list[bytes]]]:
    """(host frame, the frames answering it) from the doc's ``znp-mt`` block."""
    block = re.search(r"```znp-mt\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert block is not None, "docs/coprocessors.md has no znp-mt examples"
    pairs: list[tuple[bytes, list[bytes]]] = []
    for line in block.group(1).splitlines():
        who, _, rest = line.partition(" ")
        wire = bytes.fromhex(rest.split("#")[0])
        if who == "host":
            pairs.append((wire, []))
        else:
            assert who == "znp" and pairs, line
            pairs[-1][1].append(wire)
    return pairs


async def test_znp_frame_examples(clock: DeviceClock) -> None:
    air = Air([make_device(clock)], clock)
    coprocessor = ZnpCoProcessor(air)
    sent: list[bytes] = []
    coprocessor.attach(sent.append)
    pairs = examples()
    assert len(pairs) >= 10
    try:
        for host, expected in pairs:
            frames = mt.Decoder().feed(host)
            assert len(frames) == 1, f"not one valid MT frame: {host.hex(' ')}"
            sent.clear()
            coprocessor.handle(*frames[0])
            assert [f.hex(" ").upper() for f in sent] == [e.hex(" ").upper() for e in expected], (
                host.hex(" ")
            )
    finally:
        air.close()
    assert coprocessor.stats()["unknown_commands"] == 1

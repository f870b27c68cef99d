"""The frame examples of docs/coprocessors.md, replayed against the emulated EZSP co-processor."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from emulated_device_factory import make_device

from rigs.emulator.clock import DeviceClock
from rigs.emulator.coprocessors.air import Air
from rigs.emulator.coprocessors.ezsp.ash import AshNcp
from rigs.emulator.coprocessors.ezsp.ncp import EzspNcp
from rigs.emulator.coprocessors.link_protocol import LinkProtocolCoProcessor as CoProcessor

DOC = Path(__file__).resolve().parents[2] / "docs" / "coprocessors.md"
BLOCK = re.compile(r"```(ezsp-ash|ezsp-frames)\n(.*?)```", re.DOTALL)


def examples(kind: str) -> list[tuple[str, bytes]]:
    blocks = [body for name, body in BLOCK.findall(DOC.read_text()) if name == kind]
    assert len(blocks) == 1, kind
    lines = []
    for line in blocks[0].splitlines():
        who, _, rest = line.partition(" ")
        lines.append((who, bytes.fromhex(rest.split("#")[0])))
    return lines


def replay(lines: list[tuple[str, bytes]], feed: Callable[[bytes], None], out: list[bytes]) -> None:
    expected: list[bytes] = []
    for who, data in lines + [("host", b"")]:
        if who == "ncp":
            expected.append(data)
            continue
        assert who == "host"
        assert out == expected
        out.clear()
        expected = []
        if data:
            feed(data)


@pytest.fixture
async def coprocessor(clock: DeviceClock) -> CoProcessor:
    return CoProcessor(Air([make_device(clock)], clock))


async def test_ezsp_frame_examples(coprocessor: CoProcessor) -> None:
    out: list[bytes] = []
    ncp = EzspNcp(coprocessor, out.append)
    replay(examples("ezsp-frames"), ncp.handle, out)
    assert ncp.invalid_commands == 1
    ncp.close()
    coprocessor.air.close()


async def test_ash_examples(coprocessor: CoProcessor) -> None:
    wire: list[bytes] = []
    ncp = EzspNcp(coprocessor, lambda frame: link.send(frame))
    link = AshNcp(ncp.handle, wire.append, on_reset=ncp.reset)

    def frames_out() -> list[bytes]:
        return wire

    replay(examples("ezsp-ash"), link.feed, frames_out())
    stats = link.stats()
    assert stats["crc_errors"] == 1 and stats["naks_sent"] == 1 and stats["resets"] == 1
    link.close()
    ncp.close()
    coprocessor.air.close()

"""Control packets with values out of range are answered with the protocol's error
(INVALID_REQUEST), never a logged traceback; the documented SEND layout matches the code."""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

import pytest

from rigs.emulator.clock import DeviceClock
from rigs.emulator.coprocessor import CoProcessor
from rigs.protocols import radio_link as rp

DOCS = Path(__file__).resolve().parents[2] / "docs"
P = rp.PacketType


@pytest.mark.parametrize(
    ("ptype", "count"),
    [
        (P.CLOCK_SET, 2**63 - 1),
        (P.CLOCK_SET, -(2**63)),
        (P.CLOCK_ADVANCE, 2**63 - 1),
        (P.CLOCK_ADVANCE, -(2**63)),
    ],
)
async def test_out_of_range_clock_packet_is_invalid_request(
    ptype: rp.PacketType, count: int, caplog: pytest.LogCaptureFixture
) -> None:
    clock = DeviceClock(dt.datetime(2026, 11, 30, tzinfo=dt.UTC))
    coprocessor = CoProcessor([], clock)
    sent: list[bytes] = []
    coprocessor.attach(sent.append)
    try:
        with caplog.at_level(logging.DEBUG):
            coprocessor.handle(rp.packet(ptype, 9, rp.encode_microseconds(count)))
            coprocessor.handle(rp.packet(P.CLOCK_GET, 10))
    finally:
        coprocessor.close()
    assert [(p[0], p[1]) for p in sent] == [(P.ERROR, 9), (P.CLOCK, 10)]
    assert sent[0][2] == rp.Status.INVALID_REQUEST
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    start = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    assert start <= rp.decode_time(sent[1][2:]) < start + dt.timedelta(minutes=1)


def test_documented_send_body_size_is_the_codes() -> None:
    text = (DOCS / "radio-link.md").read_text(encoding="utf-8")
    stated = re.search(r"\*\*SEND\*\* body \((\d+) bytes", text)
    assert stated is not None
    assert int(stated.group(1)) == rp.Send._HEAD.size == 18

"""Control requests with values out of range are refused with a one-line reason, never a logged
traceback; the documented SEND layout matches the code."""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

import pytest

from rigs import control_protocol as cp
from rigs.emulator.clock import DeviceClock
from rigs.emulator.control_server import ControlServer
from rigs.emulator.coprocessors.air import Air
from rigs.protocols import radio_link as rp

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize(
    "request_line",
    [
        {"op": "clock.set", "time": "99999-12-31T23:59:59+00:00"},
        {"op": "clock.advance", "seconds": float("nan")},
        {"op": "clock.advance", "seconds": 1e300},
        {"op": "clock.advance", "seconds": -1e300},
    ],
)
async def test_out_of_range_clock_request_is_refused(
    request_line: dict[str, object], caplog: pytest.LogCaptureFixture
) -> None:
    start = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    air = Air([], DeviceClock(start))
    server = ControlServer(air, info=dict, link_stats=dict)
    try:
        with caplog.at_level(logging.DEBUG):
            refused = cp.decode(server.answer(cp.encode({"id": 9, **request_line})))
            now = cp.decode(server.answer(cp.encode({"id": 10, "op": "clock.now"})))
    finally:
        air.close()
    assert refused["id"] == 9 and refused["ok"] is False and refused["error"]
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert start <= cp.parse_time(now["result"]["time"]) < start + dt.timedelta(minutes=1)


def test_documented_send_body_size_is_the_codes() -> None:
    text = (DOCS / "radio-link.md").read_text(encoding="utf-8")
    stated = re.search(r"\*\*SEND\*\* body \((\d+) bytes", text)
    assert stated is not None
    assert int(stated.group(1)) == rp.Send._HEAD.size == 18

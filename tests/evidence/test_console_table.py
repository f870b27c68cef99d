"""The verdict table: fits the terminal, coloured only when asked (a terminal), plain otherwise."""

from __future__ import annotations

import re
from typing import Any

from harness.evidence.summary import format_table


def summary() -> dict[str, Any]:
    scenario = {"scenario": "t.py::test_a", "verdict": "fail", "record": None}
    return {
        "profile": "baseline",
        "started": "2026-11-30T06:00:00.000Z",
        "finished": "2026-11-30T06:04:00.000Z",
        "interrupted": False,
        "requirements": {
            "U12-FW-11.1": {
                "verdict": "fail",
                "selected": True,
                "title": "SR 11.1 Update Firmware accepts a PPMID target " * 3,
                "scenarios": [scenario],
            },
            "BASE-PIN": {
                "verdict": "pass",
                "selected": True,
                "title": "A default engineering menu PIN never survives configuration",
                "scenarios": [dict(scenario, verdict="pass")],
            },
        },
    }


def test_table_fits_the_terminal_width() -> None:
    for width in (60, 80, 132):
        text = format_table(summary(), width=width)
        assert all(len(line) <= width for line in text.splitlines()), (width, text)
        assert "U12-FW-11.1  FAIL" in text and "…" in text


def test_verdicts_coloured_on_request_only() -> None:
    plain = format_table(summary(), width=100)
    assert "\x1b[" not in plain
    coloured = format_table(summary(), width=100, colour=True)
    assert "\x1b[31mFAIL\x1b[0m" in coloured and "\x1b[32mPASS\x1b[0m" in coloured
    # the colour codes take no columns: without them the lines are the plain ones
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain

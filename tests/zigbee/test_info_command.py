"""``smets1-hil info`` names the radio libraries, their codecs and the embedded default's radio."""

from __future__ import annotations

import json

import pytest

import fastpath
from harness.cli import main
from rigs.emulator.coprocessors.znp import coprocessor as znp


def test_info_names_the_embedded_radio_its_library_and_its_firmware(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["info", "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["zigpy-znp"] == f"1.1.1, MT framed by fastpath.mt ({fastpath.IMPLEMENTATION})"
    assert facts["zigpy-znp frames"] == (
        "OTA frames (AF_DATA_REQUEST_EXT, its SRSP and AF_DATA_CONFIRM, AF_INCOMING_MSG) "
        f"by fastpath.mt ({fastpath.IMPLEMENTATION}), not zigpy-znp's command objects"
    )
    assert facts["bellows frames"] == (
        "sendUnicast, messageSentHandler, incomingMessageHandler by fastpath.ezsp "
        f"({fastpath.IMPLEMENTATION}; EZSP 8, 9, 10, 11, 12, 13)"
    )
    assert facts["embedded radio"] == f"znp through zigpy-znp 1.1.1; firmware {znp.FIRMWARE}"
    assert "Z-Stack 3.30" in znp.FIRMWARE

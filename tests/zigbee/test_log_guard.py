"""A radio library's debug log never shows a frame of the engineering cluster (it may hold a PIN)."""

from __future__ import annotations

import logging

import pytest

from rigs.zigbee import log_guard


def test_records_about_the_engineering_cluster_are_masked_others_kept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    library = logging.getLogger("guarded_library.zigbee.application")
    assert log_guard.guard("guarded_library") >= 1
    assert log_guard.guard("guarded_library") == 0  # once per logger
    caplog.set_level(logging.DEBUG, logger="guarded_library")
    library.debug("Sending packet %s", "cluster_id=64595, data=Serialized[b'\\x049876']")
    library.debug("Sending request ClusterId=0xFC53 %r", b"\x049876")
    library.debug("Sending packet %s", "cluster_id=1794, data=b'\\x00'")
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        log_guard.MASKED,
        log_guard.MASKED,
        "Sending packet cluster_id=1794, data=b'\\x00'",
    ]
    assert not any("9876" in message for message in messages)
    other = logging.getLogger("guarded_library_not")  # a name that only starts alike
    assert log_guard._FILTER not in other.filters

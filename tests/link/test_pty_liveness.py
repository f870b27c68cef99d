"""A pty client is never declared gone while its port is there.

pyserial opens a port with VMIN = 0 and VTIME = 0, so a read that finds no byte returns 0 bytes;
a readiness report followed by such a read (a wake-up raced by the line discipline on a loaded
machine) must not be taken for the end of the stream. A master that really closes still ends the
link at once. The radio link's watchdog allows a loaded co-processor a late answer.
"""

from __future__ import annotations

import asyncio

import pytest

from rigs.link import LinkClosed, open_link, open_pty_pair
from rigs.link.fd_link import FdLink
from rigs.zigbee.emulated_radio import WATCHDOG_ATTEMPTS, EmulatedRadioApplication
from rigs.zigbee.radio_client import RadioLinkError

pytestmark = pytest.mark.timeout(60)


async def test_a_read_that_finds_nothing_does_not_end_a_pty_client() -> None:
    master, path = open_pty_pair()
    client = await open_link(path)
    try:
        assert isinstance(client, FdLink)
        for _ in range(5):
            client._on_readable()  # a wake-up with no byte waiting
        assert not client.closed and client._end is None
        await master.write(b"still here")
        assert await client.read_exactly(10, timeout=5) == b"still here"
    finally:
        await client.close()
        await master.close()


async def test_a_closed_master_still_ends_the_client_at_once() -> None:
    master, path = open_pty_pair()
    client = await open_link(path)
    try:
        await master.close()
        with pytest.raises(LinkClosed, match="port gone"):
            await asyncio.wait_for(client.read(), 5)
    finally:
        await client.close()


class _SlowCoprocessor:
    """Answers PING only after ``misses`` timeouts."""

    def __init__(self, misses: int) -> None:
        self.misses = misses
        self.pings = 0

    async def request(self, *args: object, **kwargs: object) -> bytes:
        self.pings += 1
        if self.misses:
            self.misses -= 1
            raise RadioLinkError("no answer to PING within 10 s")
        return b""


def _app(client: _SlowCoprocessor) -> EmulatedRadioApplication:
    app = EmulatedRadioApplication.__new__(EmulatedRadioApplication)
    app._client = client  # type: ignore[assignment]
    return app


async def test_watchdog_allows_late_answers() -> None:
    client = _SlowCoprocessor(misses=WATCHDOG_ATTEMPTS - 1)
    await _app(client)._watchdog_feed()
    assert client.pings == WATCHDOG_ATTEMPTS


async def test_watchdog_gives_up_on_a_silent_coprocessor() -> None:
    client = _SlowCoprocessor(misses=WATCHDOG_ATTEMPTS)
    with pytest.raises(RadioLinkError):
        await _app(client)._watchdog_feed()
    assert client.pings == WATCHDOG_ATTEMPTS

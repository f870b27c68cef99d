"""bellows' set_extended_timeout asks the NCP once per device while the answer stays "off"."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("bellows")

from rigs.zigbee import bellows_sends

IEEE_A = "00:13:7a:01:00:00:01:02"
IEEE_B = "00:13:7a:01:00:00:01:03"


class FakeNcp:
    """What EZSPv4.set_extended_timeout calls, counting the EZSP commands it would send."""

    def __init__(self) -> None:
        self.state: dict[str, bool] = {}
        self.commands: list[str] = []

    async def _get_extended_timeout(self, ieee: str) -> bool:
        self.commands.append("getExtendedTimeout")
        return self.state.get(ieee, False)

    async def _lookup_node_id_by_eui64(self, ieee: str) -> int:
        self.commands.append("lookupNodeIdByEui64")
        return 0x1234

    async def setExtendedTimeout(self, remoteEui64: str, extendedTimeout: bool) -> None:
        self.commands.append("setExtendedTimeout")
        self.state[remoteEui64] = extendedTimeout


@pytest.fixture
def wrapped() -> Iterator[Any]:
    if not bellows_sends.install():
        pytest.skip("this bellows version keeps its own set_extended_timeout")
    from bellows.ezsp.v4 import EZSPv4

    yield EZSPv4.set_extended_timeout
    bellows_sends.uninstall()


def test_off_is_asked_once_per_device(wrapped: Any) -> None:
    ncp = FakeNcp()

    async def sends() -> None:
        for _ in range(3):
            await wrapped(ncp, 0x1234, IEEE_A, False)
        await wrapped(ncp, 0x1235, IEEE_B, False)

    asyncio.run(sends())
    assert ncp.commands == ["getExtendedTimeout", "getExtendedTimeout"]


def test_switching_on_always_reaches_the_ncp_and_forgets_off(wrapped: Any) -> None:
    ncp = FakeNcp()

    async def sends() -> None:
        await wrapped(ncp, 0x1234, IEEE_A, False)
        await wrapped(ncp, 0x1234, IEEE_A, True)
        await wrapped(ncp, 0x1234, IEEE_A, False)
        await wrapped(ncp, 0x1234, IEEE_A, False)

    asyncio.run(sends())
    assert ncp.state[IEEE_A] is False
    assert ncp.commands == [
        "getExtendedTimeout",
        # on: asked, then set
        "getExtendedTimeout",
        "lookupNodeIdByEui64",
        "setExtendedTimeout",
        # off again: asked, then set; the fourth call sends nothing
        "getExtendedTimeout",
        "lookupNodeIdByEui64",
        "setExtendedTimeout",
    ]


def test_uninstall_restores_bellows_own_method(wrapped: Any) -> None:
    from bellows.ezsp.v4 import EZSPv4

    bellows_sends.uninstall()
    assert EZSPv4.set_extended_timeout is not wrapped
    assert EZSPv4.set_extended_timeout is wrapped.__wrapped__
    bellows_sends.install()

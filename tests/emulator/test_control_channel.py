"""The emulator's control channel: JSON lines beside the radio port, for any co-processor kind."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest

from rigs import control_protocol as cp
from rigs.control_client import ControlClient, ControlError
from rigs.emulator import EmulatorProcess, EmulatorStartError, coprocessors
from rigs.emulator.device_file import DEFAULT_FACTORY_PIN

pytestmark = pytest.mark.slow


async def test_clock_state_stats_and_refusals() -> None:
    async with EmulatorProcess(["--esmes", "0", "--gsmes", "0", "--no-test-ports"]) as emulator:
        assert emulator.control.startswith("tcp://127.0.0.1:")
        ppmid = emulator.devices[0]["ieee"]
        client = await ControlClient.connect(emulator.control)
        try:
            t0 = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)
            second = dt.timedelta(seconds=1)
            assert abs(await client.clock_set(t0) - t0) < second  # the clock runs on
            assert abs(await client.clock_advance(90) - (t0 + 90 * second)) < second
            assert abs(await client.clock_now() - (t0 + 90 * second)) < 5 * second
            state = await client.device_state(ppmid)
            assert state["joined"] is False and DEFAULT_FACTORY_PIN not in json.dumps(state)
            info = await client.info()
            assert info["coprocessor"] == emulator.coprocessor
            with pytest.raises(ControlError, match="no such device"):
                await client.device_state("00000000000000FF")
            with pytest.raises(ControlError, match="unknown operation 'reboot'"):
                await client.call("reboot")
            with pytest.raises(ControlError, match="UTC offset"):
                await client.call("clock.set", time="2027-01-01T00:00:00")
            stats = await client.link_stats()
            assert stats["control_refused"] == 3
        finally:
            await client.close()
        # a line that is not JSON is answered, counted, and the channel stays usable
        host, port = cp.parse_url(emulator.control)
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(b"{not json\n" + cp.encode({"id": 5, "op": "clock.now"}))
            refused = json.loads(await reader.readline())
            answered = json.loads(await reader.readline())
            assert refused["ok"] is False and "not a JSON line" in refused["error"]
            assert answered["id"] == 5 and answered["ok"] is True
        finally:
            writer.close()


def test_unknown_coprocessor_kind_is_one_line() -> None:
    with pytest.raises(EmulatorStartError, match="status 2: .*--coprocessor: invalid choice"):
        EmulatorProcess(["--coprocessor", "carrier-pigeon"]).start()


def test_registry_names_every_kind() -> None:
    assert {"emulated", "ezsp", "znp"} <= set(coprocessors.kinds())
    with pytest.raises(coprocessors.UnknownKind, match="unknown co-processor kind"):
        coprocessors.factory("carrier-pigeon")
    for kind in coprocessors.kinds():
        assert callable(coprocessors.factory(kind))

"""OTA frames through zigpy-znp without its command objects (rigs.zigbee.znp_hot_frames): the
same bytes on the wire, the same outcomes and errors as zigpy-znp's own path, side by side
against one scripted co-processor."""

# zigpy-znp is untyped.
# mypy: disable-error-code="no-untyped-call,attr-defined,no-untyped-def,no-any-return"

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
import zigpy.types as zt
import zigpy_znp.commands as c
import zigpy_znp.config as conf
import zigpy_znp.types as znp_t
from zigpy_znp.exceptions import CommandNotRecognized, InvalidCommandResponse, InvalidFrame
from zigpy_znp.zigbee.application import ControllerApplication

from fastpath import mt
from rigs.zigbee import znp_fastpath, znp_hot_frames, znp_retries

OTA = 0x0019
ESME_NWK = 0x4D2B

# what the scripted co-processor answers to each AF_DATA_REQUEST_EXT: a list of frames
# (cmd0, cmd1, data) given the request's TransId, in order
Script = Callable[[int, int], list[tuple[int, int, bytes]]]


def _srsp(status: int = 0) -> tuple[int, int, bytes]:
    return (0x64, 0x02, bytes((status,)))


def _confirm(tsn: int, status: int = 0, endpoint: int = 1) -> tuple[int, int, bytes]:
    return (0x44, 0x80, bytes((status, endpoint, tsn)))


class _CoProcessor:
    """The transport under the fast MT protocol: answers each request by its script."""

    def __init__(self, script: Script, delay: float = 0.0) -> None:
        self.script = script
        self.delay = delay  # seconds before the answers to a request are read
        self.written = bytearray()
        self.requests = 0
        self.protocol: Any = None
        self._decoder = mt.Decoder()

    def write(self, data: bytes) -> None:
        self.written += data
        loop = asyncio.get_running_loop()
        for cmd0, cmd1, payload in self._decoder.feed(data):
            if (cmd0, cmd1) != (0x24, 0x02):
                continue
            self.requests += 1
            answer = b"".join(mt.encode(*f) for f in self.script(payload[15], self.requests))
            if answer:
                loop.call_later(self.delay, self.protocol.data_received, answer)


def _app(hot: bool, script: Script, delay: float = 0.0) -> tuple[Any, _CoProcessor]:
    bases: tuple[type, ...] = (ControllerApplication,)
    if hot:
        bases = (znp_hot_frames.mixin(), *bases)
    app: Any = object.__new__(type("App", bases, {"_device": None, "state": None}))
    config = conf.CONFIG_SCHEMA(
        {
            "device": {"path": "/dev/null"},
            "znp_config": {"sync_request_timeout": 0.2, "async_response_timeout": 2},
        }
    )
    znp = znp_retries.retrying_class()(config)
    co = _CoProcessor(script, delay)
    protocol = znp_fastpath._fast_protocol_class()(znp, url="scripted")
    protocol._transport = co
    co.protocol = protocol
    znp._uart = protocol
    app._znp = znp
    app._device = SimpleNamespace(endpoints={1: SimpleNamespace(profile_id=0x0109)})
    app.state = SimpleNamespace(node_info=SimpleNamespace(nwk=zt.NWK(0x0000)))
    app._find_endpoint = lambda dst_ep, profile, cluster: 1
    app.received = []
    app.packet_received = app.received.append
    app._bind_callbacks()
    return app, co


async def _send(
    app: Any, cluster: int = OTA, tsn: int = 0x21, data: bytes = b"\x19\x21\x05"
) -> None:
    await app._send_request_raw(
        dst_addr=znp_t.AddrModeAddress(mode=znp_t.AddrMode.NWK, address=ESME_NWK),
        dst_ep=1,
        src_ep=1,
        profile=0x0109,
        cluster=cluster,
        sequence=tsn,
        options=c.af.TransmitOptions.SUPPRESS_ROUTE_DISC_NETWORK | c.af.TransmitOptions.ACK_REQUEST,
        radius=0,
        data=data,
    )


async def _both(
    script: Script, delay: float = 0.0, **send: Any
) -> dict[str, tuple[Any, _CoProcessor, Any]]:
    """Each path's (app, co-processor, exception or None) for the same send and script."""
    outcome: dict[str, tuple[Any, _CoProcessor, Exception | None]] = {}
    for name, hot in (("stock", False), ("hot", True)):
        app, co = _app(hot, script, delay)
        try:
            await _send(app, **send)
        except Exception as exc:  # noqa: BLE001  (compared below)
            outcome[name] = (app, co, exc)
        else:
            outcome[name] = (app, co, None)
    return outcome


def _same(outcome: dict[str, tuple[Any, _CoProcessor, Any]]) -> Any:
    (_, stock_co, stock_exc), (hot_app, hot_co, hot_exc) = outcome["stock"], outcome["hot"]
    assert bytes(hot_co.written) == bytes(stock_co.written)
    assert hot_co.requests == stock_co.requests
    assert type(hot_exc) is type(stock_exc)
    if stock_exc is not None:
        assert str(hot_exc) == str(stock_exc)
        if isinstance(stock_exc, InvalidCommandResponse):
            assert hot_exc.response == stock_exc.response
            assert type(hot_exc.response) is type(stock_exc.response)
    assert hot_app._confirms == {} and hot_app._srsp is None  # nothing left waiting
    return hot_exc


async def test_success_writes_zigpy_znps_frame_and_waits_for_the_confirmation() -> None:
    exc = _same(await _both(lambda tsn, n: [_srsp(), _confirm(tsn)]))
    assert exc is None


async def test_refused_request_raises_zigpy_znps_error() -> None:
    exc = _same(await _both(lambda tsn, n: [_srsp(0xCD)]))  # NWK_NO_ROUTE in the SRSP
    assert isinstance(exc, InvalidCommandResponse)


async def test_failed_delivery_raises_zigpy_znps_error() -> None:
    exc = _same(await _both(lambda tsn, n: [_srsp(), _confirm(tsn, 0xE9)]))  # MAC_NO_ACK
    assert isinstance(exc, InvalidCommandResponse)
    assert exc.response.Status == znp_t.Status.MAC_NO_ACK


async def test_only_the_confirmation_of_the_same_transid_counts() -> None:
    script = lambda tsn, n: [_srsp(), _confirm(tsn ^ 0x40, 0xE9), _confirm(tsn)]
    assert _same(await _both(script)) is None


async def test_command_not_recognized() -> None:
    exc = _same(await _both(lambda tsn, n: [(0x60, 0x00, b"\x01\x24\x02")]))
    assert isinstance(exc, CommandNotRecognized)


async def test_lost_srsp_sends_again_as_the_retrying_znp_does() -> None:
    script = lambda tsn, n: [] if n == 1 else [_srsp(), _confirm(tsn)]
    outcome = await _both(script)
    assert _same(outcome) is None
    assert outcome["hot"][1].requests == 2
    assert outcome["hot"][0]._znp.retries == outcome["stock"][0]._znp.retries == 1


async def test_a_link_gone_between_attempts_is_zigpy_znps_error() -> None:
    outcome: dict[str, Exception | None] = {}
    for name, hot in (("stock", False), ("hot", True)):
        app, _ = _app(hot, lambda tsn, n: [])  # the first SRSP is lost
        znp = app._znp
        again = znp._again

        def gone(
            request: Any, attempt: int, znp: Any = znp, again: Any = again, **how: Any
        ) -> None:
            again(request, attempt, **how)
            znp._uart = None  # the port closed while the request waited

        znp._again = gone
        try:
            await _send(app)
        except Exception as exc:  # noqa: BLE001  (compared below)
            outcome[name] = exc
    assert type(outcome["hot"]) is type(outcome["stock"]) is RuntimeError
    assert str(outcome["hot"]) == str(outcome["stock"])


# an Upgrade End Response (it schedules the upgrade): a second copy is not harmless
UPGRADE_END_RESPONSE = (
    b"\x19\x21\x07\x1d\x12\x00\x00\x02\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00"
)


async def test_lost_srsp_with_the_confirmation_is_not_sent_again() -> None:
    script = lambda tsn, n: [_confirm(tsn)]
    outcome = await _both(script, data=UPGRADE_END_RESPONSE)
    assert _same(outcome) is None
    assert outcome["hot"][1].requests == 1


async def test_lost_srsp_with_a_late_confirmation_is_not_sent_again() -> None:
    """The SRSP is lost and the confirmation comes after the SRSP wait (0.2 s here): the request
    reached the co-processor, so it is not sent again (a second copy would reach the device)."""
    outcome = await _both(lambda tsn, n: [_confirm(tsn)], delay=0.35, data=UPGRADE_END_RESPONSE)
    assert _same(outcome) is None
    assert outcome["hot"][1].requests == outcome["stock"][1].requests == 1
    assert outcome["hot"][0]._znp.retries == outcome["stock"][0]._znp.retries == 0


async def test_a_block_response_whose_srsp_is_lost_goes_again_at_once() -> None:
    """An Image Block Response is repeatable (the device keeps only the block at its offset):
    with its SRSP lost it goes again without waiting for its confirmation, on both paths."""
    for data, waits in ((b"\x19\x21\x05", 0), (UPGRADE_END_RESPONSE, 1)):
        for hot in (False, True):
            app, co = _app(hot, lambda tsn, n: [] if n == 1 else [_srsp(), _confirm(tsn)])
            znp, waited = app._znp, []
            wait = znp.confirm_after_lost_srsp

            async def counted(confirm: Any, wait: Any = wait, waited: list[Any] = waited) -> bool:
                waited.append(confirm)
                return await wait(confirm)

            znp.confirm_after_lost_srsp = counted
            await _send(app, data=data)
            assert (co.requests, znp.retries, len(waited)) == (2, 1, waits), (data, hot)


@pytest.mark.parametrize("data", [b"\x19\x21\x05", UPGRADE_END_RESPONSE], ids=["block", "end"])
async def test_the_fill_follows_a_lost_srsp_before_any_other_frame(data: bytes) -> None:
    """The fill goes as soon as the SRSP is found lost, before the request lock lets another
    frame go (a frame sent in between would complete a damaged copy, FCS matching 1 in 256);
    one fill per repeat, on both paths."""
    for hot in (False, True):
        app, co = _app(hot, lambda tsn, n: [] if n == 1 else [_srsp(), _confirm(tsn)])
        sending = asyncio.ensure_future(_send(app, data=data))
        other = asyncio.ensure_future(_send(app, tsn=0x22, data=UPGRADE_END_RESPONSE))
        await asyncio.gather(sending, other)
        written = bytes(co.written)
        first = written[: 5 + written[1]]  # the first request, whole: SOF, LEN, CMD, data, FCS
        assert first[:1] == b"\xfe" and first[2:4] == b"\x24\x02"
        fill = znp_retries.resync_fill(first)
        assert written[len(first) : len(first) + len(fill)] == fill
        assert written.count(fill) == 1


async def test_other_clusters_take_zigpy_znps_path(monkeypatch: pytest.MonkeyPatch) -> None:
    app, co = _app(True, lambda tsn, n: [_srsp(), _confirm(tsn)])
    built = []
    monkeypatch.setattr(mt, "af_data_request_ext", lambda *a: built.append(a))
    await _send(app, cluster=0x0702)
    assert built == [] and co.requests == 1
    with pytest.raises(InvalidFrame):  # too long for one frame: zigpy-znp's own error
        await _send(app, cluster=OTA, data=bytes(231))
    assert built == [] and co.requests == 1


def _incoming(cluster: int, **fields: Any) -> bytes:
    callback = c.AF.IncomingMsg.Callback(
        **{
            "GroupId": 0, "ClusterId": cluster, "SrcAddr": ESME_NWK, "SrcEndpoint": 1,
            "DstEndpoint": 1, "WasBroadcast": znp_t.Bool(0), "LQI": 180,
            "SecurityUse": znp_t.Bool(1), "TimeStamp": 77, "TSN": 9,
            "Data": b"\x01\x09\x03\x00\x00", "MacSrcAddr": ESME_NWK, "MsgResultRadius": 29,
            **fields,
        }
    )  # fmt: skip
    return mt.encode(0x44, 0x81, bytes(callback.to_frame().data))


@pytest.mark.parametrize(
    "fields",
    [{}, {"WasBroadcast": znp_t.Bool(1)}, {"GroupId": 0x0123}, {"SecurityUse": znp_t.Bool(0)}],
)
async def test_incoming_ota_frame_is_the_packet_zigpy_znp_makes(fields: dict[str, Any]) -> None:
    packets = {}
    for name, hot in (("stock", False), ("hot", True)):
        app, _ = _app(hot, lambda tsn, n: [])
        app._znp._uart.data_received(_incoming(OTA, **fields))
        for _ in range(3):  # zigpy-znp's callback task, the hot path's call_soon
            await asyncio.sleep(0)
        packets[name] = app.received
    assert len(packets["hot"]) == 1
    assert packets["hot"] == packets["stock"]
    hot, stock = packets["hot"][0], packets["stock"][0]
    for field in dataclasses.fields(hot):  # same values of the same types (not the clock)
        if field.name != "timestamp":
            assert repr(getattr(hot, field.name)) == repr(getattr(stock, field.name)), field.name


async def test_incoming_frames_of_other_clusters_or_with_other_listeners_go_to_zigpy_znp() -> None:
    app, _ = _app(True, lambda tsn, n: [])
    original = app._hot_incoming
    taken = []

    def watched(data: bytes) -> bool:
        taken.append(original(data))
        return taken[-1]

    app._znp._uart.fast_frames[0x8144] = watched
    app._znp._uart.data_received(_incoming(0x0702))
    assert taken == [False]
    waiter = app._znp.wait_for_response(c.AF.IncomingMsg.Callback(partial=True))
    app._znp._uart.data_received(_incoming(OTA))
    assert taken == [False, False]
    assert waiter.done()


def test_only_a_tested_zigpy_znp_gets_the_hot_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    from rigs.zigbee.rig import application_class

    assert znp_hot_frames.active()
    assert issubclass(application_class("znp"), znp_hot_frames.mixin())
    assert znp_hot_frames.summary().startswith("OTA frames (AF_DATA_REQUEST_EXT")
    monkeypatch.setattr(znp_fastpath, "library_version", lambda: "9.9.9")
    monkeypatch.setattr(znp_retries, "installed_version", lambda library: "9.9.9")
    assert not znp_hot_frames.active()
    assert not issubclass(application_class("znp"), znp_hot_frames.mixin())
    assert znp_hot_frames.summary() == (
        "zigpy-znp's own command objects (the OTA frame path is tested with zigpy-znp 1.1.1)"
    )

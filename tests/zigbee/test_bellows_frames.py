"""bellows with ``fastpath.ezsp`` in its unicast frames behaves as bellows does without it.

Each case runs bellows' own EZSP protocol handler (EZSPv8) twice, once as shipped and once with
:mod:`rigs.zigbee.bellows_frames` installed, and compares what the application sees: the
callbacks (names, values and the type of every value), the results and errors of commands, the
bytes sent and the sequence numbers.
"""

# bellows' and zigpy's types are not typed for strict mypy.
# mypy: disable-error-code="no-untyped-call,attr-defined"

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest

pytest.importorskip("bellows")

import bellows.types as t
import zigpy.types as zt
from bellows.ezsp.v8 import EZSPv8

from rigs.zigbee import bellows_frames

APS = {
    "profileId": 0x0109,
    "clusterId": 0x0019,
    "sourceEndpoint": 1,
    "destinationEndpoint": 1,
    "options": t.EmberApsOption(0x1140),
    "groupId": 0,
    "sequence": 0x42,
}


class Gateway:
    """What the protocol handler sends through; answers come back through ``answer``."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.answer: Callable[[bytes], list[bytes]] = lambda frame: []
        self.handler: Any = None

    async def send_data(self, data: bytes) -> None:
        self.sent.append(bytes(data))
        for frame in self.answer(bytes(data)):
            asyncio.get_running_loop().call_soon(self.handler, frame)


def _frame(name: str, sequence: int, values: dict[str, Any], control: bytes = b"\x90\x01") -> bytes:
    frame_id, _, rx = EZSPv8.COMMANDS[name]
    params: bytes = t.serialize_dict((), values, rx)
    return bytes((sequence,)) + control + int(frame_id).to_bytes(2, "little") + params


def _typed(value: Any) -> Any:
    """A value with its type, all the way down into an EmberApsFrame."""
    if isinstance(value, t.EmberApsFrame):
        return (type(value), tuple((k, _typed(v)) for k, v in value.__dict__.items()))
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value), value)


@pytest.fixture
def fast() -> Iterator[None]:
    if not bellows_frames.install():
        pytest.skip("this bellows version keeps its own EZSP frame code")
    yield
    bellows_frames.uninstall()


def _both(run: Callable[[], Coroutine[Any, Any, Any]]) -> tuple[Any, Any]:
    """What ``run`` gives with bellows as shipped, then with the fast frames installed."""
    bellows_frames.uninstall()
    stock: Any = asyncio.run(run())
    if not bellows_frames.install():
        pytest.skip("this bellows version keeps its own EZSP frame code")
    try:
        faster: Any = asyncio.run(run())
    finally:
        bellows_frames.uninstall()
    return stock, faster


def _handler() -> tuple[Any, Gateway, list[tuple[str, Any]]]:
    callbacks: list[tuple[str, Any]] = []
    gateway = Gateway()
    handler = EZSPv8(lambda name, args: callbacks.append((name, _typed(args))), gateway)
    gateway.handler = handler
    return handler, gateway, callbacks


CALLBACK_FRAMES = [
    _frame(
        "incomingMessageHandler",
        3,
        {
            "type": t.EmberIncomingMessageType.INCOMING_UNICAST,
            "apsFrame": t.EmberApsFrame(**APS),
            "lastHopLqi": 255,
            "lastHopRssi": -40,
            "sender": 0x1234,
            "bindingIndex": 0xFF,
            "addressIndex": 0xFF,
            "messageContents": b"\x01\x02\x03",
        },
    ),
    _frame(
        "incomingMessageHandler",
        9,
        {
            "type": t.EmberIncomingMessageType.INCOMING_BROADCAST,
            "apsFrame": t.EmberApsFrame(**{**APS, "options": t.EmberApsOption(0)}),
            "lastHopLqi": 0,
            "lastHopRssi": 127,
            "sender": 0xFFFD,
            "bindingIndex": 1,
            "addressIndex": 2,
            "messageContents": b"",
        },
    ),
    _frame(
        "messageSentHandler",
        4,
        {
            "type": t.EmberOutgoingMessageType.OUTGOING_DIRECT,
            "indexOrDestination": 0x1234,
            "apsFrame": t.EmberApsFrame(**APS),
            "messageTag": 0x77,
            "status": t.EmberStatus.DELIVERY_FAILED,
            "messageContents": b"\x19\x42\x05",
        },
    ),
    _frame(
        "messageSentHandler",
        4,
        {
            "type": t.EmberOutgoingMessageType(0x2A),  # a value bellows' enum does not name
            "indexOrDestination": 0,
            "apsFrame": t.EmberApsFrame(**APS),
            "messageTag": 0,
            "status": t.EmberStatus(0xEE),
            "messageContents": bytes(254),
        },
    ),
    # bellows' own path: trailing bytes, a short frame, an APS fragment
    _frame(
        "incomingMessageHandler",
        3,
        {
            "type": t.EmberIncomingMessageType.INCOMING_UNICAST,
            "apsFrame": t.EmberApsFrame(**APS),
            "lastHopLqi": 1,
            "lastHopRssi": 1,
            "sender": 1,
            "bindingIndex": 1,
            "addressIndex": 1,
            "messageContents": b"x",
        },
    )
    + b"\x00",
    _frame(
        "incomingMessageHandler",
        3,
        {
            "type": t.EmberIncomingMessageType.INCOMING_UNICAST,
            "apsFrame": t.EmberApsFrame(**{**APS, "options": t.EmberApsOption(0x8000)}),
            "lastHopLqi": 1,
            "lastHopRssi": 1,
            "sender": 1,
            "bindingIndex": 1,
            "addressIndex": 1,
            "messageContents": b"x",
        },
    ),
]


def test_callbacks_reach_the_application_as_bellows_makes_them() -> None:
    async def run() -> list[tuple[str, Any]]:
        handler, _, callbacks = _handler()
        for frame in CALLBACK_FRAMES:
            handler(frame)
        await asyncio.sleep(0)  # the fragment's APS acknowledgement task
        return callbacks

    stock, faster = _both(run)
    assert len(stock) == len(CALLBACK_FRAMES) - 1  # the fragment is not complete
    assert faster == stock


def test_a_short_frame_fails_as_bellows_fails() -> None:
    short = CALLBACK_FRAMES[0][:-2]

    async def run() -> str:
        handler, _, _ = _handler()
        with pytest.raises(Exception) as caught:
            handler(short)
        return f"{type(caught.value).__name__}: {caught.value}"

    stock, faster = _both(run)
    assert faster == stock


def _response(sequence: int, status: int = 0, aps_sequence: int = 0x42) -> bytes:
    return _frame(
        "sendUnicast", sequence, {"status": t.EmberStatus(status), "sequence": aps_sequence}
    )


def test_send_unicast_sends_and_answers_as_bellows() -> None:
    async def run() -> tuple[Any, ...]:
        handler, gateway, callbacks = _handler()
        handler._seq = 254  # the sequence number wraps
        results = []
        for status in (0, 0x66):

            def answer(frame: bytes, status: int = status) -> list[bytes]:
                return [_response(frame[0], status, (0x10 + frame[0]) & 0xFF)]

            gateway.answer = answer
            results.append(
                _typed(
                    list(
                        await handler.send_unicast(
                            nwk=0x1234,
                            aps_frame=t.EmberApsFrame(**APS),
                            message_tag=0x12,
                            data=b"\x19\x01\x05" + bytes(64),
                        )
                    )
                )
            )
        return (gateway.sent, results, handler._seq, handler._awaiting, callbacks)

    stock, faster = _both(run)
    assert faster == stock
    assert [frame[0] for frame in stock[0]] == [254, 255]


def test_send_unicast_refuses_as_bellows_refuses() -> None:
    async def run() -> tuple[str, list[bytes], int]:
        handler, gateway, _ = _handler()
        with pytest.raises(Exception) as caught:
            await handler.send_unicast(
                nwk=0x1234, aps_frame=t.EmberApsFrame(**APS), message_tag=1, data=bytes(255)
            )
        return f"{type(caught.value).__name__}: {caught.value}", gateway.sent, handler._seq

    stock, faster = _both(run)
    assert faster == stock


def test_a_response_nobody_awaits_and_an_unexpected_frame_go_as_in_bellows() -> None:
    async def run() -> tuple[Any, ...]:
        handler, _, callbacks = _handler()
        handler(_response(7))  # no command awaits sequence 7: bellows hands it on as a callback
        future = asyncio.get_running_loop().create_future()
        handler._awaiting[8] = (0x0005, {}, future)  # a nop awaits 8
        with pytest.raises(AssertionError):
            handler(CALLBACK_FRAMES[2][:0] + bytes((8,)) + CALLBACK_FRAMES[2][1:])
        return callbacks, sorted(handler._awaiting)

    stock, faster = _both(run)
    assert faster == stock


def test_a_late_response_is_dropped_as_in_bellows(caplog: pytest.LogCaptureFixture) -> None:
    async def run() -> tuple[Any, ...]:
        handler, _, callbacks = _handler()
        future = asyncio.get_running_loop().create_future()
        future.cancel()  # the command timed out
        handler._awaiting[5] = (0x0034, {}, future)
        handler(_response(5))
        return callbacks, sorted(handler._awaiting)

    stock, faster = _both(run)
    assert faster == stock == ([], [])


def test_at_debug_level_bellows_own_code_runs(fast: None, caplog: pytest.LogCaptureFixture) -> None:
    handler, _, callbacks = _handler()
    with caplog.at_level(logging.DEBUG, logger="bellows.ezsp.protocol"):
        handler(CALLBACK_FRAMES[0])
    assert [r.getMessage() for r in caplog.records if "Received command" in r.getMessage()]
    assert callbacks and callbacks[0][0] == "incomingMessageHandler"


def test_status_names_the_fast_frames_and_versions() -> None:
    current = bellows_frames.status()
    if current.version not in bellows_frames.TESTED_VERSIONS:
        assert not current.fast
        assert "own EZSP frame code" in current.summary()
        return
    assert 8 in current.ezsp_versions
    assert 14 not in current.ezsp_versions  # incomingMessageHandler changed layout in v14
    assert "fastpath.ezsp" in current.summary()


def test_other_versions_keep_bellows_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bellows_frames, "installed_version", lambda library: "0.0.1")
    assert not bellows_frames.status().fast
    assert bellows_frames.install() is False
    assert "__call__" not in vars(EZSPv8)


def test_uninstall_gives_bellows_its_code_back(fast: None) -> None:
    assert "__call__" in vars(EZSPv8)
    bellows_frames.uninstall()
    assert "__call__" not in vars(EZSPv8)
    assert "send_unicast" not in vars(EZSPv8)
    bellows_frames.install()


class FakeEzsp:
    """bellows' EZSP object as send_packet uses it; the NCP's answers are scripted."""

    def __init__(self, app: FakeApp, status: int, sent_status: int | None) -> None:
        self.app = app
        self.status = status
        self.sent_status = sent_status
        self._protocol = EZSPv8.__new__(EZSPv8)
        from bellows.ezsp.xncp import FirmwareFeatures

        self._xncp_features = FirmwareFeatures.NONE
        self.calls: list[Any] = []

    async def set_extended_timeout(self, **kwargs: Any) -> None:
        self.calls.append(("set_extended_timeout", sorted(kwargs.items())))

    async def send_unicast(self, **kwargs: Any) -> tuple[Any, int]:
        self.calls.append(("send_unicast", sorted((k, _typed(v)) for k, v in kwargs.items())))
        pending = self.app._pending_requests.get((kwargs["nwk"], kwargs["message_tag"]))
        if pending is not None and self.sent_status is not None:
            pending.set_result((t.EmberStatus(self.sent_status), b""))
        return t.sl_Status.from_ember_status(t.EmberStatus(self.status)), 0x42


class FakeApp:
    """What bellows' ControllerApplication.send_packet reads of its application."""

    def __init__(self, status: int = 0, sent_status: int | None = 0) -> None:
        import zigpy.config

        self.is_controller_running = True
        self.config = {zigpy.config.CONF_SOURCE_ROUTING: False}
        self._ezsp = FakeEzsp(self, status, sent_status)
        self._pending_requests: dict[Any, Any] = {}
        self._req_lock = asyncio.Lock()
        self._send_sequence = 0
        self.priorities: list[Any] = []
        self.device = type("Device", (), {"nwk": 0x1234, "ieee": "00:13:7a:01:00:00:01:02"})()

    def get_device_with_address(self, address: Any) -> Any:
        if address.address != 0x1234:
            raise KeyError(address)
        return self.device

    def get_sequence(self) -> int:
        self._send_sequence = (self._send_sequence + 1) % 256
        return self._send_sequence

    def _limit_concurrency(self, *, priority: Any = None) -> Any:
        import contextlib

        self.priorities.append(priority)
        return contextlib.nullcontext()  # async-capable in Python 3.10+


def _packet(**changes: Any) -> Any:
    fields: dict[str, Any] = {
        "src": zt.AddrModeAddress(addr_mode=zt.AddrMode.NWK, address=zt.NWK(0x0000)),
        "src_ep": 1,
        "dst": zt.AddrModeAddress(addr_mode=zt.AddrMode.NWK, address=zt.NWK(0x1234)),
        "dst_ep": 1,
        "tsn": 0x42,
        "profile_id": 0x0109,
        "cluster_id": 0x0019,
        "data": zt.SerializableBytes(b"\x19\x42\x05" + bytes(20)),
    }
    fields.update(changes)
    return zt.ZigbeePacket(**fields)


@pytest.mark.parametrize(
    ("packet", "status", "sent_status"),
    [
        (_packet(), 0, 0),
        (_packet(dst=None), 0, 0),  # replaced below: an unknown device (no extended timeout)
        (_packet(tx_options=zt.TransmitOptions.ACK), 0, 0),  # APS retries, no extended timeout
        (_packet(tx_options=zt.TransmitOptions.APS_Encryption, extended_timeout=True), 0, 0),
        (_packet(dst_ep=None), 0, 0),
        (_packet(), 0x66, 0),  # the NCP refuses to send it
        (_packet(), 0, 0x66),  # the device never acknowledged it
        (_packet(cluster_id=0x0006), 0, 0),  # another cluster: bellows' own code
    ],
)
def test_send_packet_does_what_bellows_does(packet: Any, status: int, sent_status: int) -> None:
    from bellows.zigbee.application import ControllerApplication

    if packet.dst is None:
        packet = packet.replace(
            dst=zt.AddrModeAddress(addr_mode=zt.AddrMode.NWK, address=zt.NWK(0x4321))
        )

    async def run() -> tuple[Any, ...]:
        app = FakeApp(status, sent_status)
        app._pending_requests[(0x1234, 7)] = None  # someone else's pending request stays
        outcome: Any = None
        try:
            await ControllerApplication.send_packet(app, packet)
        except Exception as exc:  # noqa: BLE001  (compared below)
            outcome = f"{type(exc).__name__}: {exc}"
        return outcome, app._ezsp.calls, app.priorities, sorted(app._pending_requests)

    stock, faster = _both(run)
    assert faster == stock
    assert stock[1][-1][0] == "send_unicast"


def test_send_packet_fast_path_builds_no_struct_for_ota_frames(
    fast: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bellows.zigbee.application import ControllerApplication

    built: list[Any] = []
    original = t.EmberApsFrame.__new__

    def new(cls: type, *args: Any, **kwargs: Any) -> Any:
        built.append(args)
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(t.EmberApsFrame, "__new__", new)
    app = FakeApp()
    asyncio.run(ControllerApplication.send_packet(app, _packet()))
    assert built == []
    assert app._ezsp.calls[-1][0] == "send_unicast"

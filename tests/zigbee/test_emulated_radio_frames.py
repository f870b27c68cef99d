"""The emulated radio's frame path: what ``send_frame_then`` writes is the SEND that
``send_packet_then`` writes for the same packet, and a frame tap takes frames before they become
packets (a frame it leaves becomes the usual packet)."""

# zigpy's types are not typed for strict mypy.
# mypy: disable-error-code="no-untyped-call,attr-defined,arg-type,assignment,method-assign"

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
import zigpy.types as t

from fastpath import ash
from rigs.protocols import radio_link as rp
from rigs.trace import TraceWriter
from rigs.zigbee.emulated_radio import EmulatedRadioApplication
from rigs.zigbee.radio_client import MAX_DATA, RadioLinkClient


class _Client:
    def __init__(self) -> None:
        self.sent: list[tuple[int, bytes]] = []

    def send_then(self, ptype: int, body: bytes, answered: Any, timeout: float) -> None:
        self.sent.append((ptype, body))
        answered(rp.PacketType.SEND_CONFIRM, bytes((rp.Status.SUCCESS,)), None)


def _app() -> Any:
    app = object.__new__(EmulatedRadioApplication)
    app._addresses = {}
    app._client = _Client()
    app.received = []
    app.packet_received = app.received.append
    return app


def test_send_frame_then_writes_the_send_of_the_same_packet() -> None:
    frame = bytes((0x19, 0x42, 0x05, 0x00)) + bytes(range(60))
    app = _app()
    outcomes: list[Exception | None] = []
    app.send_frame_then(0x4D2B, 1, 2, 0x0109, 0x0019, frame, outcomes.append)
    packet = t.ZigbeePacket(
        src=t.AddrModeAddress(addr_mode=t.AddrMode.NWK, address=t.NWK(0x0000)),
        src_ep=1,
        dst=t.AddrModeAddress(addr_mode=t.AddrMode.NWK, address=t.NWK(0x4D2B)),
        dst_ep=2,
        tsn=0x42,
        profile_id=0x0109,
        cluster_id=0x0019,
        data=t.SerializableBytes(frame),
    )
    app.send_packet_then(packet, outcomes.append)
    (first, second) = app._client.sent
    assert first == second and first[0] == rp.PacketType.SEND
    assert outcomes == [None, None]
    decoded = rp.Send.decode(first[1])
    assert (decoded.dst, decoded.dst_ep, decoded.src_ep, decoded.cluster) == (0x4D2B, 2, 1, 0x19)


def test_a_frame_tap_takes_frames_before_they_become_packets() -> None:
    app = _app()
    taken: list[tuple[int, int, bytes]] = []
    frame = bytes((0x01, 0x07, 0x03)) + bytes(15)

    def tap(src_ep: int, dst_ep: int, data: bytes) -> bool:
        taken.append((src_ep, dst_ep, data))
        return data[2] == 0x03  # Image Block Requests only

    def received(data: bytes, cluster: int = 0x0019) -> bytes:
        return rp.Received(
            src_nwk=0x4D2B, src_ieee=bytes(8), src_ep=1, dst_ep=1, profile=0x0109,
            cluster=cluster, tsn=data[1], lqi=200, rssi=-40, dst_mode=rp.AddrMode.NWK, dst=0,
            data=data,
        ).encode()  # fmt: skip

    with app.frame_tap(0x4D2B, 0x0019, tap):
        app._on_received(received(frame))
        assert taken == [(1, 1, frame)] and app.received == []
        other = bytes((0x18, 0x08, 0x0B, 0x03, 0x00))  # a Default Response: left to zigpy
        app._on_received(received(other))
        assert len(taken) == 2 and len(app.received) == 1
        assert app.received[0].data.value == other
        app._on_received(received(frame, cluster=0x0702))  # another cluster: not offered
        assert len(taken) == 2 and len(app.received) == 2
    app._on_received(received(frame))  # the tap is closed
    assert len(taken) == 2 and len(app.received) == 3


@pytest.mark.parametrize("traced", [False, True])
def test_the_client_dispatches_received_bytes_alike_with_or_without_a_trace(
    traced: bool, tmp_path: Path
) -> None:
    """The client's receive path (RECEIVED, answers to callbacks, malformed packets) gives the
    same results on its hot path (no trace) as through its general dispatch (traced)."""
    received: list[bytes] = []
    joins: list[Any] = []

    def on_received(body: bytes) -> None:
        if len(body) < 3:
            raise rp.ProtocolError("truncated RECEIVED")
        received.append(body)

    client = RadioLinkClient(
        cast(Any, None), on_received=on_received, on_join=joins.append, on_lost=lambda exc: None
    )
    if traced:
        client.trace = TraceWriter(tmp_path / "radio.trace")
    answers: list[tuple[int, bytes, Exception | None]] = []
    client._callbacks[7] = (lambda *answer: answers.append(answer), 1e18)

    def frame(payload: bytes) -> bytes:
        return ash.encode(0x00, payload, max_data=MAX_DATA)

    client._on_bytes(
        frame(bytes((rp.PacketType.RECEIVED, 0)) + b"abc")
        + frame(bytes((rp.PacketType.SEND_CONFIRM, 7, rp.Status.SUCCESS)))
        + frame(bytes((rp.PacketType.SEND_CONFIRM, 9, rp.Status.SUCCESS)))  # nobody waits
        + frame(bytes((rp.PacketType.RECEIVED, 0)) + b"x")  # malformed: counted, skipped
        + frame(b"\x01")  # shorter than its prefix
        + frame(bytes((rp.PacketType.RECEIVED, 0)) + b"def")
    )
    assert received == [b"abc", b"def"]
    assert answers == [(rp.PacketType.SEND_CONFIRM, bytes((rp.Status.SUCCESS,)), None)]
    assert client._callbacks == {} and client.protocol_errors == 2 and client.lost is None

"""The emulated radio's frame path: what ``send_frame_then`` writes is the SEND that
``send_packet_then`` writes for the same packet, and a frame tap takes frames before they become
packets (a frame it leaves becomes the usual packet)."""

# zigpy's types are not typed for strict mypy.
# mypy: disable-error-code="no-untyped-call,attr-defined"

from __future__ import annotations

from typing import Any

import zigpy.types as t

from rigs.protocols import radio_link as rp
from rigs.zigbee.emulated_radio import EmulatedRadioApplication


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

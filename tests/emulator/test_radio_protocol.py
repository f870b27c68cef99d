"""The radio link packet set: layouts round-trip, malformed packets are refused."""

from __future__ import annotations

import pytest

from rigs.protocols import radio_link as rp


def test_send_and_received_round_trip() -> None:
    send = rp.Send(rp.AddrMode.NWK, 0x1001, 1, 1, 0x0109, 0x0019, 7, 30, 1, b"\x19\x07\x05zz")
    assert rp.Send.decode(send.encode()) == send
    received = rp.Received(
        0x1001, bytes(range(8)), 1, 1, 0x0109, 0x0019, 9, 255, -40, rp.AddrMode.NWK, 0, b"\x01\x02"
    )
    assert rp.Received.decode(received.encode()) == received


def test_documented_example_bytes() -> None:
    # the SEND example of docs/radio-link.md: Node_Desc_req to 0x1001
    send = rp.Send(rp.AddrMode.NWK, 0x1001, 0, 0, 0x0000, 0x0002, 0x05, 0, 0, b"\x05\x01\x10")
    assert rp.packet(rp.PacketType.SEND, 0x2A, send.encode()).hex() == (
        "082a020110000000000000000000000200050000050110"
    )


def test_network_parameters_and_endpoint_round_trip() -> None:
    params = rp.NetworkParameters(
        rp.NetworkState.UP, 15, 0x1A62, bytes(range(8)), 3, bytes(range(16)), 0, bytes(16), 12
    )
    assert rp.NetworkParameters.decode(params.encode()) == params
    ep = rp.Endpoint(1, 0x0104, 0x0400, 0, (0x0000, 0x0019), (0x0006,))
    assert rp.Endpoint.decode(ep.encode()) == ep


@pytest.mark.parametrize(
    "call",
    [
        lambda: rp.Send.decode(b"\x02\x01"),
        lambda: rp.Send.decode(b"\x07" + b"\x00" * 20),
        lambda: rp.Received.decode(b"\x00" * 5),
        lambda: rp.NetworkParameters.decode(b"\x00" * 3),
        lambda: rp.Endpoint.decode(b"\x01\x04\x01\x00\x04\x00\x05"),
        lambda: rp.split(b"\x08"),
    ],
)
def test_malformed_packets_raise_protocol_error(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(rp.ProtocolError):
        call()


def test_ieee_text_round_trip() -> None:
    raw = rp.ieee_to_bytes("00:13:7A:01:00:00:00:01")
    assert raw == bytes.fromhex("01000000017a1300")
    assert rp.ieee_to_text(raw) == "00137A0100000001"

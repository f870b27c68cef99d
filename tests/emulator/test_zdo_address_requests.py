"""ZDO address requests reach every device when broadcast; only the device they name answers
(ZigBee specification 2.4.3.1.1 NWK_addr_req, 2.4.3.1.2 IEEE_addr_req): the others stay silent to a
broadcast and answer a unicast DEVICE_NOT_FOUND."""

from __future__ import annotations

import struct

import pytest

from rigs.emulator.clock import DeviceClock
from rigs.emulator.zigbee_node import IEEE_ADDR_REQ, NWK_ADDR_REQ, ZDO_PROFILE, ZigbeeNode
from tests.emulator.emulated_device_factory import START, make_device

IEEE = bytes.fromhex("00137A0100000001")[::-1]  # over the air, least significant byte first
OTHER = bytes.fromhex("00137A0100000099")[::-1]


def _node(sent: list[tuple[int, bytes]]) -> ZigbeeNode:
    device = make_device(DeviceClock(START), ieee="00137A0100000001", nwk=0x1001)

    def transmit(_n: ZigbeeNode, _d: int, _s: int, _p: int, cluster: int, data: bytes) -> None:
        sent.append((cluster, data))

    return ZigbeeNode(device, transmit, lambda _n: None)


@pytest.mark.parametrize("broadcast", [True, False])
async def test_the_device_named_answers_with_its_addresses(broadcast: bool) -> None:
    sent: list[tuple[int, bytes]] = []
    node = _node(sent)
    node.handle(0, 0, ZDO_PROFILE, NWK_ADDR_REQ, b"\x07" + IEEE + b"\x00\x00", broadcast)
    node.handle(
        0, 0, ZDO_PROFILE, IEEE_ADDR_REQ, b"\x08" + struct.pack("<H", 0x1001) + b"\0\0", broadcast
    )
    assert sent == [
        (NWK_ADDR_REQ | 0x8000, struct.pack("<BB8sHBB", 7, 0, IEEE, 0x1001, 0, 0)),
        (IEEE_ADDR_REQ | 0x8000, struct.pack("<BB8sHBB", 8, 0, IEEE, 0x1001, 0, 0)),
    ]


async def test_other_devices_stay_silent_to_a_broadcast() -> None:
    sent: list[tuple[int, bytes]] = []
    node = _node(sent)
    node.handle(0, 0, ZDO_PROFILE, NWK_ADDR_REQ, b"\x07" + OTHER + b"\x00\x00", True)
    node.handle(
        0, 0, ZDO_PROFILE, IEEE_ADDR_REQ, b"\x08" + struct.pack("<H", 0x2002) + b"\0\0", True
    )
    assert sent == []


async def test_a_unicast_for_another_device_is_device_not_found() -> None:
    sent: list[tuple[int, bytes]] = []
    node = _node(sent)
    node.handle(0, 0, ZDO_PROFILE, NWK_ADDR_REQ, b"\x07" + OTHER + b"\x00\x00", False)
    node.handle(
        0, 0, ZDO_PROFILE, IEEE_ADDR_REQ, b"\x08" + struct.pack("<H", 0x2002) + b"\0\0", False
    )
    assert sent == [
        (NWK_ADDR_REQ | 0x8000, struct.pack("<BB8sHBB", 7, 0x81, OTHER, 0xFFFF, 0, 0)),
        (IEEE_ADDR_REQ | 0x8000, struct.pack("<BB8sHBB", 8, 0x81, b"\xff" * 8, 0x2002, 0, 0)),
    ]

"""The emulated Z-Stack's non-volatile memory: OSAL NV items and the extended (system, item, sub)
items of Z-Stack 3.30, with the factory contents a CC2652 coordinator build starts from.

Items are plain bytes; the co-processor interprets only the few it acts on (NIB, keys, extended
PAN ID, network flags). Structures are laid out as the CC2652's compiler lays them out (natural
alignment, ``docs/coprocessors.md``). Identifiers are Z-Stack's ``ZCD_NV_*`` constants.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

# OSAL NV item ids (Z-Stack ZComDef.h)
EXTADDR = 0x0001
STARTUP_OPTION = 0x0003
NIB = 0x0021
EXTENDED_PAN_ID = 0x002D
BCAST_DELIVERY_TIME = 0x0030
CONCENTRATOR_ENABLE = 0x0032
CONCENTRATOR_DISCOVERY = 0x0033
CONCENTRATOR_RC = 0x0036
SRC_RTG_EXPIRY_TIME = 0x0038
NWK_ACTIVE_KEY_INFO = 0x003A
NWK_ALTERN_KEY_INFO = 0x003B
NWK_CHILD_AGE_ENABLE = 0x003E
APS_USE_EXT_PANID = 0x0047
APS_LINK_KEY_TABLE = 0x004C
BDB_NODE_IS_ON_A_NETWORK = 0x0055
PRECFGKEY = 0x0062
PRECFGKEYS_ENABLE = 0x0063
NWKKEY = 0x0082
PANID = 0x0083
CHANLIST = 0x0084
LOGICAL_TYPE = 0x0087
ZDO_DIRECT_CB = 0x008F
TCLK_SEED = 0x0101

# extended items: system id ZSTACK, item ids (Z-Stack nvintf.h / zstack NV item ids)
SYS_ZSTACK = 0x01
EX_LEGACY = 0x0000
EX_ADDRMGR = 0x0001
EX_TCLK_TABLE = 0x0004
EX_APS_KEY_DATA_TABLE = 0x0006
EX_NWK_SEC_MATERIAL_TABLE = 0x0007

# STARTUP_OPTION bits
CLEAR_CONFIG = 0x01
CLEAR_STATE = 0x02

COORDINATOR = 0x00  # LOGICAL_TYPE
NWK_SEC_MATERIAL_ENTRIES = 4
NWK_SEC_MATERIAL = struct.Struct("<I8s")  # frame counter, extended PAN ID
APS_LINK_KEY_TABLE_SIZE = 2 + 6 * 8  # count:u16, then 8 entries of 6 bytes (zeroed: empty)
DEFAULT_CHANNELS = 0x07FFF800  # channels 11..26
NWK_COORDINATOR_STATE = 8  # nwkState of a running coordinator (NWK_ROUTER)

# nwkIB_t as laid out on the CC2652 (4-byte struct alignment): 116 bytes
_NIB = struct.Struct("<15B x H 3B x H B x H 8s H H I 4B I I B 8s B 17s 17s 9B x H H B x")
NIB_SIZE = _NIB.size


@dataclass
class Nib:
    """The fields of the network information base the co-processor acts on; the rest keep
    Z-Stack's defaults and are carried through unchanged when the host writes the NIB."""

    raw: list[int | bytes] = field(default_factory=lambda: list(_default_nib_fields()))

    # field indexes in _NIB's unpacked tuple
    _DEV_ADDRESS = 19
    _CHANNEL = 20
    _COORD_ADDRESS = 21
    _PAN_ID = 23
    _STATE = 24
    _CHANNEL_LIST = 25
    _EXT_PAN_ID = 33
    _KEY_LOADED = 34
    _UPDATE_ID = 48

    @classmethod
    def decode(cls, data: bytes) -> Nib:
        if len(data) != NIB_SIZE:
            raise ValueError(f"NIB is {NIB_SIZE} bytes, got {len(data)}")
        return cls(list(_NIB.unpack(data)))

    def encode(self) -> bytes:
        return _NIB.pack(*self.raw)

    def _int(self, index: int) -> int:
        value = self.raw[index]
        assert isinstance(value, int)
        return value

    @property
    def channel(self) -> int:
        return self._int(self._CHANNEL)

    @property
    def pan_id(self) -> int:
        return self._int(self._PAN_ID)

    @property
    def nwk_address(self) -> int:
        return self._int(self._DEV_ADDRESS)

    @property
    def extended_pan_id(self) -> bytes:
        value = self.raw[self._EXT_PAN_ID]
        assert isinstance(value, bytes)
        return value

    @property
    def key_loaded(self) -> bool:
        return bool(self.raw[self._KEY_LOADED])

    @property
    def update_id(self) -> int:
        return self._int(self._UPDATE_ID)

    def formed(self, channel: int, pan_id: int, extended_pan_id: bytes, channels: int) -> None:
        """The NIB of a coordinator that has just formed a network."""
        self.raw[self._DEV_ADDRESS] = 0x0000
        self.raw[self._CHANNEL] = channel
        self.raw[self._COORD_ADDRESS] = 0x0000
        self.raw[self._PAN_ID] = pan_id
        self.raw[self._STATE] = NWK_COORDINATOR_STATE
        self.raw[self._CHANNEL_LIST] = channels
        self.raw[self._EXT_PAN_ID] = extended_pan_id
        self.raw[self._KEY_LOADED] = 1


def _default_nib_fields() -> tuple[int | bytes, ...]:
    """Z-Stack's NIB before any network: no channel, PAN ID 0xFFFE, address 0xFFFE."""
    return (
        # SequenceNum, PassiveAckTimeout, MaxBroadcastRetries, MaxChildren, MaxDepth,
        # MaxRouters, dummyNeighborTable, BroadcastDeliveryTime, ReportConstantCost,
        # RouteDiscRetries, dummyRoutingTable, SecureAllFrames, SecurityLevel, SymLink,
        # CapabilityFlags
        0, 5, 2, 20, 15, 20, 0, 30, 0, 0, 0, 1, 5, 1, 0x8F,
        7,  # TransactionPersistenceTime
        2, 5, 60,  # nwkProtocolVersion, RouteDiscoveryTime, RouteExpiryTime
        0xFFFE,  # nwkDevAddress
        0,  # nwkLogicalChannel
        0xFFFE,  # nwkCoordAddress
        b"\x00" * 8,  # nwkCoordExtAddress
        0xFFFE,  # nwkPanId
        0,  # nwkState (NWK_INIT)
        DEFAULT_CHANNELS,  # channelList
        15, 15, 4, 0,  # beaconOrder, superFrameOrder, scanDuration, battLifeExt
        0, 0,  # allocatedRouterAddresses, allocatedEndDeviceAddresses
        0,  # nodeDepth
        b"\x00" * 8,  # extendedPANID
        0,  # nwkKeyLoaded
        b"\x00" * 17, b"\x00" * 17,  # spare1, spare2 (key descriptors)
        0, 0,  # spare3, spare4
        15, 3, 0, 1, 120, 30, 1,  # link status period .. nwkAllFresh
        0x0000,  # nwkManagerAddr
        0,  # nwkTotalTransmissions
        0,  # nwkUpdateId
    )  # fmt: skip


ExKey = tuple[int, int, int]  # (system id, item id, sub id)


class NvStore:
    """OSAL and extended NV items, as bytes."""

    def __init__(self, ieee: bytes) -> None:
        self.ieee = ieee
        self.osal: dict[int, bytes] = {}
        self.ex: dict[ExKey, bytes] = {}
        self.factory_reset()

    def factory_reset(self) -> None:
        """The contents of a freshly flashed coordinator (its EUI-64 is kept)."""
        self.osal = {
            EXTADDR: self.ieee,
            STARTUP_OPTION: b"\x00",
            NIB: Nib().encode(),
            LOGICAL_TYPE: bytes((COORDINATOR,)),
            CONCENTRATOR_ENABLE: b"\x00",
            CONCENTRATOR_DISCOVERY: bytes((120,)),
            CONCENTRATOR_RC: b"\x00",
            SRC_RTG_EXPIRY_TIME: bytes((255,)),
            NWK_CHILD_AGE_ENABLE: b"\x00",
            BCAST_DELIVERY_TIME: bytes((30,)),
            ZDO_DIRECT_CB: b"\x00",
            APS_LINK_KEY_TABLE: bytes(APS_LINK_KEY_TABLE_SIZE),
            PANID: struct.pack("<H", 0xFFFF),
            CHANLIST: struct.pack("<I", DEFAULT_CHANNELS),
            EXTENDED_PAN_ID: b"\x00" * 8,
            APS_USE_EXT_PANID: b"\x00" * 8,
            PRECFGKEY: bytes(16),
            PRECFGKEYS_ENABLE: b"\x00",
        }
        self.ex = {}
        self.clear_network_state()

    def clear_network_state(self) -> None:
        """Forget the network (STARTUP_OPTION's clear-state bit): NIB, keys, tables."""
        self.osal[NIB] = Nib().encode()
        for item in (NWK_ACTIVE_KEY_INFO, NWK_ALTERN_KEY_INFO, NWKKEY, BDB_NODE_IS_ON_A_NETWORK):
            self.osal.pop(item, None)
        self.ex = {key: value for key, value in self.ex.items() if key[1] == EX_LEGACY}
        for sub in range(NWK_SEC_MATERIAL_ENTRIES):
            self.ex[(SYS_ZSTACK, EX_NWK_SEC_MATERIAL_TABLE, sub)] = NWK_SEC_MATERIAL.pack(
                0, b"\x00" * 8
            )

    # the items the co-processor acts on ------------------------------------------------------

    @property
    def extaddr(self) -> bytes:
        """The coordinator's EUI-64 as NV holds it (the host may write another one)."""
        value = self.osal.get(EXTADDR, self.ieee)
        return value if len(value) == 8 else self.ieee

    def boot(self) -> None:
        """What Z-Stack does to NV at start-up: apply STARTUP_OPTION's clear bits, recreate a
        deleted EXTADDR from the hardware address."""
        option = self.u8(STARTUP_OPTION)
        if option & CLEAR_CONFIG:
            self.factory_reset()
        elif option & CLEAR_STATE:
            self.clear_network_state()
        self.osal[STARTUP_OPTION] = b"\x00"
        self.osal.setdefault(EXTADDR, self.ieee)

    @property
    def nib(self) -> Nib:
        return Nib.decode(self.osal[NIB])

    @property
    def on_a_network(self) -> bool:
        nib = self.osal.get(NIB, b"")
        if self.osal.get(BDB_NODE_IS_ON_A_NETWORK) != b"\x01" or len(nib) != NIB_SIZE:
            return False
        parsed = Nib.decode(nib)
        return parsed.channel != 0 and parsed.key_loaded

    def u8(self, item: int, default: int = 0) -> int:
        value = self.osal.get(item, b"")
        return value[0] if value else default

    def form(self, channel: int, pan_id: int, extended_pan_id: bytes, key: bytes) -> None:
        nib = self.nib
        nib.formed(channel, pan_id, extended_pan_id, 1 << channel)
        self.osal[NIB] = nib.encode()
        key_info = bytes((0,)) + key  # key sequence 0, key
        self.osal[NWK_ACTIVE_KEY_INFO] = key_info
        self.osal[NWK_ALTERN_KEY_INFO] = key_info
        self.osal[NWKKEY] = key_info + b"\x00" * 3 + struct.pack("<I", 0)  # + frame counter
        self.osal[EXTENDED_PAN_ID] = extended_pan_id
        self.osal[BDB_NODE_IS_ON_A_NETWORK] = b"\x01"
        self.ex[(SYS_ZSTACK, EX_NWK_SEC_MATERIAL_TABLE, 0)] = NWK_SEC_MATERIAL.pack(
            0, extended_pan_id
        )

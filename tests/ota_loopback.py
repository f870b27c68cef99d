"""An emulated ESME (the emulator's own device model and OTA client) wired in-process to a zigpy
application with no radio: what zigpy sends reaches the device on the next loop turn, what the
device sends reaches ``packet_received`` the same way. Used by the OTA benchmarks to run zigpy's
own ``OTAManager`` and the rig's OTA server against the same device, side by side."""

# zigpy's types are not typed for strict mypy.
# mypy: disable-error-code="no-untyped-call,attr-defined,arg-type"

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

import zigpy.device
import zigpy.ota
import zigpy.ota.providers
import zigpy.types as t
from loopback_app import DEVICE_IEEE, DEVICE_NWK, LoopbackApplication, loopback_app
from zigpy.ota.image import BaseOTAImage, OTAImageHeader

from rigs.emulator.clock import DeviceClock
from rigs.emulator.device import DeviceSpec, EmulatedDevice
from rigs.emulator.profiles import builtin_profiles
from rigs.emulator.zigbee_node import ZigbeeNode


@dataclass
class InProcessDevice:
    app: LoopbackApplication
    device: zigpy.device.ZigbeeDevice
    node: ZigbeeNode


async def in_process_esme() -> InProcessDevice:
    app, device = await loopback_app()
    app.keep_sent = False
    loop = asyncio.get_running_loop()
    profile = builtin_profiles()["ESME"]
    ieee = bytes(DEVICE_IEEE.serialize())[::-1].hex().upper()
    spec = DeviceSpec(ieee=ieee, nwk=int(DEVICE_NWK), profile=profile, file_version=0x01000000)
    emulated = EmulatedDevice(spec, DeviceClock(dt.datetime.now(dt.UTC)))

    def transmit(node: ZigbeeNode, dst_ep: int, src_ep: int, profile: int, cluster: int,
                 data: bytes) -> None:  # fmt: skip
        loop.call_soon(lambda: app.deliver(data, cluster=cluster))

    node = ZigbeeNode(emulated, transmit, lambda node: None)
    node.joined = True

    def sink(packet: t.ZigbeePacket) -> None:
        loop.call_soon(
            node.handle,
            int(packet.src_ep or 0),
            int(packet.dst_ep or 0),
            int(packet.profile_id),
            int(packet.cluster_id),
            bytes(packet.data.value),
            False,
        )

    app.sink = sink
    return InProcessDevice(app, device, node)


class RawOtaImage(BaseOTAImage):
    """An OTA file as zigpy's OTAManager serves it: its header parsed, its bytes sent as they are
    (zigpy's own ``OTAImage`` parses only sub-element files; ours are in the GBCS layout)."""

    def __init__(self, data: bytes) -> None:
        self.header, _ = OTAImageHeader.deserialize(data)
        self._data = data

    def serialize(self) -> bytes:
        return self._data


def zigpy_image(data: bytes) -> zigpy.ota.OtaImageWithMetadata:
    firmware = RawOtaImage(data)
    header = firmware.header
    metadata = zigpy.ota.providers.BaseOtaImageMetadata(
        file_version=int(header.file_version),
        manufacturer_id=int(header.manufacturer_id),
        image_type=int(header.image_type),
    )
    return zigpy.ota.OtaImageWithMetadata(metadata=metadata, firmware=firmware)

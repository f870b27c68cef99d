"""Many requests to one device: ZCL sequence numbers wrap at 256 and every answer still arrives.

zigpy drops, for 10 s, an incoming frame equal to an earlier one apart from its APS counter. An
answer to the 257th identical read carries the same ZCL sequence number and the same values as the
1st, so without the rig's response matching it was dropped and the read timed out.
"""

from __future__ import annotations

import pytest

from rigs.operations import DeviceRole
from rigs.zigbee import embedded_rig

pytestmark = pytest.mark.slow

CALLS = 600  # more than twice round the 8-bit ZCL sequence number


async def test_six_hundred_calls_of_each_kind_to_one_device() -> None:
    async with embedded_rig(["--ppmids", "0", "--gsmes", "0"]) as er:
        rig = er.rig
        esme = er.by_role(DeviceRole.ESME)[0]
        site_id = await rig.read_site_id(esme)
        for _ in range(CALLS):
            assert (await rig.identify(esme, timeout=3)).role is DeviceRole.ESME
        for _ in range(CALLS):
            assert (await rig.read_firmware_version(esme, timeout=3)).build_id == "01000000"
        for _ in range(CALLS):
            assert await rig.read_site_id(esme, timeout=3) == site_id
        for _ in range(CALLS):
            assert await rig.pin_is_default(esme, timeout=3)
        for _ in range(CALLS // 2):
            assert await rig.read_held_image(esme, timeout=3) is None


async def test_a_repeated_answer_is_still_dropped_once_its_request_is_answered() -> None:
    """The debouncer keeps working for frames nobody waits for (a device repeating itself)."""
    import zigpy.types as t

    from rigs.zigbee.smart_energy import SmartEnergyDevice

    async with embedded_rig(["--ppmids", "0", "--gsmes", "0"]) as er:
        rig = er.rig
        esme = er.by_role(DeviceRole.ESME)[0]
        device = rig._device(esme)
        assert isinstance(device, SmartEnergyDevice)
        seen: list[t.ZigbeePacket] = []
        original = device.packet_received

        def spy(packet: t.ZigbeePacket) -> None:
            seen.append(packet)
            original(packet)

        device.packet_received = spy  # type: ignore[method-assign]
        await rig.read_site_id(esme)
        answer = next(p for p in seen if p.cluster_id == 0x0702)
        assert device.answers_waiting_request(answer) is False
        assert device._should_filter_packet(answer) is True

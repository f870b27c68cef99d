"""A stand-alone emulated device behind a test port, built from a few keyword arguments.

:class:`EmulatedTestPortDevice` is the emulator's own device model (:mod:`rigs.emulator.device`)
seen through its test port (:class:`rigs.emulator.device_test_port.DeviceTestPort`), for serving
one device in-process on a pty or TCP port without a device file (see :mod:`rigs.serial.serve`); it lives with the emulator so that :mod:`rigs.serial` never imports the emulator.
"""

from __future__ import annotations

from rigs.emulator.clock import DeviceClock
from rigs.emulator.device import DeviceSpec, EmulatedDevice
from rigs.emulator.device_file import DEFAULT_FACTORY_PIN, FIRST_NWK
from rigs.emulator.device_test_port import DeviceTestPort
from rigs.emulator.profiles import DeviceProfile, builtin_profiles
from rigs.eui64 import canonical_eui64
from rigs.operations import DeviceRole

# what a device built without arguments answers (a test manufacturer code and image type)
DEFAULTS: dict[str, object] = {"manufacturer_code": 0x1234, "image_type": 0x0001}
DEFAULT_FILE_VERSION = 0x00000101


class EmulatedTestPortDevice(DeviceTestPort):
    """A PPMID, ESME or GSME: the built-in profile of its role with manufacturer code 0x1234 and
    image type 0x0001 unless told otherwise, running file version 0x00000101."""

    __test__ = False  # a library class, not a pytest test class

    def __init__(
        self,
        *,
        ieee: str,
        role: DeviceRole = DeviceRole.PPMID,
        file_version: int = DEFAULT_FILE_VERSION,
        site_id: str | None = "1234567890123",
        pin: str | None = DEFAULT_FACTORY_PIN,
        factory_pin: str = DEFAULT_FACTORY_PIN,
        max_image_size: int | None = None,
        clock: DeviceClock | None = None,
        **profile_changes: object,
    ) -> None:
        """``profile_changes`` are :class:`DeviceProfile` fields (``manufacturer_code=...``)."""
        base = builtin_profiles()[role.value]
        values = {**base.__dict__, "name": f"{role.value}-test-port", **DEFAULTS}
        values.update(profile_changes)
        if max_image_size is not None:
            values["max_image_size"] = max_image_size
        values["engineering_pin"] = pin is not None
        profile = DeviceProfile(**values)
        spec = DeviceSpec(
            ieee=canonical_eui64(ieee),
            nwk=FIRST_NWK,
            profile=profile,
            file_version=file_version,
            site_id=site_id,
            pin=pin,
            factory_pin=factory_pin if pin is not None else None,
        )
        super().__init__(EmulatedDevice(spec, clock if clock is not None else DeviceClock()))

    @property
    def clock(self) -> DeviceClock:
        return self.device.clock

"""Every value of a device file has its type and range checked: a mistake is one line naming the
device and the key, never a constructor's traceback text or ``invalid literal for int()``."""

from __future__ import annotations

import pytest

from rigs.emulator.device_file import DeviceFileError, build_config

PROFILE = {
    "role": "PPMID",
    "manufacturer": "ACME",
    "model": "P-2",
    "manufacturer_code": 0x1234,
    "image_type": 0x0084,
    "hardware_version": 3,
    "max_block": 32,
    "max_image_size": 65536,
    "file_version": 0x100,
}


def _device(**values: object) -> dict[str, object]:
    return {"devices": [{"role": "GSME", **values}]}


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (_device(count="3"), "devices[1].count: must be an integer"),
        (_device(count=2.9), "devices[1].count: must be an integer"),
        (_device(count=True), "devices[1].count: must be an integer"),
        (_device(count=0), "devices[1].count: must be 1..1000"),
        (_device(site_id=7654321), "devices[1].site_id: must be a string of digits"),
        (_device(site_id="12AB"), "devices[1].site_id: must be a string of digits"),
        ({"devices": [{"role": "PPMID", "site_id": "123"}]}, "a PPMID has no MPAN/MPRN"),
        ({"devices": [{"role": "PPMID", "pin": "1234"}]}, "has no engineering menu PIN"),
        ({"devices": [{"role": "PPMID", "factory_pin": "1234"}]}, "has no engineering menu"),
        (_device(faults={"drop_blocks": "all"}), "faults.drop_blocks: must be a list of"),
        (_device(faults={"drop_blocks": [1.5]}), "faults.drop_blocks: must be a list of"),
        (_device(faults={"corrupt_blocks": [-1]}), "faults.corrupt_blocks: must be a list of"),
        (_device(faults={"reboot_at_offset": "4096"}), "faults.reboot_at_offset: must be an"),
        (_device(faults={"reboot_silent_seconds": "1"}), "reboot_silent_seconds: must be a num"),
        (_device(faults={"reboot_keeps_state": "no"}), "reboot_keeps_state: must be true or"),
        (_device(faults={"response_delay_ms": -5}), "response_delay_ms: must be a number"),
        (_device(faults="none"), "devices[1].faults: must be a table"),
        (_device(file_version="0x200"), "devices[1].file_version: must be an integer"),
        (_device(file_version=2**32), "devices[1].file_version: must be an integer"),
        (_device(ieee=1234), "devices[1].ieee: must be a string"),
        (_device(profile=3), "devices[1].profile: must be a string"),
        (_device(role=3), "devices[1]: role must be PPMID, ESME or GSME"),
        ({"devices": ["GSME"]}, "devices[1]: must be a table"),
        ({"profiles": {"X": {"role": "PPMID", "model": "P"}}}, "profile X: missing keys"),
        ({"profiles": {"X": {**PROFILE, "max_block": "32"}}}, "profile X: max_block must be"),
        ({"profiles": {"X": {**PROFILE, "model": 7}}}, "profile X: model must be a string"),
        ({"profiles": {"X": {**PROFILE, "engineering_pin": 1}}}, "engineering_pin must be"),
        ({"profiles": {"X": "PPMID"}}, "profile X: must be a table"),
    ],
)
def test_mistake_is_one_line(data: dict[str, object], words: str) -> None:
    with pytest.raises(DeviceFileError) as info:
        build_config(data, source="devices.toml")
    text = str(info.value)
    assert words in text, text
    assert "\n" not in text and "__init__" not in text and "invalid literal" not in text
    assert text.startswith("devices.toml: ")


def test_good_values_still_load() -> None:
    config = build_config(
        {
            "profiles": {"X": PROFILE},
            "devices": [
                {"role": "GSME", "count": 2, "site_id": "0007654321", "file_version": 3},
                {"role": "PPMID", "profile": "X"},
                {"role": "ESME", "faults": {"drop_blocks": [1, 2], "reboot_silent_seconds": 2}},
            ],
        },
        source="devices.toml",
    )
    assert [s.profile.role.value for s in config.devices] == ["GSME", "GSME", "PPMID", "ESME"]
    assert config.devices[3].faults.drop_blocks == frozenset({1, 2})

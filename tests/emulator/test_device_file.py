"""Device files: defaults, replication, profiles, faults and clear errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from rigs.emulator.device_file import DeviceFileError, default_config, load_device_file


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "devices.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_one_of_each_with_site_ids() -> None:
    config = default_config()
    roles = [s.profile.role.value for s in config.devices]
    assert roles == ["PPMID", "ESME", "GSME"]
    esme, gsme = config.devices[1], config.devices[2]
    assert esme.site_id is not None and len(esme.site_id) == 13 and esme.site_id.isdigit()
    assert gsme.site_id == "0007654321"  # the MPRN as the SMSO holds it, leading zeros kept
    assert config.devices[0].pin is None and gsme.pin == gsme.factory_pin == "1234"
    assert len({s.nwk for s in config.devices}) == 3


def test_count_profiles_faults_and_clock(tmp_path: Path) -> None:
    config = load_device_file(
        write(
            tmp_path,
            """
[emulator]
clock = 2027-01-01T00:00:00Z

[profiles.SLOWPPMID]
role = "PPMID"
manufacturer = "ACME"
model = "P-2"
manufacturer_code = 0x1234
image_type = 0x0084
hardware_version = 3
max_block = 32
max_image_size = 65536
file_version = 0x00000100
quirks = ["upgrade_time_is_offset"]

[[devices]]
role = "PPMID"
profile = "SLOWPPMID"
count = 3
ieee = "00:11:22:33:44:55:66:00"

[[devices]]
role = "GSME"
site_id = "0001234567"
pin = "2468"
[devices.faults]
drop_blocks = [3]
reboot_at_offset = 4096
reboot_keeps_state = false
response_delay_ms = 20
""",
        )
    )
    assert config.clock_start == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    ppmids = config.devices[:3]
    assert [s.ieee for s in ppmids] == ["0011223344556600", "0011223344556601", "0011223344556602"]
    assert (
        ppmids[0].profile.max_block == 32 and "upgrade_time_is_offset" in ppmids[0].profile.quirks
    )
    gsme = config.devices[3]
    assert gsme.site_id == "0001234567" and gsme.pin == "2468" and gsme.factory_pin == "1234"
    assert gsme.faults.drop_blocks == {3} and gsme.faults.reboot_at_offset == 4096
    assert not gsme.faults.reboot_keeps_state and gsme.faults.response_delay == pytest.approx(0.02)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[devices]]\nrole = 'TOASTER'\n", "role must be PPMID, ESME or GSME"),
        ("[[devices]]\nrole = 'GSME'\npin = '7'\n", "a PIN is a string of 4 to 8 digits"),
        ("[[devices]]\nrole = 'GSME'\ncolour = 'red'\n", "unknown keys"),
        ("[[devices]]\nrole = 'ESME'\nprofile = 'GSME'\n", "is for a GSME"),
        ("[[devices]]\nrole = 'ESME'\n[devices.faults]\nexplode = true\n", "unknown keys"),
        (
            (
                "[[devices]]\nrole = 'ESME'\nieee = '0000000000000001'\n"
                "[[devices]]\nrole = 'GSME'\nieee = '0000000000000001'\n"
            ),
            "share an IEEE",
        ),
        ("devices = [", "not valid TOML"),
        ("", "no [[devices]]"),
    ],
)
def test_bad_device_files_say_why(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DeviceFileError, match=message.replace("[", r"\[")) as info:
        load_device_file(write(tmp_path, text))
    assert "\n" not in str(info.value)


def test_pins_never_appear_in_errors(tmp_path: Path) -> None:
    with pytest.raises(DeviceFileError) as info:
        load_device_file(write(tmp_path, "[[devices]]\nrole = 'GSME'\npin = '123456789'\n"))
    assert "123456789" not in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DeviceFileError, match="cannot read device file"):
        load_device_file(tmp_path / "absent.toml")


def test_test_port_impairment_per_device_and_for_all(tmp_path: Path) -> None:
    from rigs.impair import Impairment

    path = write(
        tmp_path,
        """
[emulator]
impair = "baud=115200"

[[devices]]
role = "ESME"
impair = "baud=9600,latency=0.02,loss=0.001"

[[devices]]
role = "GSME"
""",
    )
    esme, gsme = load_device_file(path).devices
    assert esme.test_port_impairment == Impairment(baud=9600, latency_s=0.02, loss=0.001)
    assert gsme.test_port_impairment == Impairment(baud=115200)
    assert default_config().devices[0].test_port_impairment is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[devices]]\nrole = "ESME"\nimpair = "baud=fast"\n', r"devices\[1\]: impair: .*baud"),
        ('[[devices]]\nrole = "ESME"\nimpair = 9600\n', r"devices\[1\]: impair is a string"),
        ('[emulator]\nspeed = 2\n[[devices]]\nrole = "ESME"\n', r"\[emulator\]: unknown keys"),
    ],
)
def test_bad_impairment_settings_are_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DeviceFileError, match=message):
        load_device_file(write(tmp_path, text))

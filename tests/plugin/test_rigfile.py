from pathlib import Path

import pytest

from harness.cli import main
from harness.rigfile import MigrationStatus, RigFileError, default_rig, load_rigfile

GOOD = """
name = "bench-1"

[radio]
kind = "ezsp"
path = "rfc2217://lab-3.example:7000"
baudrate = 115200

[[devices]]
role = "PPMID"
ieee = "00:12:4b:00:01:a2:b3:c4"
model = "PPMID"
group_id = "AA"
installing_supplier = "SUPPLIER-A"
responsible_supplier = "SUPPLIER-B"
installation_id = "INST-9"
migration_status = "dormant"

[[devices]]
role = "GSME"
ieee = "00124B0001A2B3C5"
model = "GSME"
serial_port = "socket://lab-3.example:7001"
site_id = "0007654321"
"""

POOL = """
lock_dir = "{lock_dir}"

[[rigs]]
name = "a"
radio = {{ kind = "emulated" }}
devices = [{{ role = "ESME", ieee = "0000000000000001", model = "ESME" }}]

[[rigs]]
name = "b"
radio = {{ kind = "emulated", path = "socket://127.0.0.1:9" }}
devices = [{{ role = "ESME", ieee = "0000000000000002", model = "ESME" }}]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rig.toml"
    path.write_text(text)
    return path


def test_single_rig_file_loads_with_normalised_values(tmp_path: Path) -> None:
    rigfile = load_rigfile(write(tmp_path, GOOD))
    (rig,) = rigfile.rigs
    assert rig.name == "bench-1"
    assert rig.radio.kind == "ezsp" and rig.radio.path == "rfc2217://lab-3.example:7000"
    assert not rig.radio.embedded and rig.radio.control is None
    ppmid, gsme = rig.devices
    assert ppmid.ieee == "00124B0001A2B3C4"
    assert ppmid.migration_status is MigrationStatus.DORMANT
    assert ppmid.responsible_supplier == "SUPPLIER-B"
    assert gsme.site_id == "0007654321"  # leading zeros kept as the SMSO holds it
    assert gsme.serial_port == "socket://lab-3.example:7001"
    assert gsme.migration_status is MigrationStatus.ACTIVE


def test_an_emulator_radio_port_names_its_control_channel(tmp_path: Path) -> None:
    text = GOOD.replace("baudrate = 115200", 'control = "tcp://lab-3.example:7002"')
    (rig,) = load_rigfile(write(tmp_path, text)).rigs
    assert rig.radio.control == "tcp://lab-3.example:7002"
    embedded = '[radio]\nkind = "emulated"\ncontrol = "tcp://127.0.0.1:7002"\n'
    with pytest.raises(RigFileError, match=r"radio.control: needs radio.path"):
        load_rigfile(write(tmp_path, 'name = "e"\n' + embedded))


def test_an_ezsp_radio_may_bound_the_host_ash_timer(tmp_path: Path) -> None:
    text = GOOD.replace("baudrate = 115200", 'ash = "t_rx_ack_max=0.4, ack_timeouts=0"')
    (rig,) = load_rigfile(write(tmp_path, text)).rigs
    assert rig.radio.ash == "t_rx_ack_max=0.4, ack_timeouts=0"
    assert load_rigfile(write(tmp_path, GOOD)).rigs[0].radio.ash is None  # UG101's bounds


def test_pool_of_rigs(tmp_path: Path) -> None:
    rigfile = load_rigfile(write(tmp_path, POOL.format(lock_dir=tmp_path / "locks")))
    assert [r.name for r in rigfile.rigs] == ["a", "b"]
    assert rigfile.rigs[0].radio.embedded and not rigfile.rigs[1].radio.embedded
    assert rigfile.lock_dir == tmp_path / "locks"


def test_default_rig_has_one_of_each_device() -> None:
    rig = default_rig()
    assert [d.role for d in rig.devices] == ["PPMID", "ESME", "GSME"]
    assert rig.radio.embedded


@pytest.mark.parametrize(
    "url", ["/dev/ttyUSB1", "/dev/pts/7", "socket://lab-3.example:7001", "RFC2217://lab:7002"]
)
def test_serial_port_takes_a_device_path_or_pyserial_url(tmp_path: Path, url: str) -> None:
    text = GOOD.replace("socket://lab-3.example:7001", url)
    (rig,) = load_rigfile(write(tmp_path, text)).rigs
    assert [d.serial_port for d in rig.devices] == [None, url]


def test_serial_ports_fill_only_devices_the_rig_file_gives_none(tmp_path: Path) -> None:
    (rig,) = load_rigfile(write(tmp_path, GOOD)).rigs
    ppmid, gsme = (d.ieee for d in rig.devices)
    filled = rig.with_serial_ports({ppmid: "/dev/pts/3", gsme: "/dev/pts/4"})
    assert [d.serial_port for d in filled.devices] == ["/dev/pts/3", "socket://lab-3.example:7001"]
    assert [d.serial_port for d in rig.devices] == [None, "socket://lab-3.example:7001"]
    assert filled.with_serial_ports({}) == filled
    embedded = default_rig()
    assert all(d.serial_port is None for d in embedded.devices)
    ports = {d.ieee: f"/dev/pts/{n}" for n, d in enumerate(embedded.devices)}
    assert {d.ieee: d.serial_port for d in embedded.with_serial_ports(ports).devices} == ports


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ('role = "GSME"', 'role = "WAN"'),
            "rig.toml: devices[1].role: must be one of PPMID, ESME, GSME",
        ),
        (
            ('ieee = "00124B0001A2B3C5"', 'ieee = "00124B"'),
            "rig.toml: devices[1].ieee: must be an EUI-64",
        ),
        (
            ('kind = "ezsp"', 'kind = "xbee"'),
            "rig.toml: radio.kind: must be one of emulated, ezsp, znp",
        ),
        (
            ("baudrate = 115200", 'baudrate = "fast"'),
            "rig.toml: radio.baudrate: must be an integer",
        ),
        (("baudrate = 115200", "baudrate = 12345"), "rig.toml: radio.baudrate: must be one of"),
        (
            ('path = "rfc2217://lab-3.example:7000"', ""),
            "rig.toml: radio.path: missing (a ezsp radio needs",
        ),
        (
            ('group_id = "AA"', 'group_id = "aa"'),
            "rig.toml: devices[0].group_id: must be two upper-case letters",
        ),
        (
            ('site_id = "0007654321"', 'site_id = "07-65"'),
            "rig.toml: devices[1].site_id: must be 1 to 13 digits",
        ),
        (
            ('migration_status = "dormant"', 'migration_status = "asleep"'),
            "rig.toml: devices[0].migration_status: must be one of pending, dormant, active, migrated",
        ),
        (('model = "PPMID"', 'modle = "PPMID"'), "rig.toml: devices[0].modle: unknown key"),
        (('model = "GSME"', "model = 3"), "rig.toml: devices[1].model: must be a string"),
        (
            ('ieee = "00124B0001A2B3C5"', 'ieee = "00124B0001A2B3C4"'),
            "rig.toml: devices[1].ieee: 00124B0001A2B3C4 repeats devices[0]",
        ),
        (
            ('serial_port = "socket://lab-3.example:7001"', 'serial_port = "sockt://lab-3:7001"'),
            "rig.toml: devices[1].serial_port: unknown URL scheme 'sockt' (pyserial opens ",
        ),
        (
            ('serial_port = "socket://lab-3.example:7001"', 'serial_port = "rfc2217://"'),
            "rig.toml: devices[1].serial_port: rfc2217:// names no port",
        ),
        (
            ('serial_port = "socket://lab-3.example:7001"', 'serial_port = " "'),
            "rig.toml: devices[1].serial_port: must not be empty",
        ),
        (
            ("baudrate = 115200", 'control = "lab-3.example:7002"'),
            "rig.toml: radio.control: control address must be tcp://HOST:PORT",
        ),
        (
            ("baudrate = 115200", 'control = "tcp://lab-3.example:0"'),
            "rig.toml: radio.control: control address must be tcp://HOST:PORT",
        ),
        (
            ("baudrate = 115200", 'ash = "t_rx_ack_max=fast"'),
            "rig.toml: radio.ash: ASH setting t_rx_ack_max needs a number, got 'fast'",
        ),
        (
            ("baudrate = 115200", 'ash = "ack_timeouts=-1"'),
            "rig.toml: radio.ash: ack_timeouts is 0 (never) or more",
        ),
        (
            ('kind = "ezsp"', 'kind = "znp"\nash = "t_rx_ack_max=0.8"'),
            "rig.toml: radio.ash: only for an ezsp radio",
        ),
    ],
)
def test_each_mistake_is_one_line_naming_the_key(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    old, new = edit
    assert old in GOOD
    with pytest.raises(RigFileError) as info:
        load_rigfile(write(tmp_path, GOOD.replace(old, new, 1)))
    text = str(info.value)
    assert text.startswith(message)
    assert "\n" not in text


def test_ppmid_with_a_site_id_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace('model = "PPMID"', 'model = "PPMID"\nsite_id = "123456"', 1)
    with pytest.raises(
        RigFileError, match=r"^rig.toml: devices\[0\].site_id: a PPMID has no MPAN/MPRN$"
    ):
        load_rigfile(write(tmp_path, text))


def test_pool_mistakes_name_the_rig(tmp_path: Path) -> None:
    text = POOL.format(lock_dir=tmp_path).replace(
        'role = "ESME", ieee = "0000000000000002"', 'role = "ESM", ieee = "0000000000000002"'
    )
    with pytest.raises(
        RigFileError, match=r"^rig.toml: rigs\[1\].devices\[0\].role: must be one of"
    ):
        load_rigfile(write(tmp_path, text))
    text = POOL.format(lock_dir=tmp_path).replace('name = "b"', 'name = "a"')
    with pytest.raises(RigFileError, match=r"^rig.toml: rigs\[1\].name: 'a' repeats rigs\[0\]$"):
        load_rigfile(write(tmp_path, text))


def test_broken_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RigFileError, match="^rig.toml: not valid TOML"):
        load_rigfile(write(tmp_path, "[radio\nkind="))
    with pytest.raises(RigFileError, match="no such rig file"):
        load_rigfile(tmp_path / "absent.toml")
    with pytest.raises(RigFileError, match=r"^rig.toml: devices: missing"):
        load_rigfile(write(tmp_path, '[radio]\nkind = "emulated"\n'))


def test_run_command_reports_a_bad_rig_file_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GOOD.replace('role = "GSME"', 'role = "METER"'))
    assert main(["run", "--rig", str(path), "--evidence", str(tmp_path / "ev")]) == 2
    err = capsys.readouterr().err
    assert err == "smets1-hil: error: rig.toml: devices[1].role: must be one of PPMID, ESME, GSME\n"
    assert not (tmp_path / "ev").exists()


def test_run_command_refuses_more_workers_than_rigs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GOOD)
    assert main(["run", "--rig", str(path), "-n", "2", "--evidence", str(tmp_path / "ev")]) == 2
    assert "lists 1 rig(s); -n 2 needs one rig per worker" in capsys.readouterr().err

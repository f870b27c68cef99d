"""Rig kinds: the registry, each kind's rig-file entry validated at load, ports listed by kind."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.rigfile import RigFileError, load_rigfile, parse_rigfile
from rigs import kinds
from rigs.kinds import Kind, SpecError
from rigs.spec import SERIAL, PortSpec, SerialPortSpec

RIG = """
[radio]
kind = "znp"
path = "/dev/ttyACM0"

[[devices]]
role = "GSME"
ieee = "00124B0001A2B3C5"
model = "GSME"
{ports}
"""


def write(tmp_path: Path, ports: str) -> Path:
    path = tmp_path / "rig.toml"
    path.write_text(RIG.format(ports=ports), encoding="utf-8")
    return path


def test_the_builtin_kinds_are_registered() -> None:
    assert kinds.names("radio") == ("emulated", "ezsp", "znp")
    assert kinds.names("port") == ("power", SERIAL)
    assert all(kind.summary for kind in kinds.kinds())


def test_a_device_lists_its_ports_by_kind(tmp_path: Path) -> None:
    rig = load_rigfile(write(tmp_path, '[devices.ports]\nserial = "socket://lab-3:7001"')).rigs[0]
    device = rig.devices[0]
    assert device.port_kinds == (SERIAL,)
    assert device.port(SERIAL) == SerialPortSpec("socket://lab-3:7001")
    assert device.serial_port == "socket://lab-3:7001"
    assert device.port("power") is None


def test_serial_port_is_the_serial_kind(tmp_path: Path) -> None:
    rig = load_rigfile(write(tmp_path, 'serial_port = "rfc2217://[::1]:7001"')).rigs[0]
    assert rig.devices[0].port(SERIAL) == SerialPortSpec("rfc2217://[::1]:7001")


@pytest.mark.parametrize(
    ("ports", "message"),
    [
        (
            'ports = { serial = "sockt://lab-3:7001" }',
            "rig.toml: devices[0].ports.serial: unknown URL scheme 'sockt'",
        ),
        (
            'ports = { serial = "rfc2217://[::1" }',
            "rig.toml: devices[0].ports.serial: malformed rfc2217 URL",
        ),
        (
            'serial_port = "socket://lab-3"',
            "rig.toml: devices[0].serial_port: names no port; expected socket://HOST:PORT",
        ),
        (
            "ports = { serial = 7001 }",
            "rig.toml: devices[0].ports.serial: must be a string",
        ),
        (
            'ports = { optical = "/dev/ttyUSB3" }',
            "rig.toml: devices[0].ports.optical: unknown port kind (must be one of power, serial)",
        ),
        (
            'ports = { znp = "/dev/ttyUSB3" }',
            "rig.toml: devices[0].ports.znp: unknown port kind",
        ),
        (
            'serial_port = "/dev/ttyUSB1"\nports = { serial = "/dev/ttyUSB2" }',
            "rig.toml: devices[0].serial_port: repeats devices[0].ports.serial",
        ),
        ('ports = "serial"', "rig.toml: devices[0].ports: must be a table"),
    ],
)
def test_a_bad_port_entry_is_one_line_naming_the_key(
    tmp_path: Path, ports: str, message: str
) -> None:
    with pytest.raises(RigFileError) as info:
        load_rigfile(write(tmp_path, ports))
    assert str(info.value).startswith(message), str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("radio", "message"),
    [
        ('kind = "znp"\npath = "sockt://lab:7000"', "radio.path: unknown URL scheme 'sockt'"),
        ('kind = "ezsp"\npath = "rfc2217://[::1"', "radio.path: malformed rfc2217 URL"),
        ('kind = "serial"\npath = "/dev/ttyUSB0"', "radio.kind: must be one of emulated, ezsp"),
        ('kind = "emulated"\nspeed = 3', "radio.speed: unknown key"),
    ],
)
def test_a_bad_radio_entry_is_one_line_naming_the_key(
    tmp_path: Path, radio: str, message: str
) -> None:
    text = RIG.format(ports="").replace('kind = "znp"\npath = "/dev/ttyACM0"', radio)
    path = tmp_path / "rig.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RigFileError, match=f"^rig.toml: {message}"):
        load_rigfile(path)


def test_run_exits_2_with_one_line_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, 'serial_port = "rfc2217://[::1"')
    assert main(["run", "--rig", str(path), "--evidence", str(tmp_path / "ev")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "devices[0].serial_port: malformed rfc2217 URL" in err[0]
    assert "Traceback" not in err[0]


@dataclass(frozen=True)
class ProbeSpec:
    channel: int
    kind: str = "probe"

    @property
    def address(self) -> str:
        return f"channel {self.channel}"


def _parse_probe(entry: Any, key: str) -> ProbeSpec:
    if not isinstance(entry, int) or not 1 <= entry <= 8:
        raise SpecError(key, "must be a channel from 1 to 8")
    return ProbeSpec(entry)


class ProbeDriver:
    def __init__(self, specs: Mapping[str, PortSpec], trace_dir: Path | None) -> None:
        self.specs = dict(specs)

    async def close(self) -> None:
        pass


@pytest.fixture
def probe_kind() -> Iterator[Kind]:
    kind = kinds.register(
        Kind("probe", "port", _parse_probe, lambda: ProbeDriver, "a test probe channel")
    )
    yield kind
    kinds._registry.pop("probe")


def test_a_registered_kind_is_read_from_the_rig_file(probe_kind: Kind) -> None:
    data = {
        "radio": {"kind": "emulated"},
        "devices": [
            {
                "role": "ESME",
                "ieee": "0000000000000001",
                "model": "ESME",
                "ports": {"probe": 3, "serial": "/dev/ttyUSB0"},
            }
        ],
    }
    device = parse_rigfile(data).rigs[0].devices[0]
    assert device.port("probe") == ProbeSpec(3)
    assert set(device.port_kinds) == {"probe", SERIAL}
    data["devices"][0]["ports"] = {"probe": 9}  # type: ignore[index]
    with pytest.raises(RigFileError, match=r"^rig.toml: devices\[0\].ports.probe: must be a"):
        parse_rigfile(data)


def test_a_name_is_registered_once(probe_kind: Kind) -> None:
    with pytest.raises(ValueError, match="already registered"):
        kinds.register(Kind("probe", "port", _parse_probe, lambda: ProbeDriver, "again"))

"""The suite through labgrid places: a real labgrid coordinator and exporter on 127.0.0.1, the
exporter serving two emulators' ptys through ser2net as NetworkSerialPort resources, two places.

``smets1-hil run -n 2`` acquires both places with labgrid's client, runs the packaged suite
through their resources, and releases them; a place held by another client makes the run wait,
then fail naming the holder; SIGTERM while a run holds a place releases it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from rigs.launcher import EmulatorProcess

pytest.importorskip("labgrid", reason="labgrid is not installed (pip install 'smets1-hil[test]')")
SER2NET = shutil.which("ser2net") or (
    "/usr/sbin/ser2net" if Path("/usr/sbin/ser2net").exists() else None
)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SER2NET is None, reason="ser2net is not installed (Debian package ser2net)"),
]
BIN = (
    Path(sys.executable).parent
    if (Path(sys.executable).parent / "labgrid-coordinator").exists()
    else Path(shutil.which("labgrid-coordinator") or sys.executable).parent
)
REPO = Path(__file__).resolve().parents[2]
PLACES = ("smets1-a", "smets1-b")
DEVICES = (
    ("PPMID", "0000000000000101", None),
    ("ESME", "0000000000000102", "1200023456789"),
    ("GSME", "0000000000000103", "0007654321"),
)
HOLDER = "nightly-holder"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the labgrid coordinator exited"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)  # polling a port that is not open yet, bounded by the deadline
    raise AssertionError(f"nothing listens on 127.0.0.1:{port} after {timeout:g} s")


@dataclass
class Lab:
    coordinator: str
    env: dict[str, str]

    def client(self, *args: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
        env = dict(self.env, LG_USERNAME=user) if user else self.env
        return subprocess.run(
            [str(BIN / "labgrid-client"), "-x", self.coordinator, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def holders(self) -> dict[str, str]:
        """Place name -> who holds it (``host/user``), as ``labgrid-client who`` shows it."""
        result = self.client("who")
        assert result.returncode == 0, result.stderr
        held = {}
        for line in result.stdout.splitlines()[1:]:
            user, host, place = line.split()[:3]
            held[place] = f"{host}/{user}"
        return held


def _device_file(tmp: Path) -> Path:
    lines = []
    for role, ieee, site_id in DEVICES:
        lines += ["[[devices]]", f'role = "{role}"', f'profile = "{role}"', f'ieee = "{ieee}"']
        if site_id:
            lines.append(f'site_id = "{site_id.lstrip("0")}"')
    path = tmp / "devices.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    tmp = tmp_path_factory.mktemp("lab")
    env = dict(os.environ, LG_HOSTNAME="ci-host", LG_USERNAME="ci")
    env.pop("LG_COORDINATOR", None)
    with ExitStack() as stack:
        port = _free_port()
        coordinator = subprocess.Popen(
            [str(BIN / "labgrid-coordinator"), "-l", f"127.0.0.1:{port}"],
            cwd=tmp,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp / "coordinator.log").open("wb"),
        )
        stack.callback(_stop, coordinator)
        _wait_listening(port, coordinator)
        address = f"127.0.0.1:{port}"
        exported = []
        devices_file = _device_file(tmp)
        for name in PLACES:
            emulator = stack.enter_context(
                EmulatorProcess(["--device-file", str(devices_file), "--power-http", "127.0.0.1:0"])
            )
            group = [
                f"{name}:",
                "  radio:",
                "    cls: RawSerialPort",
                f"    port: {emulator.radio}",
            ]
            for device in emulator.devices:
                role = device["role"].lower()
                group += [
                    f"  {role}-port:",
                    "    cls: RawSerialPort",
                    f"    port: {device['serial']}",
                ]
                group += [
                    f"  {role}-power:",
                    "    cls: NetworkPowerPort",
                    "    model: simplerest",
                    f"    host: '{emulator.info['power']}'",
                    f"    index: {device['power_index']}",
                ]
            exported.append("\n".join(group))
        config = tmp / "exporter.yaml"
        config.write_text("\n".join(exported) + "\n", encoding="utf-8")
        exporter = subprocess.Popen(
            [
                str(BIN / "labgrid-exporter"),
                "-c",
                address,
                "-n",
                "ci-exporter",
                "--hostname",
                "127.0.0.1",
                str(config),
            ],
            cwd=tmp,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp / "exporter.log").open("wb"),
        )
        stack.callback(_stop, exporter)
        lab = Lab(address, env)
        for name in PLACES:
            for args in (
                ("-p", name, "create"),
                ("-p", name, "add-match", f"ci-exporter/{name}/*"),
                ("-p", name, "set-tags", "suite=smets1"),
            ):
                result = lab.client(*args)
                assert result.returncode == 0, result.stderr
        _wait_for_resources(lab, tmp)
        yield lab


def _wait_for_resources(lab: Lab, tmp: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = lab.client("resources")
        if all(
            f"ci-exporter/{name}/{cls}" in result.stdout
            for name in PLACES
            for cls in ("NetworkSerialPort", "NetworkPowerPort")
        ):
            return
        time.sleep(0.2)  # the exporter registers its resources after it connects; bounded
    log = (tmp / "exporter.log").read_text(errors="replace")[-2000:]
    raise AssertionError(f"the exporter's resources did not appear: {log}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def rig_file(tmp: Path, lab: Lab, rigs: str) -> Path:
    devices = []
    for role, ieee, site_id in DEVICES:
        entry = [
            "[[rigs.devices]]",
            f'role = "{role}"',
            f'ieee = "{ieee}"',
            f'model = "{role}"',
            (
                f'ports = {{ serial = {{ resource = "{role.lower()}-port" }}, '
                f'power = {{ resource = "{role.lower()}-power" }} }}'
            ),
            'group_id = "AA"',
            'installing_supplier = "SUPPLIER-A"',
            'responsible_supplier = "SUPPLIER-B"',
            'installation_id = "INST-0001"',
        ]
        if site_id:
            entry.append(f'site_id = "{site_id}"')
        devices.append("\n".join(entry))
    text = f'[labgrid]\ncoordinator = "{lab.coordinator}"\n\n[[rigs]]\n{rigs}\n'
    text += 'radio = { kind = "emulated", resource = "radio" }\n\n' + "\n\n".join(devices) + "\n"
    path = tmp / "rig.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run(tmp: Path, lab: Lab, *args: str, timeout: float = 600) -> subprocess.Popen[str]:
    env = dict(lab.env, PYTHONPATH=str(REPO) + os.pathsep + lab.env.get("PYTHONPATH", ""))
    return subprocess.Popen(
        [sys.executable, "-m", "harness", "run", "--rig", "rig.toml", *args],
        cwd=tmp,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_suite_runs_through_two_labgrid_places(tmp_path: Path, lab: Lab) -> None:
    rig_file(tmp_path, lab, 'tags = { suite = "smets1" }')
    process = run(tmp_path, lab, "-n", "2", "--evidence", "bundle", "-q")
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, out[-3000:] + err[-3000:]
    assert {f"acquired labgrid place {p}" for p in PLACES} <= set(_lines(err))
    assert {f"released labgrid place {p}" for p in PLACES} <= set(_lines(err))
    summary = json.loads((tmp_path / "bundle" / "summary.json").read_text())
    verdicts = {e["verdict"] for e in summary["requirements"].values() if e["selected"]}
    assert verdicts == {"pass"}
    records = [json.loads(p.read_text()) for p in (tmp_path / "bundle" / "records").glob("*.json")]
    assert {r["rig"]["name"] for r in records} == set(PLACES)
    radios = {r["rig"]["radio"]["path"] for r in records}
    assert len(radios) == 2 and all(p.startswith("rfc2217://127.0.0.1:") for p in radios)
    assert lab.holders() == {}


def test_a_busy_place_makes_the_run_wait_then_fail_naming_the_holder(
    tmp_path: Path, lab: Lab
) -> None:
    held = lab.client("-p", PLACES[0], "acquire", user=HOLDER)
    assert held.returncode == 0, held.stderr
    try:
        rig_file(tmp_path, lab, f'place = "{PLACES[0]}"')
        started = time.monotonic()
        process = run(tmp_path, lab, "--acquire-timeout", "3", "--evidence", "bundle")
        out, err = process.communicate(timeout=120)
        waited = time.monotonic() - started
    finally:
        lab.client("-p", PLACES[0], "release", user=HOLDER)
    assert process.returncode == 2, out + err
    lines = _lines(err)
    assert any(
        line.startswith("waiting up to") and "ci-host/nightly-holder" in line for line in lines
    )
    assert f"{PLACES[0]} is held by ci-host/{HOLDER}" in lines[-1], lines
    assert waited >= 3
    assert PLACES[0] not in lab.holders()


def test_sigterm_releases_the_places_a_run_holds(tmp_path: Path, lab: Lab) -> None:
    rig_file(tmp_path, lab, f'place = "{PLACES[1]}"')
    process = run(tmp_path, lab, "--evidence", "bundle", "-q")
    assert process.stderr is not None
    for line in process.stderr:
        if line.strip() == f"smets1-hil: acquired labgrid place {PLACES[1]}":
            break
    else:
        pytest.fail(f"the run never acquired the place: {process.communicate()}")
    assert lab.holders()[PLACES[1]] == "ci-host/ci"
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode != 0
    assert f"smets1-hil: released labgrid place {PLACES[1]}" in err.splitlines(), err[-2000:]
    assert PLACES[1] not in lab.holders()


def _lines(text: str) -> list[str]:
    return [line.removeprefix("smets1-hil: ").strip() for line in text.splitlines()]

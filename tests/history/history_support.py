"""Support for the results-database tests: suite runs against an emulator whose devices can be
slowed, the smets1-hil command line in a child process, a PostgreSQL server of our own, and
headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
CHROMIUM = Path("/usr/bin/chromium")
PPMID = "00137A0100000001"
OTA_SCENARIO = "delivers_image_to_ppmid and IOC"


@dataclass
class Result:
    code: int
    out: str
    err: str


def smets1_hil(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 240
) -> Result:
    full_env = dict(
        os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")
    )
    full_env.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def device_file(response_delay_ms: int) -> str:
    """One PPMID whose every frame is delayed ``response_delay_ms`` (docs/device-file.md)."""
    return (
        f'[[devices]]\nrole = "PPMID"\nieee = "{PPMID}"\n'
        f"[devices.faults]\nresponse_delay_ms = {response_delay_ms}\n"
    )


def rig_file(radio: str, targets: str = "") -> str:
    return (
        f'name = "lab-1"\n{targets}\n[radio]\nkind = "emulated"\npath = "{radio}"\n'
        f'[[devices]]\nrole = "PPMID"\nieee = "{PPMID}"\nmodel = "PPMID"\n'
    )


def run_ota_scenario(
    work: Path, name: str, db: str, *, response_delay_ms: int = 0, targets: str = ""
) -> Result:
    """``smets1-hil run`` of the PPMID OTA scenario against an emulator (rig ``lab-1``) whose
    PPMID answers ``response_delay_ms`` late, recording into ``db``."""
    from rigs.emulator import EmulatorProcess

    devices = work / f"{name}-devices.toml"
    devices.write_text(device_file(response_delay_ms), encoding="utf-8")
    with EmulatorProcess(["--device-file", str(devices), "--no-test-ports"]) as emulator:
        rig = work / f"{name}-rig.toml"
        rig.write_text(rig_file(emulator.radio, targets), encoding="utf-8")
        return smets1_hil(
            "run",
            "--rig",
            str(rig),
            "-k",
            OTA_SCENARIO,
            "--evidence",
            str(work / name),
            "--db",
            db,
            "-q",
            cwd=work,
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def postgres_server() -> Iterator[str]:
    """A throw-away PostgreSQL 15 cluster on 127.0.0.1 (as user ``nobody`` when we are root);
    yields its URL and stops it at the end."""
    base = Path(tempfile.mkdtemp(prefix="smets1-hil-pg-"))
    data = base / "data"
    port = free_port()
    as_user: list[str] = []
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "nobody", "--"]
        shutil.chown(base, "nobody")
    try:
        subprocess.run(
            [
                *as_user,
                str(PG_BIN / "initdb"),
                "-D",
                str(data),
                "-U",
                "hil",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        subprocess.run(
            [
                *as_user,
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(base / "log"),
                "-w",
                "-t",
                "60",
                "-o",
                f"-h 127.0.0.1 -p {port} -k {base} -F",
                "start",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        try:
            yield f"postgresql://hil@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(
                [*as_user, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                capture_output=True,
                timeout=60,
                check=False,
            )
    finally:
        shutil.rmtree(base, ignore_errors=True)


def chromium(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    """Headless Chromium with a fresh profile, nothing fetched from the network."""
    profile = tempfile.mkdtemp(prefix="smets1-hil-chromium-")
    try:
        return subprocess.run(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def run_pytest(cwd: Path, *args: str, timeout: float = 180) -> Result:
    """pytest with the smets1-hil plugin in a child process (the plugin-only arguments)."""
    from harness.plugin.loading import plugin_args

    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:benchmark",
            *plugin_args(),
            *args,
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)

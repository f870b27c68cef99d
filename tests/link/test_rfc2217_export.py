"""``smets1-hil export``: a local port served as RFC 2217, used through rfc2217:// on loopback."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from rigs.link import LinkClosed, open_link, open_pty_pair

pytestmark = pytest.mark.timeout(60)

REPO = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


async def _start(*args: str) -> tuple[asyncio.subprocess.Process, dict[str, object]]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "harness",
        "export",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=_env(),
        cwd=str(REPO),
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 20)
    assert line, "export printed nothing"
    return process, json.loads(line)


async def test_export_of_a_pty_both_ways_and_clean_shutdown() -> None:
    master, path = open_pty_pair()
    process, info = await _start("--port", path, "--listen", "127.0.0.1:0")
    try:
        assert info["export"] == path and info["host"] == "127.0.0.1"
        assert info["url"] == f"rfc2217://127.0.0.1:{info['port']}"
        client = await open_link(str(info["url"]))
        try:
            payload = bytes(range(256)) * 40  # IAC (0xFF) and every other byte value
            await client.write(payload)
            assert await master.read_exactly(len(payload), timeout=10) == payload
            await master.write(payload)
            assert await client.read_exactly(len(payload), timeout=10) == payload
        finally:
            await client.close()
        # a second client after the first one left
        again = await open_link(str(info["url"]))
        await again.write(b"again")
        assert await master.read_exactly(5, timeout=10) == b"again"
        await again.close()
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await master.close()


async def test_export_reports_a_lost_port_and_drops_the_client() -> None:
    master, path = open_pty_pair()
    process, info = await _start("--port", path)
    try:
        client = await open_link(str(info["url"]))
        await master.close()
        with pytest.raises(LinkClosed):
            await asyncio.wait_for(client.read(), 10)
        await client.close()
        assert await asyncio.wait_for(process.wait(), 10) == 1
        assert process.stderr is not None
        err = (await process.stderr.read()).decode()
        assert err.startswith(f"smets1-hil: error: lost {path}")
        assert "Traceback" not in err
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--port", "/nonexistent/ttyUSB9"],
            "smets1-hil: error: cannot open /nonexistent/ttyUSB9: no such port",
        ),
        (
            ["--port", "loop://", "--listen", "nonsense"],
            "smets1-hil: error: --listen must be HOST:PORT",
        ),
        (
            ["--port", "loop://", "--listen", "127.0.0.1:99999"],
            "smets1-hil: error: --listen port 99999 is out of range",
        ),
    ],
)
def test_user_mistakes_are_one_line(args: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "harness", "export", *args],
        capture_output=True,
        check=False,
        text=True,
        env=_env(),
        cwd=str(REPO),
        timeout=30,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(message)
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr

"""An emulator started by EmulatorProcess ends when the process that started it is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]

# A harness stand-in: starts an emulator (from its main thread or from another thread), says the
# emulator's pid, then waits to be killed.
PARENT = textwrap.dedent(
    """
    import sys, threading
    from rigs.emulator import EmulatorProcess

    started = {}

    def start():
        started["emulator"] = EmulatorProcess(["--esmes", "0", "--gsmes", "0"]).start()

    if sys.argv[1] == "main-thread":
        start()
    else:
        worker = threading.Thread(target=start)
        worker.start()
        worker.join()  # the thread that started the emulator is gone from here on
    print(started["emulator"].pid, flush=True)
    sys.stdin.read()
    """
)


def _gone(pid: int) -> bool:
    """True once ``pid`` has exited (a zombie nobody reaped counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


@pytest.mark.parametrize("started_from", ["main-thread", "worker-thread"])
def test_emulator_ends_when_its_parent_is_killed(started_from: str) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, started_from],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    emulator_pid = None
    try:
        assert parent.stdout is not None
        line = parent.stdout.readline()
        assert line.strip().isdigit(), f"parent did not start an emulator: {line!r}"
        emulator_pid = int(line)
        # a worker thread that ended does not take the emulator with it
        assert not _gone(emulator_pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 15
        while not _gone(emulator_pid):
            assert time.monotonic() < deadline, "the emulator outlived its killed parent"
            time.sleep(0.05)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if emulator_pid is not None and not _gone(emulator_pid):
            os.kill(emulator_pid, signal.SIGKILL)


def test_an_emulator_whose_parent_is_already_gone_does_not_start() -> None:
    """The parent named is not (or no longer) the emulator's parent: it ends at once."""
    proc = subprocess.run(
        [sys.executable, "-m", "rigs.emulator", "--exit-with-parent", str(os.getppid())],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 1 and proc.stdout == ""


def test_without_the_option_the_emulator_ignores_its_parent() -> None:
    """``smets1-hil emulate`` from a shell: no parent watch unless EmulatorProcess asks for it."""
    from rigs.emulator.process import build_parser

    args = build_parser().parse_args([])
    assert args.exit_with_parent is None and not args.parent_death_signal

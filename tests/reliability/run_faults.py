"""Support for the fault matrix: ``smets1-hil run`` as a real subprocess, its process tree, and
what every way a run ends must leave behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 240
FAST_SCENARIOS = "mprn"  # eleven short scenarios on the embedded rig


@dataclass
class RunProcess:
    """A ``smets1-hil run`` started in ``cwd`` writing its bundle to ``bundle``."""

    process: subprocess.Popen[str]
    bundle: Path
    out: str = ""
    err: str = ""
    descendants: set[int] = field(default_factory=set)

    def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                out, err = self.process.communicate()
                raise AssertionError(f"the run ended before {what}:\n{out[-2000:]}\n{err[-2000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            self.descendants |= descendants(self.process.pid)
            time.sleep(0.05)  # polling a directory, not covering a race

    def records(self) -> list[dict[str, Any]]:
        found = []
        for path in sorted((self.bundle / "records").glob("*.json")):
            found.append(json.loads(path.read_text(encoding="utf-8")))
        return found

    def summary(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.bundle / "summary.json").read_text("utf-8"))
        return data

    def signal(self, signum: int) -> None:
        self.descendants |= descendants(self.process.pid)
        self.process.send_signal(signum)

    def finish(self, timeout: float = RUN_TIMEOUT_S) -> int:
        self.out, self.err = self.process.communicate(timeout=timeout)
        return self.process.returncode


def start_run(
    work: Path,
    *args: str,
    keyword: str | None = FAST_SCENARIOS,
    preexec_fn: Callable[[], None] | None = None,
    bundle: Path | None = None,
) -> RunProcess:
    bundle = bundle if bundle is not None else work / "bundle"
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    command = [sys.executable, "-m", "harness", "run", "--evidence", str(bundle), *args]
    if keyword:
        command += ["-k", keyword]
    process = subprocess.Popen(
        command,
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=preexec_fn,  # noqa: PLW1509 (only a setrlimit and a signal disposition)
    )
    return RunProcess(process, bundle)


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    """True if ``pid`` runs (a zombie waiting for its parent counts as ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def wait_gone(pids: set[int], timeout: float = 15) -> set[int]:
    """The processes of ``pids`` still running after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    left = {p for p in pids if alive(p)}
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = {p for p in left if alive(p)}
    return left


def temp_files(bundle: Path) -> list[Path]:
    return [p for p in bundle.rglob("*") if p.name.endswith(".tmp")]


def no_false_pass(run: RunProcess) -> None:
    """A requirement is PASS only if every scenario planned for it has a record that passed."""
    plan_file = run.bundle / "plan.json"  # absent when the run stopped before collecting
    plan = json.loads(plan_file.read_text("utf-8"))["scenarios"] if plan_file.is_file() else []
    verdicts = {r["scenario"]: r["verdict"] for r in run.records()}
    for rid, entry in run.summary()["requirements"].items():
        if entry["verdict"] != "pass":
            continue
        planned = [s["scenario"] for s in plan if rid in s["requirements"]]
        assert planned, rid
        assert all(verdicts.get(s) == "pass" for s in planned), (rid, verdicts)


def kill_signal_name(signum: int) -> str:
    return signal.Signals(signum).name

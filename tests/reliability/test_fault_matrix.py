"""The fault matrix: ``smets1-hil run`` (a real subprocess on the embedded emulated rig) ended or
hurt in each way a lab sees, asserting that finished records survive, the verdict is right and no
false PASS appears.

- SIGINT, SIGTERM, SIGHUP once scenarios have finished: exit 128 + signal, the bundle finished
  (junit.xml, report.html, manifest that verifies), no temporary file, every emulator process gone.
- SIGTERM while the rig is still coming up (before any record).
- SIGKILL: nothing can be finished, but the finished records are whole and the summary says
  interrupted.
- The emulator killed in the middle of the run: the scenarios it leaves are ``error`` (a rig
  fault), never ``pass`` or ``fail``.
- A disk that fills (RLIMIT_FSIZE with SIGXFSZ ignored, so a write past the limit fails with
  EFBIG): one line saying so, a non-zero exit, no INTERNALERROR flood, no false PASS.
- A read-only evidence folder: one clear line, exit 2.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
from pathlib import Path

import pytest
from run_faults import (
    RunProcess,
    alive,
    no_false_pass,
    start_run,
    temp_files,
    wait_gone,
)

from harness.evidence.manifest import verify_bundle

pytestmark = [pytest.mark.timeout(300), pytest.mark.skipif(os.name != "posix", reason="POSIX")]


def _first_record(run: RunProcess) -> None:
    run.wait_for(lambda: any((run.bundle / "records").glob("*.json")), "the first record")


def _assert_finished_bundle(run: RunProcess) -> None:
    for name in ("summary.json", "junit.xml", "report.html", "manifest.sha256"):
        assert (run.bundle / name).is_file(), name
    assert verify_bundle(run.bundle) == []
    assert temp_files(run.bundle) == []
    summary = run.summary()
    assert summary["finished"] is not None
    no_false_pass(run)


@pytest.mark.parametrize(
    "signum",
    [signal.SIGTERM, signal.SIGHUP, signal.SIGINT],
    ids=lambda signum: signal.Signals(signum).name,
)
def test_signal_mid_run_finishes_the_bundle(tmp_path: Path, signum: int) -> None:
    run = start_run(tmp_path)
    try:
        _first_record(run)
        run.signal(signum)
        code = run.finish()
    finally:
        if run.process.poll() is None:
            run.process.kill()
    assert code == 128 + signum, run.err[-2000:]
    assert "Traceback" not in run.err
    _assert_finished_bundle(run)
    summary = run.summary()
    records = run.records()
    assert records and all(r["verdict"] in ("pass", "error") for r in records)
    counts = summary["scenarios"]
    assert summary["interrupted"] is True or counts["not-run"] == 0
    assert wait_gone(run.descendants) == set(), "emulator or worker processes outlived the run"


def test_sigterm_during_bring_up(tmp_path: Path) -> None:
    run = start_run(tmp_path)
    try:
        run.wait_for(lambda: (run.bundle / "summary.json").is_file(), "the running summary")
        run.signal(signal.SIGTERM)
        code = run.finish()
    finally:
        if run.process.poll() is None:
            run.process.kill()
    assert code == 128 + signal.SIGTERM, run.err[-2000:]
    _assert_finished_bundle(run)
    assert run.summary()["interrupted"] is True
    assert wait_gone(run.descendants) == set()


def test_sigkill_keeps_finished_records(tmp_path: Path) -> None:
    run = start_run(tmp_path)
    try:
        _first_record(run)
        run.signal(signal.SIGKILL)
        code = run.finish()
    finally:
        if run.process.poll() is None:
            run.process.kill()
    assert code == -signal.SIGKILL
    records = run.records()  # every .json record parses: none is half written
    assert records and all(r["verdict"] == "pass" for r in records)
    summary = run.summary()
    assert summary["interrupted"] is True and summary["finished"] is None
    assert not (run.bundle / "manifest.sha256").exists()
    no_false_pass(run)
    # the emulator notices its parent is gone and ends by itself
    assert wait_gone(run.descendants, timeout=30) == set()


def _emulators(run: RunProcess) -> list[int]:
    found = []
    for pid in run.descendants:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"rigs.emulator" in command:
            found.append(pid)
    return found


def test_emulator_killed_mid_run_is_a_rig_fault(tmp_path: Path) -> None:
    run = start_run(tmp_path, keyword="mprn or firmware")
    try:
        _first_record(run)
        run.wait_for(lambda: bool(_emulators(run)), "the emulator process")
        for pid in _emulators(run):
            os.kill(pid, signal.SIGKILL)
        code = run.finish()
    finally:
        if run.process.poll() is None:
            run.process.kill()
    assert code == 1, run.err[-2000:]
    _assert_finished_bundle(run)
    records = run.records()
    verdicts = [r["verdict"] for r in records]
    assert "error" in verdicts, verdicts
    assert "fail" not in verdicts, [(r["scenario"], r["failure"]) for r in records]


DISK_LIMIT = 12 * 1024  # bytes per file: the radio trace passes it within the first scenarios


def _limit_file_size(limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_disk_full_is_one_line_and_never_a_pass(tmp_path: Path) -> None:
    run = start_run(tmp_path, preexec_fn=lambda: _limit_file_size(DISK_LIMIT))
    try:
        code = run.finish()
    finally:
        if run.process.poll() is None:
            run.process.kill()
    assert code not in (0, 128 + signal.SIGTERM), (code, run.err[-3000:])
    assert run.out.count("INTERNALERROR") == 0 and run.err.count("INTERNALERROR") == 0
    errors = [line for line in run.err.splitlines() if line.startswith("smets1-hil: ")]
    assert errors and "File too large" in errors[-1], run.err[-3000:]
    assert temp_files(run.bundle) == []
    assert run.records(), "the scenarios finished before the disk filled lost their records"
    if (run.bundle / "summary.json").is_file():
        assert run.summary()["interrupted"] is True
        no_false_pass(run)
    for record in run.records():
        assert record["verdict"] in ("pass", "error")


def _read_only_folder(tmp_path: Path) -> Path | None:
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return folder
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    return folder if mounted.returncode == 0 else None


def test_read_only_evidence_folder_is_one_line(tmp_path: Path) -> None:
    folder = _read_only_folder(tmp_path)
    if folder is None:
        pytest.skip("running as root without permission to mount a read-only file system")
    try:
        run = start_run(tmp_path, bundle=folder / "bundle")
        code = run.finish()
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", str(folder)], check=False)
        else:
            folder.chmod(0o755)
    assert code == 2, run.err[-2000:]
    lines = run.err.strip().splitlines()
    assert (
        lines[-1].startswith("smets1-hil: error: ")
        and "Read-only file system" in lines[-1]
        or ("Permission denied" in lines[-1])
    ), run.err[-2000:]
    assert "Traceback" not in run.err
    assert not alive(run.process.pid)

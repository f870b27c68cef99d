"""``smets1-hil run`` as a user calls it: options passed through to pytest, honest header."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pytest_subprocess import REPO, run_pytest

from harness.suites.uplift_1_2 import SUITE_DIR


def smets1_hil(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        XDG_CACHE_HOME=str(cwd / "cache"),
        **(env or {}),
    )
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_pytest_options_pass_through_relative_to_the_callers_directory(tmp_path: Path) -> None:
    result = smets1_hil(
        tmp_path,
        "run",
        "-k",
        "ioc_mprn and AA",
        "--evidence",
        "bundle",
        "--",
        "--junitxml=own-junit.xml",
        "-x",
        env={"COLUMNS": "72"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (tmp_path / "own-junit.xml").is_file()  # relative to where the user ran it
    assert "configfile: pytest.ini" in result.stdout and "/dev/null" not in result.stdout
    # scenarios are named relative to the suite, wherever the run was started
    assert "test_mprn.py::test_ioc_mprn_with_leading_zeros_validates[AA] PASSED" in result.stdout
    assert (tmp_path / "cache" / "smets1-hil" / "pytest").is_dir()  # --lf has a cache to read
    # the verdict table fits the terminal, and a pipe gets no colour codes
    after = result.stdout[result.stdout.index("\nrequirement ") :].splitlines()[1:]
    table = [line for line in after if not line.startswith("evidence: ")]
    assert table and all(len(line) <= 72 for line in table), table
    assert "\x1b[" not in result.stdout


def test_unknown_option_without_the_separator_is_one_line(tmp_path: Path) -> None:
    result = smets1_hil(tmp_path, "run", "--lf")
    assert result.returncode == 2
    assert "unrecognized arguments: --lf" in result.stderr and "Traceback" not in result.stderr


SHARED_XSD = REPO.parent / "shared" / "duis" / "DUIS Schema V5.4.xsd"
ONE_DUIS_SCENARIO = "read_firmware_version_of_ppmid and IOC"


def _records(bundle: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in (bundle / "records").glob("*.json")]


def test_require_schema_without_an_xsd_is_one_line_and_runs_nothing(tmp_path: Path) -> None:
    result = smets1_hil(
        tmp_path,
        "run",
        "--require-schema",
        "--evidence",
        "bundle",
        env={"SMETS1_HIL_DUIS_XSD": str(tmp_path / "absent.xsd")},
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no DUIS XSD found (tried" in result.stderr
    assert not (tmp_path / "bundle").exists()


def test_a_missing_rig_file_is_the_only_line_even_without_an_xsd(tmp_path: Path) -> None:
    """A mistake in the command is said alone: the missing-XSD warning waits for a valid one."""
    absent = tmp_path / "absent.toml"
    result = smets1_hil(
        tmp_path,
        "run",
        "--rig",
        str(absent),
        env={"SMETS1_HIL_DUIS_XSD": str(tmp_path / "absent.xsd")},
    )
    assert result.returncode == 2
    assert result.stderr == f"smets1-hil: error: {absent}: no such rig file\n"


def test_without_an_xsd_the_run_warns_once_and_every_exchange_says_so(tmp_path: Path) -> None:
    result = smets1_hil(
        tmp_path,
        "run",
        "-k",
        ONE_DUIS_SCENARIO,
        "--evidence",
        "bundle",
        env={"SMETS1_HIL_DUIS_XSD": str(tmp_path / "absent.xsd")},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stderr.count("warning: no DUIS XSD found") == 1
    exchanges = [e for r in _records(tmp_path / "bundle") for e in r["duis"]]
    assert exchanges and all(e["schema"]["validated"] is False for e in exchanges)
    assert "absent.xsd" in exchanges[0]["schema"]["reason"]
    summary = json.loads((tmp_path / "bundle" / "summary.json").read_text())
    assert summary["run"]["duis_xsd"] is None
    assert any("not validated" in note for note in summary["notes"])
    assert "DUIS XML was not validated" in (tmp_path / "bundle" / "report.html").read_text()


@pytest.mark.skipif(not SHARED_XSD.is_file(), reason=f"DUIS XSD not found at {SHARED_XSD}")
def test_with_an_xsd_every_exchange_names_it_by_hash(tmp_path: Path) -> None:
    result = smets1_hil(
        tmp_path, "run", "-k", ONE_DUIS_SCENARIO, "--evidence", "b", "--duis-xsd", str(SHARED_XSD)
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "warning" not in result.stderr
    digest = hashlib.sha256(SHARED_XSD.read_bytes()).hexdigest()
    exchanges = [e for r in _records(tmp_path / "b") for e in r["duis"]]
    assert exchanges
    for exchange in exchanges:
        assert exchange["schema"]["validated"] is True and exchange["schema"]["valid"] is True
        assert exchange["schema"]["xsd_sha256"] == digest
    summary = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert summary["run"]["duis_xsd"]["sha256"] == digest


def test_signed_run_verifies_with_the_public_key(tmp_path: Path) -> None:
    assert smets1_hil(tmp_path, "evidence", "keygen", "--out", "lab").returncode == 0
    result = smets1_hil(
        tmp_path, "run", "-k", "ioc_mprn and AA", "--evidence", "b", "--sign-key", "lab.key"
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    verify = smets1_hil(tmp_path, "evidence", "verify", "b", "--pubkey", "lab.pub")
    assert verify.returncode == 0 and "signature good" in verify.stdout
    bad = smets1_hil(tmp_path, "run", "--sign-key", "missing.key", "--evidence", "c")
    assert bad.returncode == 2 and "missing.key: cannot read the signing key" in bad.stderr


BAD_RIG = (
    '[radio]\nkind = "znp"\npath = "/dev/ttyNOPE0"\n'
    '[[devices]]\nrole = "PPMID"\nieee = "0000000000000101"\nmodel = "PPMID"\ngroup_id = "AA"\n'
)
BAD_POOL = "".join(  # two rigs, neither of which can start
    f'[[rigs]]\nname = "r{n}"\nradio = {{ kind = "znp", path = "/dev/ttyNOPE{n}" }}\n'
    'devices = [{ role = "PPMID", ieee = "0000000000000101", model = "PPMID" }]\n'
    for n in range(2)
)


def _one_preflight_line(result: subprocess.CompletedProcess[str], port: str) -> None:
    output = result.stdout + result.stderr
    lines = [line for line in output.splitlines() if "pre-flight:" in line]
    assert len(lines) == 1, output[-3000:]
    assert lines[0].startswith("smets1-hil: error: pre-flight: rig ")
    assert f"cannot open {port}" in lines[0] and lines[0] in result.stderr
    assert "FAILED" not in output and "ERROR at setup" not in output
    assert "Exit" not in output and "Traceback" not in output and "!!!" not in output


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "two-workers"])
def test_a_rig_that_cannot_start_is_one_line_exit_2_and_no_bundle(
    tmp_path: Path, workers: list[str]
) -> None:
    """With -n, each worker brings its own rig up before the controller hands out a scenario."""
    (tmp_path / "rig.toml").write_text(BAD_POOL)
    result = smets1_hil(
        tmp_path, "run", "--rig", "rig.toml", "--evidence", "ev", "-k", "ppmid", *workers
    )
    assert result.returncode == 2, result.stdout[-3000:] + result.stderr[-3000:]
    _one_preflight_line(result, "/dev/ttyNOPE")
    assert not (tmp_path / "ev").exists()


def test_under_pytest_a_rig_that_cannot_start_is_one_line_exit_4(tmp_path: Path) -> None:
    (tmp_path / "rig.toml").write_text(BAD_RIG)
    result = run_pytest(
        tmp_path, str(SUITE_DIR), "-q", "--hil-rig", "rig.toml", "-k", "read_firmware_version"
    )
    assert result.returncode == 4, result.stdout[-3000:] + result.stderr[-3000:]
    _one_preflight_line(result, "/dev/ttyNOPE0")

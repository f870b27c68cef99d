"""``bench ota --rig FILE``: a rig file naming a real radio library (bellows) against the emulated
EmberZNet co-processor, and the emulated radio link; sizes, outputs and the target."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.cli import main
from rigs.emulator import EmulatorProcess

pytestmark = pytest.mark.slow

ESME = "00137A0100000102"


@pytest.fixture(scope="module", params=["ezsp", "emulated"])
def rig_file(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """A rig file for an emulator hosting one ESME behind the given co-processor kind."""
    kind = str(request.param)
    work = tmp_path_factory.mktemp(f"bench-{kind}")
    devices = work / "devices.toml"
    devices.write_text(f'[[devices]]\nrole = "ESME"\nieee = "{ESME}"\n', encoding="utf-8")
    args = ["--device-file", str(devices), "--no-test-ports"]
    if kind == "ezsp":
        args = ["--coprocessor", "ezsp", *args]
    with EmulatorProcess(args) as emulator:
        path = work / "rig.toml"
        path.write_text(
            f'[radio]\nkind = "{kind}"\npath = "{emulator.radio}"\n\n'
            f'[[devices]]\nrole = "ESME"\nieee = "{ESME}"\nmodel = "ESME"\n',
            encoding="utf-8",
        )
        yield path


def test_bench_through_the_rig_file_writes_the_timeline(
    rig_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = ["bench", "ota", "--rig", str(rig_file), "--size", "6K", "--block", "48"]
    assert main([*argv, "--out", str(out), "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["device"] == ESME and facts["image_size"] == 6 * 1024
    assert facts["radio"] == rig_file.read_text().split('"')[1]  # the kind the file names
    row = facts["rounds"][0]
    assert row["blocks"] == 128 and row["retries"] == 0
    assert row["block_p99_ms"] >= row["block_p95_ms"] >= row["block_p50_ms"] > 0
    assert row["harness_cpu_ms_per_block"] > 0
    with (out / "timeline.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["offset"]) for r in rows] == list(range(0, 6 * 1024, 48))
    assert rows[-1]["latency_ms"] == "" and float(rows[1]["at_ms"]) > 0
    assert len(json.loads((out / "timeline.json").read_text())) == 128
    svg = (out / "latency.svg").read_text()
    assert svg.startswith("<svg") and "<polyline" in svg


def test_a_target_above_what_is_reached_exits_1_naming_it(
    rig_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["bench", "ota", "--rig", str(rig_file), "--size", "2K", "--target", "100000"]
    assert main(argv) == 1
    assert "target 100000 MB/min" in capsys.readouterr().err


def test_a_size_over_the_device_limit_names_both_numbers(
    rig_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", "ota", "--rig", str(rig_file), "--size", "2M"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "2097152" in err[0] and "1048576" in err[0]

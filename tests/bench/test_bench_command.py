"""``smets1-hil bench``: the figures it prints come from real runs, and mistakes are one line."""

from __future__ import annotations

import json

import pytest

from harness.cli import main


def test_codecs_reports_every_implementation_and_anchor(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "codecs", "--budget", "0.01", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    seen = {(f["operation"], f["implementation"]) for f in figures}
    for operation in ("ash encode", "ash decode", "ash stream 1 MiB", "crc16 64 B", "crc16 1 MiB"):
        assert (operation, "compiled") in seen
        assert (operation, "pure") in seen
    assert ("crc16 1 MiB", "binascii.crc_hqx") in seen
    assert ("ash encode", "bellows") in seen
    assert all(f["seconds_per_call"] > 0 for f in figures)


def test_ota_moves_the_image_through_the_embedded_rig(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "ota", "--role", "ESME", "--size", "8K", "--rounds", "2", "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["transport"] == "zigbee-ota"
    assert facts["block_size"] == 64
    assert abs(facts["image_size"] - 8 * 1024) < 256
    assert len(facts["rounds"]) == 2
    for row in facts["rounds"]:
        assert row["seconds"] > 0
        assert row["blocks_per_s"] > 0
        assert row["block_p95_ms"] >= row["block_p50_ms"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["znp", "ezsp"])
def test_ota_through_each_coprocessor_kind_of_the_embedded_emulator(
    kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["bench", "ota", "--coprocessor", kind, "--role", "ESME", "--size", "4K", "--json"]
    assert main(argv) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["radio"] == kind
    assert facts["role"] == "ESME"
    (row,) = facts["rounds"]
    assert row["blocks"] >= 4096 // 64
    assert row["harness_cpu_ms_per_block"] > 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bench", "ota", "--rounds", "0"], "--rounds: must be at least 1"),
        (
            ["bench", "ota", "--coprocessor", "znp", "--radio", "socket://127.0.0.1:9"],
            "--coprocessor is for the embedded emulator",
        ),
        (["bench", "ota", "--radio", "socket://127.0.0.1:9"], "--radio needs --device"),
        (
            ["bench", "ota", "--radio", "/dev/no-such-radio", "--device", "00137A0100000001"],
            "cannot open",
        ),
        (["bench", "serial", "--loss", "1.5"], "--loss: must be in [0, 1)"),
        (["bench", "serial", "--port", "loop://", "--loss", "0.1"], "do not apply to --port"),
    ],
)
def test_mistakes_are_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("smets1-hil: error: ")
    assert message in err[0]

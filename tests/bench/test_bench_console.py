"""What bench prints: progress with rate and time left, no line-rate percentage without a line
rate, and a reason for each empty anchor cell."""

from __future__ import annotations

import io

import pytest

from harness.bench.codecs import BELLOWS_MISSING, CodecFigure, format_table
from harness.bench.progress import TransferProgress, progress_line
from harness.bench.transfer import TransferFigures, format_figures
from harness.cli import main
from harness.cli.cmd_bench import serial_line_rate


def test_progress_shows_rate_and_time_left() -> None:
    assert progress_line(0, 262144, 0.0) == "  0% (0/262144 bytes)"
    line = progress_line(131072, 262144, 2.0)  # half in 2 s: 2 s to go
    assert line == " 50% (131072/262144 bytes), 3.93 MB/min, 0:02 left"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_on_a_terminal_one_line_is_rewritten_at_most_twice_a_second() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = TransferProgress("round 1/1", stream, tty=True, clock=clock)
    for done in range(0, 262144 + 1, 4096):  # 65 reports, 0.1 s apart
        progress(done, 262144)
        clock.now += 0.1
    text = stream.getvalue()
    updates = text.split("\r")[1:]
    assert 10 <= len(updates) <= 15  # 6.4 s of reports: about one every 0.5 s, and the last
    assert all(u.startswith("round 1/1: ") for u in updates)
    assert updates[-1] == "round 1/1: 100% (262144/262144 bytes), 2.46 MB/min, 0:00 left\x1b[K\n"
    assert text.count("\n") == 1 and " MB/min, 0:03 left\x1b[K" in text


def test_elsewhere_a_plain_line_at_each_tenth() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = TransferProgress("round 2/3", stream, tty=False, clock=clock)
    for done in range(0, 100001, 1000):
        progress(done, 100000)
        clock.now += 0.05
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()
    assert [line.split(":")[1].split("%")[0].strip() for line in lines] == [
        str(10 * n) for n in range(11)
    ]
    assert lines[5] == "round 2/3:  50% (50000/100000 bytes), 1.20 MB/min, 0:02 left"
    progress(100000, 100000)  # a repeated last report prints nothing more
    assert len(stream.getvalue().splitlines()) == 11


def test_bench_ota_shows_rate_and_time_left(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "ota", "--role", "ESME", "--size", "8K"]) == 0
    err = capsys.readouterr().err  # not a terminal here: plain lines
    lines = [line for line in err.splitlines() if line.startswith("round 1/1: ")]
    assert lines[-1].startswith("round 1/1: 100% (") and "\r" not in err
    assert any(" MB/min, " in line and line.endswith(" left") for line in lines)


def test_line_rate_only_for_a_paced_port() -> None:
    assert serial_line_rate(None, 115200) == (11520.0, "")
    assert serial_line_rate("/dev/ttyUSB0", None) == (11520.0, "")
    assert serial_line_rate("rfc2217://lab-3:7000", 57600) == (5760.0, "")
    for port in ("/dev/pts/7", "socket://127.0.0.1:7001", "loop://"):
        rate, reason = serial_line_rate(port, 115200)
        assert rate is None and "not paced" in reason
    assert serial_line_rate(None, None)[0] is None


def test_unpaced_figures_print_no_percentage() -> None:
    figures = TransferFigures("serial", "00124B0001ABCDEF", 4096, 64, unpaced_reason="a pty")
    figures.add(1.0, 64, [0.01] * 64)
    text = format_figures(figures)
    assert "% of line rate" not in text and "line rate: none (a pty)" in text
    assert "fraction_of_line_rate" not in figures.as_dict()
    paced = TransferFigures("serial", "00124B0001ABCDEF", 4096, 64, line_rate_bytes_per_s=8192)
    paced.add(1.0, 64, [0.01] * 64)
    assert "best: 50.0% of line rate" in format_figures(paced)


def test_each_empty_anchor_cell_says_why() -> None:
    figures = [
        CodecFigure("ash encode", "compiled", 1e-6, 100),
        CodecFigure("ash encode", "pure", 1e-5, 100),
        CodecFigure("hdlc encode", "compiled", 1e-6, 100),
        CodecFigure("crc16 64 B", "compiled", 1e-7, 64),
        CodecFigure("crc16 64 B", "binascii.crc_hqx", 2e-7, 64),
    ]
    text = format_table(figures)
    assert "(1) no anchor figure:" in text
    assert f"ash encode: {BELLOWS_MISSING}" in text
    assert "hdlc encode: no Python library is the anchor for HDLC framing" in text
    assert "crc16 64 B:" not in text.split("(1)")[1]


def test_codecs_table_explains_the_empty_anchors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "codecs", "--budget", "0.01"]) == 0
    out = capsys.readouterr().out
    assert "hdlc decode: no Python library is the anchor" in out

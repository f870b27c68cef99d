"""Trace files: both directions, timestamps, batching, redaction, and a link that records itself."""

from __future__ import annotations

import json
from pathlib import Path

from rigs.link import open_link
from rigs.trace import TraceWriter, read_trace


def test_records_both_directions_with_timestamps(tmp_path: Path) -> None:
    trace = TraceWriter(tmp_path / "t.jsonl", decoder_name="raw")
    trace.record("tx", b"\x7e\x01")
    trace.record("rx", b"\x02", frame="ANSWER seq=1")
    trace.record("rx", b"", error="damaged frame dropped")
    trace.close()
    header, *records = read_trace(tmp_path / "t.jsonl")
    assert header["trace"] == "smets1-hil-trace" and header["version"] == 1
    assert header["decoder"] == "raw" and header["redacted"] is False
    assert [r["dir"] for r in records] == ["tx", "rx", "rx"]
    assert records[0]["hex"] == "7e01" and records[0]["len"] == 2
    assert records[1]["frame"] == "ANSWER seq=1"
    assert records[2]["error"] == "damaged frame dropped" and "hex" not in records[2]
    monos = [float(r["mono"]) for r in records]  # type: ignore[arg-type]
    assert monos == sorted(monos)
    assert all(str(r["wall"]).endswith("Z") for r in records)


def test_buffers_until_a_batch_is_full_then_on_close(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    trace = TraceWriter(path, batch=4)
    for i in range(3):
        trace.record("tx", bytes([i]))
    assert len(path.read_text().splitlines()) == 1  # header only: still in memory
    trace.record("tx", b"\x03")
    assert len(path.read_text().splitlines()) == 5  # batch written
    trace.record("rx", b"\x04")
    trace.close()
    assert len(path.read_text().splitlines()) == 6
    trace.record("rx", b"late")  # after close: ignored, not an error
    assert len(path.read_text().splitlines()) == 6


def test_redaction_masks_data_and_stops_raw_chunks(tmp_path: Path) -> None:
    secret = b"SECRET-9931"

    def redact(data: bytes) -> bytes:
        return data.replace(secret, b"<redacted>")

    trace = TraceWriter(tmp_path / "t.jsonl", redact=redact)
    assert trace.raw is False
    trace.record("tx", b"PIN=" + secret, frame="VERIFY pin=<redacted>")
    trace.record_raw("tx", b"..." + secret[:6])  # a raw chunk could split a secret: never recorded
    trace.close()
    text = (tmp_path / "t.jsonl").read_text()
    assert secret.hex() not in text and "SECRET" not in text and secret[:6].hex() not in text
    records = [json.loads(line) for line in text.splitlines()]
    assert records[0]["redacted"] is True
    assert bytes.fromhex(records[1]["hex"]) == b"PIN=<redacted>"
    assert len(records) == 2


def test_use_decoder_hands_the_trace_to_a_frame_layer(tmp_path: Path) -> None:
    trace = TraceWriter(tmp_path / "t.jsonl")
    trace.record_raw("rx", b"\x01")
    trace.use_decoder("frames/1", redact=lambda b: b)
    trace.record_raw("rx", b"\x02")
    trace.record("rx", b"\x03", frame="F")
    trace.close()
    records = read_trace(tmp_path / "t.jsonl")[1:]
    assert [r.get("hex") for r in records] == ["01", None, "03"]
    assert records[1]["frame"] == "decoder: frames/1"


async def test_a_link_records_what_it_moves(tmp_path: Path) -> None:
    trace = TraceWriter(tmp_path / "loop.jsonl")
    link = await open_link("loop://", trace=trace)
    await link.write(b"abc")
    assert await link.read_exactly(3, timeout=5) == b"abc"
    await link.close()
    trace.close()
    records = read_trace(tmp_path / "loop.jsonl")[1:]
    tx = b"".join(bytes.fromhex(str(r["hex"])) for r in records if r["dir"] == "tx")
    rx = b"".join(bytes.fromhex(str(r["hex"])) for r in records if r["dir"] == "rx")
    assert tx == b"abc" and rx == b"abc"
    assert any(r.get("frame") == "opened loop://" for r in records)

"""A timestamped record of what crossed a link, in both directions, as JSON lines.

Recording must not slow the link: :meth:`TraceWriter.record` only appends a tuple to a list; the
records are formatted and written in batches (every ``batch`` records) and on :meth:`close`.

Each line after the header is one JSON object::

    {"mono": 12.345678, "wall": "2026-11-28T15:52:46.123456Z", "dir": "tx", "len": 9,
     "hex": "7e01...", "frame": "VERIFY_PIN seq=7 pin=<redacted>", "error": null}

``hex`` holds the bytes (after redaction), ``frame`` a decoded description given by a frame-aware
layer, ``error`` what went wrong (a dropped frame, a timeout). A trace never holds secrets: a layer
that knows where secrets sit passes a ``redact`` function that masks them; when one is set, raw
chunks from the link itself are not recorded (a chunk may split a frame, so it cannot be redacted
reliably) and only frames recorded by the frame-aware layer appear.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Literal, Self

Direction = Literal["tx", "rx", "note"]
Redactor = Callable[[bytes], bytes]

TRACE_FORMAT = "smets1-hil-trace"
TRACE_VERSION = 1

_Record = tuple[float, float, str, bytes | None, str | None, str | None]


class TraceWriter:
    """Buffered JSON-lines trace of a link; safe to call from the event loop and from threads."""

    def __init__(
        self,
        path: Path,
        *,
        decoder_name: str = "raw",
        redact: Redactor | None = None,
        raw: bool | None = None,
        batch: int = 512,
    ) -> None:
        self.path = Path(path)
        self.decoder_name = decoder_name
        self.redact = redact
        self.raw = (redact is None) if raw is None else raw
        self._batch = max(1, batch)
        self._records: list[_Record] = []
        self._lock = threading.Lock()
        self._closed = False
        self.records_written = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] | None = self.path.open("w", encoding="utf-8")
        header = {
            "trace": TRACE_FORMAT,
            "version": TRACE_VERSION,
            "decoder": decoder_name,
            "redacted": redact is not None,
            "started": _iso(time.time()),
            "mono_at_start": round(time.monotonic(), 6),
        }
        self._file.write(json.dumps(header) + "\n")
        self._file.flush()

    def use_decoder(self, name: str, *, redact: Redactor | None = None) -> None:
        """Hand the trace to a frame-aware layer: frames are recorded by it from now on.

        With a ``redact`` function, raw link chunks stop being recorded (see module docstring).
        """
        with self._lock:
            self.decoder_name = name
            if redact is not None:
                self.redact = redact
                self.raw = False
            self._records.append(
                (time.monotonic(), time.time(), "note", None, f"decoder: {name}", None)
            )

    def record(
        self,
        direction: Direction,
        data: bytes = b"",
        *,
        frame: str | None = None,
        error: str | None = None,
    ) -> None:
        """Record ``data`` (redacted when a redactor is set) with an optional description or error."""
        if self._closed:
            return
        if data and self.redact is not None:
            data = self.redact(bytes(data))
        record = (time.monotonic(), time.time(), direction, bytes(data), frame, error)
        with self._lock:
            self._records.append(record)
            full = len(self._records) >= self._batch
        if full:
            self.flush()

    def record_raw(self, direction: Direction, data: bytes) -> None:
        """Record a raw chunk from the link itself; skipped unless this trace takes raw bytes."""
        if self.raw:
            self.record(direction, data)

    def note(self, text: str) -> None:
        """Record an event that is not data on the line (link opened, device reset seen, ...)."""
        self.record("note", b"", frame=text)

    def flush(self) -> None:
        with self._lock:
            records, self._records = self._records, []
            if self._file is None:
                return
            lines = [_format(r) for r in records]
            if lines:
                self._file.write("".join(lines))
                self._file.flush()
                self.records_written += len(lines)

    def close(self) -> None:
        if self._closed:
            return
        self.flush()
        self._closed = True
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"TraceWriter({str(self.path)!r}, decoder={self.decoder_name!r})"


def _iso(wall: float) -> str:
    return (
        dt.datetime.fromtimestamp(wall, tz=dt.UTC)
        .isoformat(timespec="microseconds")
        .replace("+00:00", "Z")
    )


def _format(record: _Record) -> str:
    mono, wall, direction, data, frame, error = record
    obj: dict[str, object] = {"mono": round(mono, 6), "wall": _iso(wall), "dir": direction}
    if data:
        obj["len"] = len(data)
        obj["hex"] = data.hex()
    if frame is not None:
        obj["frame"] = frame
    if error is not None:
        obj["error"] = error
    return json.dumps(obj) + "\n"


def read_trace(path: Path) -> list[dict[str, object]]:
    """All records of a trace file (header first), for evidence and tests."""
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]

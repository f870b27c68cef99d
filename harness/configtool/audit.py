"""The configuration tool's audit log: one JSON object per line, never a PIN value.

Each record says which installation, device and supplier, when, whether the old PIN was a default,
how that was established, and what the tool did. Records accept only plain values (str, int, bool,
None); a :class:`~harness.configtool.pin.Pin` is refused outright, so a PIN cannot slip in.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

AuditValue = str | int | bool | None


class AuditLog:
    """Appends records to a JSON-lines file, synced record by record."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def write(self, record: Mapping[str, AuditValue]) -> None:
        for key, value in record.items():
            if not isinstance(key, str) or not isinstance(value, AuditValue):
                raise TypeError(
                    f"audit field {key!r} must be a plain value, not {type(value).__name__}"
                )
        line = json.dumps(dict(record), sort_keys=True, ensure_ascii=True) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, line.encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def read(self) -> list[dict[str, AuditValue]]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="ascii") as handle:
            return [json.loads(line) for line in handle if line.strip()]

"""Inputs for the PIN report tests: an inventory and changes written by the real tool."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

INVENTORY_HEADER = (
    "installation_id",
    "device_eui64",
    "installing_supplier",
    "responsible_supplier",
    "status",
    "group_id",
)

# (installation, device, installing supplier, responsible supplier, status, group, PIN on device)
INSTALLATIONS: Sequence[tuple[str, str, str, str, str, str, str]] = (
    ("INST-A1", "00124B000000A001", "SUPA", "RESX", "Active", "AA", "4827"),
    ("INST-A2", "00124B000000A002", "SUPA", "RESY", "Dormant", "BA", "1234"),
    ("INST-A3", "00124B000000A003", "SUPA", "SUPA", "Dormant", "CA", "7391"),
    ("INST-B1", "00124B000000B001", "SUPB", "RESX", "Active", "AA", "5160"),
    ("INST-C1", "00124B000000C001", "SUPC", "RESY", "Active", "BA", "0000"),
)


def write_inventory(
    path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = INVENTORY_HEADER
) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


FIXED_TIME = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)

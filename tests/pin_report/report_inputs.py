"""Inputs for the PIN report tests: an inventory and changes written by the real tool."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

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


def load_inprocess_gsme() -> ModuleType:
    """The in-process emulated GSME lives with the configuration-tool tests."""
    name = "smets1_hil_tests_inprocess_gsme"
    if name in sys.modules:
        return sys.modules[name]
    path = Path(__file__).resolve().parent.parent / "config_tool" / "inprocess_gsme.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


FIXED_TIME = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)

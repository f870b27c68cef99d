"""The one-time TMAD 3.25 engineering-menu PIN report for Installing Suppliers."""

from harness.pin_report.inventory import (
    COLUMNS as INVENTORY_COLUMNS,
)
from harness.pin_report.inventory import (
    Installation,
    InventoryError,
    MigrationList,
    read_inventory,
)
from harness.pin_report.report import (
    WORKING_DAYS,
    PinReport,
    build_report,
    issue_report,
    load_report,
    write_report,
)
from harness.pin_report.selection import ReportEntry, select_entries

__all__ = [
    "INVENTORY_COLUMNS",
    "WORKING_DAYS",
    "Installation",
    "InventoryError",
    "MigrationList",
    "PinReport",
    "ReportEntry",
    "build_report",
    "issue_report",
    "load_report",
    "read_inventory",
    "select_entries",
    "write_report",
]

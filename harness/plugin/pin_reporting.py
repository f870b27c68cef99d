"""The ``pin_report`` fixture: the DCC's one-time TMAD 3.25 PIN report, under the run's profile.

The DCC issues the report as its profile says (:func:`harness.pin_report.issue_report`: one file
pair per Installing Supplier under ``uplift-1.2``, nothing under ``baseline``). The report is written into the scenario's temporary directory, never
into the evidence bundle, and every PIN read from it is registered as a secret.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from harness.evidence.recorder import ScenarioEvidence
from harness.plugin.rig import HilDevice


class PinReportService:
    def __init__(self, profile: str, workdir: Path, evidence: ScenarioEvidence) -> None:
        self.profile = profile
        self.workdir = workdir
        self.evidence = evidence
        self.report_dir = workdir / "pin-report"

    def write_inventory(
        self, entries: list[tuple[HilDevice, str]], *, groups: dict[str, str] | None = None
    ) -> Path:
        """The migration inventory CSV: each device's installation on the given list (its EPCL
        entry: Dormant or Active); ``groups`` (IEEE -> GroupID) overrides the rig file's."""
        from harness.pin_report import INVENTORY_COLUMNS

        for device, _ in entries:
            missing = [
                key
                for key in ("installing_supplier", "responsible_supplier")
                if not getattr(device.spec, key)
            ]
            if missing:
                # the rig file leaves out what the report is addressed by: not a device failure
                pytest.skip(
                    f"the rig file gives device {device.ieee} no {' or '.join(missing)}; "
                    "the PIN report needs both (docs/rig-file.md)"
                )
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(INVENTORY_COLUMNS)
        for device, migration_list in entries:
            spec = device.spec
            writer.writerow(
                [
                    spec.installation_id or f"INST-{device.ieee}",
                    device.ieee,
                    spec.installing_supplier,
                    spec.responsible_supplier,
                    migration_list,
                    (groups or {}).get(device.ieee, spec.group_id),
                ]
            )
        path = self.workdir / "migration-inventory.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        return path

    def issue(
        self,
        inventory: Path,
        changes: Path,
        start: dt.date,
        *,
        changes_before: dt.date | None = None,
    ) -> Path | None:
        """Issue the report as the DCC with the run's changes does; the report directory, or
        None."""
        from harness.pin_report import issue_report

        return issue_report(
            self.profile,
            inventory,
            changes,
            self.report_dir,
            start=start,
            changes_before=changes_before,
        )

    def manifest(self) -> dict[str, object]:
        """The report's manifest (it holds no PIN)."""
        from harness.pin_report.report import MANIFEST

        document: dict[str, object] = json.loads(
            (self.report_dir / MANIFEST).read_text(encoding="utf-8")
        )
        return document

    def supplier_rows(self, supplier: str) -> list[dict[str, str]]:
        """The rows of one Installing Supplier's CSV (empty when it has no file)."""
        path = self.report_dir / f"{supplier}.csv"
        if not path.is_file():
            return []
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        for row in rows:
            self.evidence.secret(row.get("new_pin", ""))
        return rows

    def deadline(self, supplier: str) -> dt.date | None:
        path = self.report_dir / f"{supplier}.json"
        if not path.is_file():
            return None
        return dt.date.fromisoformat(json.loads(path.read_text(encoding="utf-8"))["deadline"])

"""End to end on emulated GSMEs through the ZigBee rig: the baseline tool overwrites an engineer's
PIN, the report hands the new PIN to the Installing Supplier, and that PIN opens the device's
engineering menu."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from report_inputs import write_inventory

from harness.cli import main
from harness.configtool import AuditLog, ChangesFile, ConfigurationTarget, ConfigurationTool
from harness.migration import BASELINE
from rigs.operations import PinCheck
from rigs.zigbee import embedded_rig

pytestmark = pytest.mark.slow

GSMES = {  # installation -> (GSME, Installing Supplier, PIN on the device)
    "INST-E1": ("00137A0300C0FF01", "SUPA", "4827"),
    "INST-E2": ("00137A0300C0FF02", "SUPB", "7391"),
    "INST-D1": ("00137A0300C0FF03", "SUPA", "1234"),  # the factory default
}


async def test_reported_pin_opens_the_engineering_menu(tmp_path: Path) -> None:
    device_file = tmp_path / "gsmes.toml"
    device_file.write_text(
        "".join(
            f'[[devices]]\nrole = "GSME"\nieee = "{ieee}"\npin = "{pin}"\nfactory_pin = "1234"\n\n'
            for ieee, _, pin in GSMES.values()
        )
    )
    inventory = write_inventory(
        tmp_path / "inventory.csv",
        [
            [inst, ieee, supplier, "RESX", "Active", "AA"]
            for inst, (ieee, supplier, _) in GSMES.items()
        ],
    )
    changes = tmp_path / "changes.csv"
    out = tmp_path / "report"
    async with embedded_rig(["--device-file", str(device_file)]) as er:
        tool = ConfigurationTool(
            er.rig,
            profile=BASELINE,
            audit=AuditLog(tmp_path / "audit.jsonl"),
            changes=ChangesFile(changes),
        )
        await tool.configure_all(
            ConfigurationTarget(inst, ieee, supplier) for inst, (ieee, supplier, _) in GSMES.items()
        )
        argv = ["pin-report", "--inventory", str(inventory), "--changes", str(changes)]
        assert main([*argv, "--start", "2027-03-19", "--out", str(out)]) == 0

        reported: dict[str, str] = {}
        for supplier in ("SUPA", "SUPB"):
            with (out / f"{supplier}.csv").open(newline="") as handle:
                for row in csv.DictReader(handle):
                    assert GSMES[row["installation_id"]][1] == supplier
                    reported[row["installation_id"]] = row["new_pin"]
        assert sorted(reported) == ["INST-E1", "INST-E2"]  # the default one is not reported
        for inst, pin in reported.items():
            ieee, _, old_pin = GSMES[inst]
            assert pin != old_pin
            check = await er.rig.verify_pin(ieee, pin)
            assert check.result is PinCheck.CORRECT
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["deadline"] == "2027-05-05"
    assert manifest["responsible_supplier_consent"]["status"] == "deemed"

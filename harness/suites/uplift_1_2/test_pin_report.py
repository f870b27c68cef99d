"""The one-time TMAD 3.25 PIN report: PINs the configuration tool wrongly changed go to the
Installing Supplier, within 30 working days, with the Responsible Supplier's consent deemed."""

from __future__ import annotations

import datetime as dt
import stat

import holidays
import pytest

from harness.evidence import ScenarioEvidence
from harness.plugin.configuration import ConfigurationToolSession
from harness.plugin.pin_reporting import PinReportService
from harness.plugin.rig import HilDevice

ENGINEER_PIN = "482960"  # a non-default PIN the installing engineer set
DEVICE_DEFAULT_PIN = "1234"
MIGRATION_LISTS = ["Active", "Dormant"]


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end``: not Saturday or Sunday, not a bank
    holiday in England and Wales (counted here independently of the model's calendar)."""
    bank_holidays = holidays.country_holidays(
        "GB", subdiv="ENG", years=range(start.year, end.year + 1)
    )
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in bank_holidays:
            count += 1
    return count


def configured_by_the_old_tool(
    config_tool: ConfigurationToolSession, gsme: HilDevice, pin: str, evidence: ScenarioEvidence
) -> str:
    """The GSME as the pre-fix configuration tool left it; returns the tool's action."""
    evidence.secret(pin)
    gsme.set_pin(pin)
    historic = config_tool.configure(gsme, profile="baseline")
    evidence.detail("old_tool_action", historic.action)
    return historic.action


@pytest.mark.requirement("U12-PIN-REPORT")
@pytest.mark.parametrize("migration_list", MIGRATION_LISTS)
def test_wrongly_changed_pin_reported_to_installing_supplier(
    config_tool: ConfigurationToolSession,
    pin_report: PinReportService,
    gsme: HilDevice,
    evidence: ScenarioEvidence,
    migration_list: str,
) -> None:
    """A non-default PIN the old tool replaced is reported, with the PIN now in force, to the
    installation's Installing Supplier within 30 working days."""
    evidence.device(
        gsme.identity, installation_id=gsme.spec.installation_id, migration_list=migration_list
    )
    action = configured_by_the_old_tool(config_tool, gsme, ENGINEER_PIN, evidence)
    evidence.measure("precondition_pin_wrongly_changed", action, equals="replaced-non-default")
    inventory = pin_report.write_inventory([(gsme, migration_list)])
    start = dt.datetime.now(dt.UTC).date()
    issued = pin_report.issue(inventory, config_tool.changes_path, start)
    evidence.measure("report_issued", issued is not None, equals=True)
    supplier = gsme.spec.installing_supplier
    rows = [r for r in pin_report.supplier_rows(supplier) if r["device_eui64"] == gsme.ieee]
    evidence.measure("installations_reported_to_installing_supplier", len(rows), equals=1)
    reported = rows[0]
    evidence.measure("reported_migration_list", reported["migration_list"], equals=migration_list)
    evidence.measure(
        "reported_pin_in_force", gsme.verify_pin(reported["new_pin"]).result.value, equals="correct"
    )
    deadline = pin_report.deadline(supplier)
    assert deadline is not None
    evidence.detail("report_deadline", deadline.isoformat())
    evidence.measure(
        "deadline_working_days",
        working_days_between(start, deadline),
        units="working days",
        equals=30,
    )
    mode = stat.S_IMODE((pin_report.report_dir / f"{supplier}.csv").stat().st_mode)
    evidence.measure("supplier_file_private", mode, equals=0o600)
    responsible = gsme.spec.responsible_supplier
    if responsible and responsible != supplier:
        evidence.measure(
            "responsible_supplier_has_no_file",
            pin_report.supplier_rows(responsible) == [],
            equals=True,
        )


@pytest.mark.requirement("U12-PIN-REPORT")
def test_replaced_default_pin_is_not_reported(
    config_tool: ConfigurationToolSession,
    pin_report: PinReportService,
    gsme: HilDevice,
    evidence: ScenarioEvidence,
) -> None:
    """A default PIN the tool replaced was changed rightly: it is not in the report."""
    evidence.device(gsme.identity, installation_id=gsme.spec.installation_id)
    action = configured_by_the_old_tool(config_tool, gsme, DEVICE_DEFAULT_PIN, evidence)
    evidence.measure("precondition_default_pin_replaced", action, equals="replaced-default")
    inventory = pin_report.write_inventory([(gsme, "Active")])
    pin_report.issue(inventory, config_tool.changes_path, dt.datetime.now(dt.UTC).date())
    rows = [
        r
        for r in pin_report.supplier_rows(gsme.spec.installing_supplier)
        if r["device_eui64"] == gsme.ieee
    ]
    evidence.measure("installation_reported", len(rows), equals=0)


@pytest.mark.requirement("U12-PIN-REPORT")
def test_moc_installation_is_left_out_and_counted(
    config_tool: ConfigurationToolSession,
    pin_report: PinReportService,
    gsme: HilDevice,
    evidence: ScenarioEvidence,
) -> None:
    """A MOC installation (GroupID MA) whose PIN the old tool changed is not reported: the fix
    and the report are for IOC only; the manifest says one installation was left out and why."""
    moc_group = "MA"
    evidence.device(gsme.identity, installation_id=gsme.spec.installation_id, group_id=moc_group)
    action = configured_by_the_old_tool(config_tool, gsme, ENGINEER_PIN, evidence)
    evidence.measure("precondition_pin_wrongly_changed", action, equals="replaced-non-default")
    inventory = pin_report.write_inventory([(gsme, "Active")], groups={gsme.ieee: moc_group})
    issued = pin_report.issue(inventory, config_tool.changes_path, dt.datetime.now(dt.UTC).date())
    evidence.measure("report_issued", issued is not None, equals=True)
    rows = [
        r
        for r in pin_report.supplier_rows(gsme.spec.installing_supplier)
        if r["device_eui64"] == gsme.ieee
    ]
    evidence.measure("installation_reported", len(rows), equals=0)
    left_out = pin_report.manifest()["left_out"]
    assert isinstance(left_out, dict)
    evidence.detail("left_out", left_out)
    evidence.measure("installations_left_out", left_out["installations"], equals=1)
    reasons = ",".join(str(item["reason"]) for item in left_out["by_reason"])
    evidence.measure("left_out_reason", reasons, equals="outside-scope")


@pytest.mark.requirement("U12-PIN-REPORT")
def test_change_after_the_cut_off_is_left_out(
    config_tool: ConfigurationToolSession,
    pin_report: PinReportService,
    gsme: HilDevice,
    evidence: ScenarioEvidence,
) -> None:
    """The report is one-time: a PIN change recorded on or after the cut-off date
    (``--changes-before``) is not reported, and the manifest records the cut-off."""
    evidence.device(gsme.identity, installation_id=gsme.spec.installation_id)
    action = configured_by_the_old_tool(config_tool, gsme, ENGINEER_PIN, evidence)
    evidence.measure("precondition_pin_wrongly_changed", action, equals="replaced-non-default")
    inventory = pin_report.write_inventory([(gsme, "Dormant")])
    today = dt.datetime.now(dt.UTC).date()
    issued = pin_report.issue(inventory, config_tool.changes_path, today, changes_before=today)
    evidence.measure("report_issued", issued is not None, equals=True)
    rows = pin_report.supplier_rows(gsme.spec.installing_supplier)
    evidence.measure("installations_reported", len(rows), equals=0)
    manifest = pin_report.manifest()
    evidence.measure("cut_off_recorded", str(manifest["changes_before"]), equals=today.isoformat())
    left_out = manifest["left_out"]
    assert isinstance(left_out, dict)
    evidence.measure("installations_left_out", left_out["installations"], equals=1)

"""Migration validation of the GSME's MPRN (TMAD 3.24): leading zeros and installation cohorts.

The MPRN under test is the one the GSME reports (Metering site id); the inventory values are that
MPRN as an SMSO might hold it: padded with leading zeros to the 10-character field, or exact.
"""

from __future__ import annotations

import pytest

from harness.evidence import ScenarioEvidence
from harness.migration import IOC_GROUP_IDS, OTHER_GROUP_IDS, MprnCheckResult, check_migration_mprn
from harness.plugin.rig import HilDevice, HilRig

FIELD = 10  # the SMSO's MPRN field


def check(
    rig: HilRig,
    gsme: HilDevice,
    inventory_mprn: str,
    group_id: str,
    profile: str,
    evidence: ScenarioEvidence,
) -> MprnCheckResult:
    result = rig.run(check_migration_mprn(rig.ops, gsme.ieee, inventory_mprn, group_id, profile))
    evidence.device(gsme.identity, group_id=group_id)
    evidence.detail("inventory_mprn", inventory_mprn)
    evidence.detail("device_site_id", result.device_site_id)
    evidence.detail("reason", result.reason)
    return result


def padded(site_id: str) -> str:
    canonical = site_id.lstrip("0")
    if len(canonical) >= FIELD:
        pytest.skip(f"the GSME's MPRN has {len(canonical)} digits: no room for a leading zero")
    return canonical.rjust(FIELD, "0")


@pytest.mark.requirement("U12-MPRN")
@pytest.mark.parametrize("group_id", sorted(IOC_GROUP_IDS))
def test_ioc_mprn_with_leading_zeros_validates(
    rig: HilRig, gsme: HilDevice, profile: str, evidence: ScenarioEvidence, group_id: str
) -> None:
    """IOC (GroupID AA, BA, CA): an MPRN held with leading zeros matches the device's MPRN."""
    inventory = padded(gsme.site_id())
    result = check(rig, gsme, inventory, group_id, profile, evidence)
    evidence.measure("validation", result.verdict.value, equals="match")
    evidence.measure("canonical_mprn", result.inventory_canonical, equals=inventory.lstrip("0"))


@pytest.mark.requirement("U12-MPRN")
@pytest.mark.parametrize("group_id", sorted(OTHER_GROUP_IDS))
def test_leading_zeros_still_fail_outside_ioc(
    rig: HilRig, gsme: HilDevice, profile: str, evidence: ScenarioEvidence, group_id: str
) -> None:
    """Other cohorts: an MPRN held with leading zeros still fails migration validation."""
    inventory = padded(gsme.site_id())
    result = check(rig, gsme, inventory, group_id, profile, evidence)
    evidence.measure("validation", result.verdict.value, equals="rejected")
    evidence.measure(
        "reason_code",
        result.reason_code.value if result.reason_code else None,
        equals="leading-zero",
    )


@pytest.mark.requirement("BASE-MPRN")
@pytest.mark.parametrize("group_id", ["AA", min(OTHER_GROUP_IDS)])
def test_exact_mprn_validates(
    rig: HilRig, gsme: HilDevice, profile: str, evidence: ScenarioEvidence, group_id: str
) -> None:
    """An MPRN held exactly as the device reports it (no leading zeros) validates for any group."""
    site_id = gsme.site_id()
    if site_id.startswith("0"):
        pytest.skip("the GSME reports its MPRN with leading zeros; no exact form without them")
    result = check(rig, gsme, site_id, group_id, profile, evidence)
    evidence.measure("validation", result.verdict.value, equals="match")


@pytest.mark.requirement("BASE-MPRN")
@pytest.mark.parametrize("group_id", ["AA", min(OTHER_GROUP_IDS)])
def test_different_mprn_fails(
    rig: HilRig, gsme: HilDevice, profile: str, evidence: ScenarioEvidence, group_id: str
) -> None:
    """An MPRN that is not the device's fails migration validation, whatever the group."""
    canonical = gsme.site_id().lstrip("0")
    other = str(int(canonical) + 1) if canonical else "1234567"
    result = check(rig, gsme, other, group_id, profile, evidence)
    evidence.measure("validation_passed", result.passed, equals=False)
    evidence.measure("device_read", result.device_site_id is not None, equals=True)

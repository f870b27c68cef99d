"""The migration check: the GSME's own site id against the SMSO inventory, through the MPRN rule."""

from __future__ import annotations

import pytest
from inprocess_gsme import EmulatedGsmeRig, GsmeState

from harness.migration import (
    BASELINE,
    UPLIFT_1_2,
    MprnRejection,
    MprnVerdict,
    check_migration_mprn,
)
from rigs.capabilities import SiteId

IEEE = "0011223344AABBCC"


def make_rig(site_id: str) -> SiteId:
    rig = EmulatedGsmeRig()
    rig.add(IEEE, GsmeState(pin="4827", site_id=site_id))
    assert isinstance(rig, SiteId)
    return rig


async def test_padded_inventory_matches_device_under_uplift_for_ioc() -> None:
    result = await check_migration_mprn(make_rig("7654321"), IEEE, "0007654321", "AA", UPLIFT_1_2)
    assert result.verdict is MprnVerdict.MATCH and result.passed
    assert result.inventory_canonical == result.device_canonical == "7654321"
    assert result.device_site_id == "7654321" and result.inventory_mprn == "0007654321"
    assert result.reason_code is None


async def test_padded_inventory_fails_under_baseline() -> None:
    result = await check_migration_mprn(make_rig("7654321"), IEEE, "0007654321", "AA", BASELINE)
    assert result.verdict is MprnVerdict.REJECTED and not result.passed
    assert result.reason_code is MprnRejection.LEADING_ZERO
    assert result.rejected_side == "inventory"
    assert result.device_site_id == "7654321"


async def test_padded_inventory_fails_for_non_ioc_group_under_uplift() -> None:
    result = await check_migration_mprn(make_rig("7654321"), IEEE, "0007654321", "SB", UPLIFT_1_2)
    assert result.verdict is MprnVerdict.REJECTED
    assert result.reason_code is MprnRejection.LEADING_ZERO


async def test_device_holding_padded_site_id_is_canonicalised_too() -> None:
    result = await check_migration_mprn(make_rig("0007654321"), IEEE, "7654321", "CA", UPLIFT_1_2)
    assert result.passed and result.device_canonical == "7654321"
    result = await check_migration_mprn(make_rig("0007654321"), IEEE, "7654321", "CA", BASELINE)
    assert result.verdict is MprnVerdict.REJECTED and result.rejected_side == "device"


async def test_different_mprns_mismatch() -> None:
    result = await check_migration_mprn(make_rig("7654322"), IEEE, "0007654321", "BA", UPLIFT_1_2)
    assert result.verdict is MprnVerdict.MISMATCH
    assert result.inventory_canonical == "7654321" and result.device_canonical == "7654322"


async def test_unreadable_device_is_a_verdict_not_an_exception() -> None:
    result = await check_migration_mprn(
        make_rig("7654321"), "FFFFFFFFFFFFFFFF", "7654321", "AA", UPLIFT_1_2
    )
    assert result.verdict is MprnVerdict.UNREADABLE and "no such device" in result.reason


@pytest.mark.parametrize("profile", [UPLIFT_1_2, BASELINE])
async def test_garbage_site_id_is_rejected(profile: str) -> None:
    result = await check_migration_mprn(
        make_rig("76543\u0662\u0661"), IEEE, "7654321", "AA", profile
    )
    assert result.reason_code is MprnRejection.NON_ASCII_DIGIT and result.rejected_side == "device"

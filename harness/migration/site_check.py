"""The migration MPRN check: the GSME's own site id against the SMSO inventory record."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from harness.migration.mprn import DEFAULT_RULES, MprnError, MprnRejection, MprnRules, validate_mprn
from rigs.capabilities import SiteId
from rigs.operations import RigError


class MprnVerdict(str, enum.Enum):
    MATCH = "match"  # both valid, same canonical MPRN: migration validation passes
    MISMATCH = "mismatch"  # both valid, different MPRNs
    REJECTED = "rejected"  # one side fails the rule
    UNREADABLE = "unreadable"  # the device's site id could not be read


@dataclass(frozen=True)
class MprnCheckResult:
    ieee: str
    group_id: str
    profile: str
    inventory_mprn: str
    device_site_id: str | None
    inventory_canonical: str | None
    device_canonical: str | None
    verdict: MprnVerdict
    reason: str
    reason_code: MprnRejection | None = None
    rejected_side: str | None = None  # "inventory" or "device" when the verdict is REJECTED

    @property
    def passed(self) -> bool:
        return self.verdict is MprnVerdict.MATCH


async def check_migration_mprn(
    rig: SiteId,
    ieee: str,
    inventory_mprn: str,
    group_id: str,
    profile: str,
    *,
    rules: MprnRules = DEFAULT_RULES,
    timeout: float = 10.0,
) -> MprnCheckResult:
    """Read the device's Metering site id and validate both it and the inventory MPRN."""

    base = MprnCheckResult(
        ieee=ieee,
        group_id=group_id,
        profile=profile,
        inventory_mprn=inventory_mprn,
        device_site_id=None,
        inventory_canonical=None,
        device_canonical=None,
        verdict=MprnVerdict.UNREADABLE,
        reason="",
    )
    try:
        site_id = await rig.read_site_id(ieee, timeout=timeout)
    except RigError as exc:
        return replace(base, reason=f"site id not read: {exc}")

    known = replace(base, device_site_id=site_id)
    try:
        inventory = validate_mprn(inventory_mprn, group_id, profile, rules=rules)
    except MprnError as exc:
        return _rejected(known, "inventory", f"inventory MPRN rejected: {exc.reason}", exc)
    known = replace(known, inventory_canonical=inventory)
    try:
        device = validate_mprn(site_id, group_id, profile, rules=rules)
    except MprnError as exc:
        return _rejected(known, "device", f"device site id rejected: {exc.reason}", exc)
    known = replace(known, device_canonical=device)
    if inventory != device:
        return replace(
            known,
            verdict=MprnVerdict.MISMATCH,
            reason=f"inventory MPRN {inventory} differs from the device's site id {device}",
        )
    return replace(known, verdict=MprnVerdict.MATCH, reason=f"MPRN {inventory} matches")


def _rejected(known: MprnCheckResult, side: str, reason: str, error: MprnError) -> MprnCheckResult:
    return replace(
        known,
        verdict=MprnVerdict.REJECTED,
        reason=reason,
        reason_code=error.code,
        rejected_side=side,
    )

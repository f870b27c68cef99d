"""Migration validation of the DCC-side model: the MPRN rule and the device site-id check."""

from harness.migration.mprn import (
    BASELINE,
    DEFAULT_RULES,
    IOC_GROUP_IDS,
    OTHER_GROUP_IDS,
    PROFILES,
    UPLIFT_1_2,
    MprnError,
    MprnRejection,
    MprnRules,
    validate_mprn,
)
from harness.migration.site_check import MprnCheckResult, MprnVerdict, check_migration_mprn

__all__ = [
    "BASELINE",
    "DEFAULT_RULES",
    "IOC_GROUP_IDS",
    "OTHER_GROUP_IDS",
    "PROFILES",
    "UPLIFT_1_2",
    "MprnCheckResult",
    "MprnError",
    "MprnRejection",
    "MprnRules",
    "MprnVerdict",
    "check_migration_mprn",
    "validate_mprn",
]

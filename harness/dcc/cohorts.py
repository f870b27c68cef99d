"""SMETS1 installation cohorts, recognised by the SMSO GroupID of the installation.

IOC is GroupID AA, BA or CA (TMAD 3.24). The GroupIDs of the two MOC cohorts are not settled by
public sources; the defaults below are this project's choice and are a setting.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class Cohort(str, enum.Enum):
    IOC = "IOC"
    MOC_MDS = "MOC (MDS)"
    MOC_SECURE = "MOC (Secure)"


DEFAULT_COHORT_GROUPS: Mapping[Cohort, frozenset[str]] = {
    Cohort.IOC: frozenset({"AA", "BA", "CA"}),
    Cohort.MOC_MDS: frozenset({"MA", "MB"}),
    Cohort.MOC_SECURE: frozenset({"SA", "SB"}),
}


@dataclass(frozen=True)
class CohortSettings:
    groups: Mapping[Cohort, frozenset[str]] = field(
        default_factory=lambda: dict(DEFAULT_COHORT_GROUPS)
    )

    def __post_init__(self) -> None:
        seen: dict[str, Cohort] = {}
        for cohort, group_ids in self.groups.items():
            for group_id in group_ids:
                if group_id in seen:
                    raise ValueError(
                        f"GroupID {group_id!r} is in both {seen[group_id].value} and {cohort.value}"
                    )
                seen[group_id] = cohort

    def cohort_of(self, group_id: str) -> Cohort:
        wanted = group_id.strip().upper()
        for cohort, group_ids in self.groups.items():
            if wanted in group_ids:
                return cohort
        known = ", ".join(sorted(g for ids in self.groups.values() for g in ids))
        raise ValueError(f"GroupID {group_id!r} is in no cohort (known: {known})")

    def example_group(self, cohort: Cohort) -> str:
        """One GroupID of the cohort (the first in sort order)."""
        return min(self.groups[cohort])

"""The devices the DCC model knows: EUI-64, role, model profile and installation GroupID."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from harness.dcc.cohorts import Cohort, CohortSettings
from harness.duis.identifiers import normalise_eui64
from rigs.operations import DeviceRole


@dataclass(frozen=True)
class DeviceModel:
    """What an image header must match for the device to take it."""

    manufacturer_code: int
    image_type: int
    hardware_version: int
    name: str = ""


@dataclass(frozen=True)
class InventoryEntry:
    device_id: str  # DUIS form, e.g. 00-DB-12-34-56-78-90-A0
    role: DeviceRole
    model: DeviceModel
    group_id: str
    cohort: Cohort

    @property
    def ieee(self) -> str:
        """The rig form of the EUI-64 (16 hex digits)."""
        return self.device_id.replace("-", "")


class Inventory:
    """Devices by EUI-64. Every installation's GroupID must belong to a cohort."""

    def __init__(self, cohorts: CohortSettings | None = None) -> None:
        self.cohorts = cohorts if cohorts is not None else CohortSettings()
        self._entries: dict[str, InventoryEntry] = {}

    def add(
        self, device_id: str, role: DeviceRole | str, model: DeviceModel, group_id: str
    ) -> InventoryEntry:
        key = normalise_eui64(device_id, field="device")
        entry = InventoryEntry(
            device_id=key,
            role=DeviceRole(role),
            model=model,
            group_id=group_id.strip().upper(),
            cohort=self.cohorts.cohort_of(group_id),
        )
        self._entries[key] = entry
        return entry

    @classmethod
    def of(
        cls,
        devices: Iterable[tuple[str, DeviceRole | str, DeviceModel, str]],
        cohorts: CohortSettings | None = None,
    ) -> Inventory:
        inventory = cls(cohorts)
        for device_id, role, model, group_id in devices:
            inventory.add(device_id, role, model, group_id)
        return inventory

    def get(self, device_id: str) -> InventoryEntry | None:
        try:
            key = normalise_eui64(device_id, field="device")
        except ValueError:
            return None
        return self._entries.get(key)

    def __iter__(self) -> Iterator[InventoryEntry]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

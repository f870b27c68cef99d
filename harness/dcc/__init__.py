"""The DCC-side model: firmware service-request processing under a behaviour profile."""

from harness.dcc.alerts import AlertKind, UserAlert
from harness.dcc.cohorts import DEFAULT_COHORT_GROUPS, Cohort, CohortSettings
from harness.dcc.inventory import DeviceModel, Inventory, InventoryEntry
from harness.dcc.processor import (
    ProcessResult,
    RequestRejected,
    ServiceRequestProcessor,
    utc_now,
)
from harness.dcc.profiles import BehaviourProfile, ProcessorSettings

__all__ = [
    "DEFAULT_COHORT_GROUPS",
    "AlertKind",
    "BehaviourProfile",
    "Cohort",
    "CohortSettings",
    "DeviceModel",
    "Inventory",
    "InventoryEntry",
    "ProcessResult",
    "ProcessorSettings",
    "RequestRejected",
    "ServiceRequestProcessor",
    "UserAlert",
    "utc_now",
]

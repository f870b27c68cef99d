"""The DCC-side model: service-request processing with the changes in force."""

from harness.dcc.alerts import AlertKind, UserAlert
from harness.dcc.cohorts import DEFAULT_COHORT_GROUPS, Cohort, CohortSettings
from harness.dcc.inventory import DeviceModel, Inventory, InventoryEntry
from harness.dcc.processor import RequestRejected, ServiceRequestProcessor, utc_now
from harness.dcc.profiles import BehaviourProfile, ProcessorSettings, target_allowed
from harness.dcc.results import ProcessResult

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
    "target_allowed",
    "utc_now",
]

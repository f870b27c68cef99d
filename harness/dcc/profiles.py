"""The changes in force in the DCC model, and its settings not settled by our sources.

Every default below that is not quoted from a source is this project's choice; ``docs/dcc-model.md``
names each one and how to change it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from harness.changes import Change, ChangeSet
from harness.dcc.cohorts import Cohort, CohortSettings
from harness.duis.codes import REFERENCE_DCC, REFERENCE_SERVICE_USER, ServiceReference
from harness.duis.identifiers import normalise_eui64
from harness.duis.roles import UserRole
from rigs.operations import DeviceRole


class BehaviourProfile:
    """The two named profiles as change sets: every change, and none (the negative control)."""

    UPLIFT_1_2 = ChangeSet.ALL
    BASELINE = ChangeSet.NONE


# With ppmid-firmware in force, 11.1-11.3 accept PPMIDs of all three cohorts.
PPMID_FIRMWARE_COHORTS = frozenset({Cohort.IOC, Cohort.MOC_MDS, Cohort.MOC_SECURE})
PPMID_FIRMWARE_REFERENCES = frozenset(
    {
        ServiceReference.UPDATE_FIRMWARE,
        ServiceReference.READ_FIRMWARE_VERSION,
        ServiceReference.ACTIVATE_FIRMWARE,
    }
)


def target_allowed(
    changes: ChangeSet, reference: ServiceReference, role: DeviceRole, cohort: Cohort
) -> bool:
    """Whether the DCC takes ``reference`` for a device of ``role`` in ``cohort``.

    11.4 (Update PPMID Firmware) is the SMETS2 route for PPMID firmware: no SMETS1 device is a
    valid target whatever the changes; ``ppmid-firmware`` brings SMETS1 PPMIDs onto 11.1-11.3.
    """
    if reference is ServiceReference.UPDATE_PPMID_FIRMWARE:
        return False
    if role is DeviceRole.PPMID:
        return (
            Change.PPMID_FIRMWARE in changes
            and reference in PPMID_FIRMWARE_REFERENCES
            and cohort in PPMID_FIRMWARE_COHORTS
        )
    return True


def _default_user_roles() -> dict[str, UserRole]:
    return {REFERENCE_SERVICE_USER: UserRole.IMPORT_SUPPLIER}


@dataclass(frozen=True)
class ProcessorSettings:
    """Settings of the DCC model; defaults are named in docs/dcc-model.md."""

    profile: ChangeSet = ChangeSet.ALL
    """The changes in force (``uplift-1.2`` = all; ``baseline`` = none)."""
    rejected_target_code: str = "E11"  # target device type not valid for the request
    unknown_device_code: str = "E19"  # device does not exist
    unreachable_code: str = "E20"  # the rig could not reach the device
    no_response_code: str = "E21"  # the device did not answer in time
    ineligible_role_code: str = "E2"  # originator unknown, or its user role not eligible
    unsupported_request_code: str = "E3"  # a service request the harness does not implement
    wrong_target_code: str = "E4"  # RequestID target not the DCC / not a device as the SR needs
    stale_counter_code: str = "E5"  # counter not above the originator's last
    transfer_failure_alert_code: str = "N16"  # DCCAlertCode of FirmwareDistributionFailure
    transfer_success_alert_code: str = "N55"  # DCCAlertCode carrying the S1SP transfer alert
    transfer_success_s1sp_code: str = "FirmwareTransferSuccess"
    cohorts: CohortSettings = field(default_factory=CohortSettings)
    dcc_eui64: str = REFERENCE_DCC
    """The DCC's EUI-64: the RequestID target of 11.1 and 11.4 (default: DCC's reference data)."""
    user_roles: Mapping[str, UserRole] = field(default_factory=_default_user_roles)
    """Service users (EUI-64) and their user roles; an originator not listed is refused."""
    ppmid_firmware_roles: frozenset[UserRole] = frozenset({UserRole.IMPORT_SUPPLIER})
    """Roles that may send 11.1 / 11.3 to a PPMID: the Import Supplier (the consultation's
    Electricity Supplier, responsible for firmware testing and assurance) by default."""
    ppmid_firmware_references: frozenset[ServiceReference] = frozenset(
        {ServiceReference.UPDATE_FIRMWARE, ServiceReference.ACTIVATE_FIRMWARE}
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "profile", ChangeSet.resolve(self.profile))
        object.__setattr__(self, "dcc_eui64", normalise_eui64(self.dcc_eui64, field="dcc_eui64"))
        object.__setattr__(
            self,
            "user_roles",
            {
                normalise_eui64(k, field="user_roles"): UserRole(v)
                for k, v in self.user_roles.items()
            },
        )

    @property
    def dcc_id(self) -> str:
        return self.dcc_eui64

    def role_of(self, originator: str) -> UserRole | None:
        return self.user_roles.get(normalise_eui64(originator, field="originator"))

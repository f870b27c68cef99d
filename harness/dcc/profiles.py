"""Behaviour profiles of the DCC model and the settings not settled by public sources."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from harness.dcc.cohorts import Cohort, CohortSettings
from harness.duis.codes import ServiceReference
from rigs.operations import DeviceRole

ALL_COHORTS = frozenset(Cohort)


class BehaviourProfile(str, enum.Enum):
    """``uplift-1.2``: SMETS1 PPMIDs are valid targets of 11.1-11.3. ``baseline``: they are not."""

    UPLIFT_1_2 = "uplift-1.2"
    BASELINE = "baseline"

    def allows(self, reference: ServiceReference, role: DeviceRole, cohort: Cohort) -> bool:
        """Whether the DCC takes ``reference`` for a device of ``role`` in ``cohort``.

        11.4 (Update PPMID Firmware) is the SMETS2 route for PPMID firmware: no SMETS1 device is a
        valid target under either profile; Uplift 1.2 brings SMETS1 PPMIDs onto 11.1 instead.
        """
        if reference is ServiceReference.UPDATE_PPMID_FIRMWARE:
            return False
        if role is DeviceRole.PPMID:
            return self is BehaviourProfile.UPLIFT_1_2 and cohort in PPMID_FIRMWARE_COHORTS
        return cohort in ALL_COHORTS


# Uplift 1.2 opens 11.1-11.3 for PPMIDs of all three cohorts.
PPMID_FIRMWARE_COHORTS = frozenset({Cohort.IOC, Cohort.MOC_MDS, Cohort.MOC_SECURE})


@dataclass(frozen=True)
class ProcessorSettings:
    """Settings of the DCC model; defaults are named in docs/dcc-model.md."""

    profile: BehaviourProfile = BehaviourProfile.UPLIFT_1_2
    rejected_target_code: str = "E11"  # target device type not valid for the request
    unknown_device_code: str = "E19"  # device does not exist
    unreachable_code: str = "E20"  # the rig could not reach the device
    no_response_code: str = "E21"  # the device did not answer in time
    transfer_failure_alert_code: str = "N16"  # DCCAlertCode of FirmwareDistributionFailure
    transfer_success_alert_code: str = "N55"  # DCCAlertCode carrying the S1SP transfer alert
    transfer_success_s1sp_code: str = "FirmwareTransferSuccess"
    cohorts: CohortSettings = field(default_factory=CohortSettings)

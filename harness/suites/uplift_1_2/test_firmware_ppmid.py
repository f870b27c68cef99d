"""SR 11.1, 11.2 and 11.3 with a SMETS1 PPMID as target (Uplift 1.2), across installation cohorts.

The steps are the meter scenarios' own (:mod:`harness.suites.uplift_1_2.firmware_steps`); what
differs is the requirement and the GroupID each cohort addresses the PPMID under.
"""

from __future__ import annotations

import pytest

from harness.evidence import ScenarioEvidence
from harness.plugin.rig import HilDevice
from harness.plugin.service_requests import ServiceRequests
from harness.suites.uplift_1_2 import firmware_steps as steps
from harness.targets import Targets

COHORTS = ["IOC", "MOC (MDS)", "MOC (Secure)"]
COHORT_IDS = ["IOC", "MOC-MDS", "MOC-Secure"]


@pytest.mark.requirement("U12-FW-11.1")
@pytest.mark.parametrize("cohort", COHORTS, ids=COHORT_IDS)
def test_update_firmware_delivers_image_to_ppmid(
    dcc: ServiceRequests,
    ppmid: HilDevice,
    evidence: ScenarioEvidence,
    targets: Targets,
    cohort: str,
) -> None:
    """SR 11.1 to a PPMID is accepted and DCC delivers the image, which the PPMID holds unrun."""
    groups = steps.target(dcc, ppmid, evidence, cohort)
    steps.update_firmware_delivers_image(dcc, ppmid, evidence, targets, groups)


@pytest.mark.requirement("U12-FW-11.2")
@pytest.mark.parametrize("cohort", COHORTS, ids=COHORT_IDS)
def test_read_firmware_version_of_ppmid(
    dcc: ServiceRequests, ppmid: HilDevice, evidence: ScenarioEvidence, cohort: str
) -> None:
    """SR 11.2 to a PPMID is accepted and returns the version the PPMID is running."""
    groups = steps.target(dcc, ppmid, evidence, cohort)
    steps.read_firmware_version(dcc, ppmid, evidence, groups)


@pytest.mark.requirement("U12-FW-11.3")
@pytest.mark.parametrize("cohort", COHORTS, ids=COHORT_IDS)
def test_activate_firmware_on_ppmid_with_matching_hash(
    dcc: ServiceRequests, ppmid: HilDevice, evidence: ScenarioEvidence, cohort: str
) -> None:
    """SR 11.3 to a PPMID with the held image's FirmwareHash activates it now."""
    groups = steps.target(dcc, ppmid, evidence, cohort)
    steps.activate_with_matching_hash(dcc, ppmid, evidence, groups)


@pytest.mark.requirement("U12-FW-11.3")
def test_activate_firmware_on_ppmid_at_execution_time(
    dcc: ServiceRequests, ppmid: HilDevice, evidence: ScenarioEvidence
) -> None:
    """A future-dated SR 11.3 to a PPMID waits for its ExecutionDateTime, then activates."""
    groups = steps.target(dcc, ppmid, evidence, "IOC")
    steps.activate_at_execution_time(dcc, ppmid, evidence, groups)


@pytest.mark.requirement("U12-FW-11.3")
def test_activate_firmware_on_ppmid_refused_on_hash_mismatch(
    dcc: ServiceRequests, ppmid: HilDevice, evidence: ScenarioEvidence
) -> None:
    """SR 11.3 to a PPMID whose FirmwareHash does not match the held image activates nothing."""
    groups = steps.target(dcc, ppmid, evidence, "IOC")
    steps.activation_refused_on_hash_mismatch(dcc, ppmid, evidence, groups)

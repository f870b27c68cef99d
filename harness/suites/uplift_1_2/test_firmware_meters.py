"""SR 11.1, 11.2 and 11.3 to ESMEs and GSMEs: not changed by Uplift 1.2, so they pass under both
profiles (the baseline run shows the suite does not fail everything). The steps are the PPMID
scenarios' own (:mod:`harness.suites.uplift_1_2.firmware_steps`)."""

from __future__ import annotations

import pytest

from harness.evidence import ScenarioEvidence
from harness.plugin.rig import HilDevice
from harness.plugin.service_requests import ServiceRequests
from harness.suites.uplift_1_2 import firmware_steps as steps
from harness.targets import Targets

METERS = ["esme", "gsme"]


@pytest.mark.requirement("BASE-FW-METER")
@pytest.mark.parametrize("meter", METERS)
def test_update_firmware_delivers_image_to_meter(
    dcc: ServiceRequests,
    request: pytest.FixtureRequest,
    evidence: ScenarioEvidence,
    targets: Targets,
    meter: str,
) -> None:
    """SR 11.1 to a meter delivers the image, held until activation."""
    device: HilDevice = request.getfixturevalue(meter)
    groups = steps.target(dcc, device, evidence)
    steps.update_firmware_delivers_image(dcc, device, evidence, targets, groups)


@pytest.mark.requirement("BASE-FW-METER")
@pytest.mark.parametrize("meter", METERS)
def test_read_firmware_version_of_meter(
    dcc: ServiceRequests, request: pytest.FixtureRequest, evidence: ScenarioEvidence, meter: str
) -> None:
    """SR 11.2 to a meter returns the version it runs."""
    device: HilDevice = request.getfixturevalue(meter)
    groups = steps.target(dcc, device, evidence)
    steps.read_firmware_version(dcc, device, evidence, groups)


@pytest.mark.requirement("BASE-FW-METER")
@pytest.mark.parametrize("meter", METERS)
def test_activate_firmware_on_meter(
    dcc: ServiceRequests, request: pytest.FixtureRequest, evidence: ScenarioEvidence, meter: str
) -> None:
    """SR 11.3 to a meter with the held image's FirmwareHash activates it."""
    device: HilDevice = request.getfixturevalue(meter)
    groups = steps.target(dcc, device, evidence)
    steps.activate_with_matching_hash(dcc, device, evidence, groups)

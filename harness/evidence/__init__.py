"""Evidence of a run: scenario records, summary, JUnit XML, HTML report and a SHA-256 manifest."""

from harness.evidence.bundle import (
    BundleError,
    EvidenceBundle,
    claim_bundle_dir,
    default_bundle_dir,
)
from harness.evidence.manifest import verify_bundle, write_manifest
from harness.evidence.measurement import (
    Measurement,
    MeasurementFailed,
    equals,
    in_range,
    one_of,
)
from harness.evidence.recorder import ScenarioEvidence
from harness.evidence.redaction import SecretFilter
from harness.evidence.requirements import REQUIREMENTS, UPLIFT_IDS

__all__ = [
    "REQUIREMENTS",
    "UPLIFT_IDS",
    "BundleError",
    "EvidenceBundle",
    "Measurement",
    "MeasurementFailed",
    "ScenarioEvidence",
    "SecretFilter",
    "claim_bundle_dir",
    "default_bundle_dir",
    "equals",
    "in_range",
    "one_of",
    "verify_bundle",
    "write_manifest",
]

"""DUIS 5.4 firmware service requests (11.1-11.4), their responses and alerts, and schema checks."""

from harness.duis.codes import (
    CANCELLATION_DATE,
    MAX_FIRMWARE_IMAGE_BYTES,
    REFERENCE_DCC,
    REFERENCE_SERVICE_USER,
    ActivationStatus,
    ServiceReference,
)
from harness.duis.errors import DuisError, SchemaUnavailable
from harness.duis.identifiers import RequestId, compact_eui64, normalise_eui64
from harness.duis.requests import (
    ActivateFirmware,
    ReadFirmwareVersion,
    ServiceRequest,
    UpdateFirmware,
    UpdatePPMIDFirmware,
    parse_request,
)
from harness.duis.responses import (
    ActivationAlert,
    ActivationReport,
    DccAlert,
    DccResponse,
    FirmwareDistributionFailure,
    FirmwareVersionReport,
    FirmwareWarnings,
    S1SPAlert,
    ServiceResponse,
    Smets1Reply,
    parse_response,
)
from harness.duis.schema import check_valid, load_schema, locate_xsd, schema_problems

__all__ = [
    "CANCELLATION_DATE",
    "MAX_FIRMWARE_IMAGE_BYTES",
    "REFERENCE_DCC",
    "REFERENCE_SERVICE_USER",
    "ActivateFirmware",
    "ActivationAlert",
    "ActivationReport",
    "ActivationStatus",
    "DccAlert",
    "DccResponse",
    "DuisError",
    "FirmwareDistributionFailure",
    "FirmwareVersionReport",
    "FirmwareWarnings",
    "ReadFirmwareVersion",
    "RequestId",
    "S1SPAlert",
    "SchemaUnavailable",
    "ServiceReference",
    "ServiceRequest",
    "ServiceResponse",
    "Smets1Reply",
    "UpdateFirmware",
    "UpdatePPMIDFirmware",
    "check_valid",
    "compact_eui64",
    "load_schema",
    "locate_xsd",
    "normalise_eui64",
    "parse_request",
    "parse_response",
    "schema_problems",
]

"""Service references, command variants and response codes of the firmware service requests."""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.service_requests.definition import ServiceRequestDefinition

MAX_FIRMWARE_IMAGE_BYTES = 10_240_000
FIRMWARE_HASH_BYTES = 32
FIRMWARE_VERSION_MAX_CHARS = 8

# The date DCC reference data uses in ExecutionDateTime to cancel a future-dated request.
CANCELLATION_DATE = dt.date(3000, 12, 31)

# The EUI-64s of DCC's reference test data (../shared/duis: the 11.1 template's RequestID is
# 90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:1000): a service user, and the DCC itself, the
# RequestID target of non-device service requests such as 11.1. Both are defaults of settings.
REFERENCE_SERVICE_USER = "90-B3-D5-1F-30-01-00-00"
REFERENCE_DCC = "90-B3-D5-1F-30-00-00-02"


class ServiceReference(str, enum.Enum):
    UPDATE_FIRMWARE = "11.1"
    READ_FIRMWARE_VERSION = "11.2"
    ACTIVATE_FIRMWARE = "11.3"
    UPDATE_PPMID_FIRMWARE = "11.4"

    @property
    def body_element(self) -> str:
        return self._definition().body_element

    @property
    def default_command_variant(self) -> int:
        """The command variant of DCC's reference data for this request (11.4 as 11.1)."""
        return self._definition().default_command_variant

    @property
    def description(self) -> str:
        return self._definition().name

    def _definition(self) -> ServiceRequestDefinition:
        from harness.service_requests import definition_for

        return definition_for(self)


VALID_COMMAND_VARIANTS = frozenset(range(1, 10))

# Response codes have this form; the schema holds the exact list (sr:ResponseCode).
RESPONSE_CODE_FORM = re.compile(r"[IEW][0-9]{1,6}")
# The XSD lists the codes (sr:ResponseCode) without meanings; these are the meanings this project
# uses, and which code answers which refusal is a setting of the DCC model.
RESPONSE_CODE_MEANINGS = {
    "I0": "Success",
    "I99": "Acknowledgement",
    "E11": "Invalid Service Request / device type combination",
    "E12": "Invalid Request / Command Variant combination",
    "E19": "Device does not exist",
    "E20": "Unable to communicate with device",
    "E21": "No response received from device",
}


class ActivationStatus(str, enum.Enum):
    """ActivateImageResponseCode values (ra:StatusASN1) of SR 11.3."""

    SUCCESS = "success"
    NO_IMAGE_HELD = "noImageHeld"
    HASH_MISMATCH = "hashMismatch"
    ACTIVATION_FAILURE = "activationFailure"

    @property
    def asn1_code(self) -> int:
        """The ASN.1 enumerated value (the ResponseCode attribute), in the schema's order."""
        return list(ActivationStatus).index(self)


# GBCS alert codes of a future-dated command's outcome.
FUTURE_DATED_SUCCESS_ALERT = "8F66"
FUTURE_DATED_FAILURE_ALERT = "8F67"

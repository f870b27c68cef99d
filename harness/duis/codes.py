"""Service references, command variants and response codes of the firmware service requests."""

from __future__ import annotations

import datetime as dt
import enum
import re

MAX_FIRMWARE_IMAGE_BYTES = 10_240_000
FIRMWARE_HASH_BYTES = 32
FIRMWARE_VERSION_MAX_CHARS = 8

# The date DCC reference data uses in ExecutionDateTime to cancel a future-dated request.
CANCELLATION_DATE = dt.date(3000, 12, 31)

# The EUI-64s used by DCC's reference test data: a service user and the DCC itself (the target of
# DCC-only requests such as 11.1).
REFERENCE_SERVICE_USER = "90-B3-D5-1F-30-01-00-00"
REFERENCE_DCC = "90-B3-D5-1F-30-00-00-02"


class ServiceReference(str, enum.Enum):
    UPDATE_FIRMWARE = "11.1"
    READ_FIRMWARE_VERSION = "11.2"
    ACTIVATE_FIRMWARE = "11.3"
    UPDATE_PPMID_FIRMWARE = "11.4"

    @property
    def body_element(self) -> str:
        return _BODY_ELEMENTS[self]

    @property
    def default_command_variant(self) -> int:
        """The command variant of DCC's reference data for this request (11.4 as 11.1)."""
        return _DEFAULT_CV[self]

    @property
    def description(self) -> str:
        return _NAMES[self]


_BODY_ELEMENTS = {
    ServiceReference.UPDATE_FIRMWARE: "UpdateFirmware",
    ServiceReference.READ_FIRMWARE_VERSION: "ReadFirmwareVersion",
    ServiceReference.ACTIVATE_FIRMWARE: "ActivateFirmware",
    ServiceReference.UPDATE_PPMID_FIRMWARE: "UpdatePPMIDFirmware",
}
_DEFAULT_CV = {
    ServiceReference.UPDATE_FIRMWARE: 8,
    ServiceReference.READ_FIRMWARE_VERSION: 1,
    ServiceReference.ACTIVATE_FIRMWARE: 4,
    ServiceReference.UPDATE_PPMID_FIRMWARE: 8,
}
_NAMES = {
    ServiceReference.UPDATE_FIRMWARE: "Update Firmware",
    ServiceReference.READ_FIRMWARE_VERSION: "Read Firmware Version",
    ServiceReference.ACTIVATE_FIRMWARE: "Activate Firmware",
    ServiceReference.UPDATE_PPMID_FIRMWARE: "Update PPMID Firmware",
}

VALID_COMMAND_VARIANTS = frozenset(range(1, 10))

# Response codes have this form; the schema holds the exact list (sr:ResponseCode).
RESPONSE_CODE_FORM = re.compile(r"[IEW][0-9]{1,6}")
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

"""Alerts as a service user receives them: what happened, and the DUIS document that says it."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from harness.duis.codes import ActivationStatus
from harness.duis.identifiers import RequestId
from harness.duis.responses import ServiceResponse


class AlertKind(str, enum.Enum):
    TRANSFER_SUCCESS = "transfer-success"
    TRANSFER_FAILURE = "transfer-failure"
    ACTIVATION_SUCCESS = "activation-success"
    ACTIVATION_NO_IMAGE = "activation-no-image-held"
    ACTIVATION_HASH_MISMATCH = "activation-hash-mismatch"
    ACTIVATION_FAILURE = "activation-failure"


ALERT_FOR_STATUS = {
    ActivationStatus.SUCCESS: AlertKind.ACTIVATION_SUCCESS,
    ActivationStatus.NO_IMAGE_HELD: AlertKind.ACTIVATION_NO_IMAGE,
    ActivationStatus.HASH_MISMATCH: AlertKind.ACTIVATION_HASH_MISMATCH,
    ActivationStatus.ACTIVATION_FAILURE: AlertKind.ACTIVATION_FAILURE,
}


@dataclass(frozen=True)
class UserAlert:
    """An alert as the service user receives it: its meaning and the DUIS document."""

    kind: AlertKind
    device_id: str
    request_id: RequestId
    at: dt.datetime
    document: ServiceResponse
    detail: str = ""

    def to_xml(self) -> bytes:
        return self.document.to_xml()

"""What processing one service request did: the DUIS response, alerts, transfers and notes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from harness.dcc.alerts import UserAlert
from harness.duis.codes import ActivationStatus
from harness.duis.requests import ServiceRequest
from harness.duis.responses import ServiceResponse
from rigs.operations import TransferResult


@dataclass
class ProcessResult:
    request: ServiceRequest | None
    """The request as parsed; None where the model could not read it as one it implements."""
    response: ServiceResponse
    alerts: list[UserAlert] = field(default_factory=list)
    transfers: dict[str, TransferResult] = field(default_factory=dict)
    activation: ActivationStatus | None = None
    scheduled_at: dt.datetime | None = None
    cancelled: bool = False
    schema_checked: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def response_code(self) -> str:
        return self.response.response_code

    @property
    def response_xml(self) -> bytes:
        return self.response.to_xml()


def short_version(build_id: str | None) -> str | None:
    """A DUIS FirmwareVersion (1-8 characters), or None when the device gave none that fits."""
    if build_id is None or not 1 <= len(build_id) <= 8:
        return None
    return build_id

"""A readable, line-by-line summary of a DUIS firmware request or response."""

from __future__ import annotations

from harness.duis.errors import DuisError
from harness.duis.requests import (
    ServiceRequest,
    request_from_element,
)
from harness.duis.responses import (
    ActivationAlert,
    ActivationReport,
    DccAlert,
    DccResponse,
    FirmwareDistributionFailure,
    FirmwareVersionReport,
    ServiceResponse,
    Smets1Reply,
    parse_response,
)
from harness.duis.timestamps import format_datetime
from harness.duis.xmlnames import local_name, parse_document


def summarise(data: bytes | str) -> list[str]:
    root = parse_document(data)
    kind = local_name(root.tag)
    if kind == "Request":
        return summarise_request(request_from_element(root))
    if kind == "Response":
        return summarise_response(parse_response(data))
    raise DuisError(f"root element {kind} is neither Request nor Response", field="XML")


def summarise_request(request: ServiceRequest) -> list[str]:
    from harness.service_requests import definition_for

    definition = definition_for(request.service_reference)
    rid = request.request_id
    lines = [
        (
            f"Request SR {request.service_reference.value} {definition.name} "
            f"(variant {request.service_reference_variant}, command variant {request.command_variant})"
        ),
        f"  RequestID: originator {rid.originator}, target {rid.target}, counter {rid.counter}",
        f"  signature: {'present' if request.signed else 'absent'}",
    ]
    return lines + definition.summarise_body(request.body)


def summarise_response(response: ServiceResponse) -> list[str]:
    code = response.reference_code
    reference = f" to SR {code}" if code else ""
    lines = [
        (
            f"Response{reference}: {response.response_code} at "
            f"{format_datetime(response.response_datetime)}"
        )
    ]
    if response.request_id is not None:
        lines.append(f"  RequestID: {response.request_id}")
    body = response.body
    if isinstance(body, DccResponse):
        if body.warnings:
            w = body.warnings
            for label, devices in (
                ("invalid devices", w.invalid),
                ("not commissioned", w.not_commissioned),
                ("firmware not applicable", w.not_applicable),
                ("other request in progress", w.other_request_in_progress),
            ):
                if devices:
                    lines.append(f"  {label}: {', '.join(devices)}")
    elif isinstance(body, Smets1Reply):
        lines.append(f"  device {body.device_id} -> user {body.user_id}, counter {body.counter}")
        payload = body.payload
        if isinstance(payload, FirmwareVersionReport):
            lines.append(f"  FirmwareVersion: {payload.firmware_version}")
        elif isinstance(payload, ActivationReport):
            status = payload.status.value if payload.status else "accepted for future execution"
            lines.append(f"  activation: {status}, FirmwareVersion {payload.firmware_version}")
        elif isinstance(payload, ActivationAlert):
            lines.append(
                f"  alert {payload.alert_code}: activation at "
                f"{format_datetime(payload.execution_datetime)} {payload.status.value}, "
                f"FirmwareVersion {payload.firmware_version}"
            )
    elif isinstance(body, DccAlert):
        inner = body.alert
        if isinstance(inner, FirmwareDistributionFailure):
            lines.append(
                f"  DCC alert {body.alert_code}: firmware distribution failed for "
                f"{', '.join(inner.meter_ids)} (request {inner.update_request_id})"
            )
        else:
            lines.append(
                f"  DCC alert {body.alert_code}: S1SP {inner.code} device {inner.device_id} "
                f"({inner.information or ''})"
            )
    return lines

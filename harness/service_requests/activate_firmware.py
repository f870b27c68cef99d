"""SR 11.3 Activate Firmware: the RequestID's target is the device. The held image is activated
(now, or at ExecutionDateTime) only where FirmwareHash matches it; an ExecutionDateTime on
3000-12-31 cancels a pending activation."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any

from harness.dcc.inventory import InventoryEntry
from harness.dcc.results import ProcessResult
from harness.duis.codes import CANCELLATION_DATE, ActivationStatus, ServiceReference
from harness.duis.errors import DuisError
from harness.duis.requests import ActivateFirmware, check_firmware_hash
from harness.duis.responses import ActivationReport, Smets1Reply
from harness.duis.timestamps import format_datetime, parse_datetime
from harness.duis.xmlnames import child_text, optional_text, sr, sub
from harness.errors import UserError
from harness.firmware.errors import ImageError
from harness.firmware.image import parse_image
from harness.service_requests.definition import BuildOptions, ServiceRequestDefinition, TargetKind
from harness.service_requests.update_firmware import SUPPLIERS

if TYPE_CHECKING:
    from harness.dcc.processor import ServiceRequestProcessor
    from harness.duis.requests import ServiceRequest


def _build(element: ET.Element, body: Any) -> None:
    assert isinstance(body, ActivateFirmware)
    if body.execution_datetime is not None:
        sub(element, sr("ExecutionDateTime"), format_datetime(body.execution_datetime))
    sub(element, sr("FirmwareHash"), body.firmware_hash.hex().upper())


def _decode_hash(text: str) -> bytes:
    try:
        value = bytes.fromhex(text)
    except ValueError:
        raise DuisError(f"{text!r} is not hexadecimal", field="FirmwareHash") from None
    return check_firmware_hash(value)


def _parse(element: ET.Element) -> ActivateFirmware:
    when_text = optional_text(element, sr("ExecutionDateTime"))
    when = parse_datetime(when_text, field="ExecutionDateTime") if when_text else None
    digest = _decode_hash(child_text(element, sr("FirmwareHash"), field="FirmwareHash"))
    return ActivateFirmware(digest, when)


def _summarise(body: Any) -> list[str]:
    assert isinstance(body, ActivateFirmware)
    lines = [f"  FirmwareHash: {body.firmware_hash.hex().upper()}"]
    if body.is_cancellation:
        lines.append("  ExecutionDateTime: 3000-12-31 (cancels a pending activation)")
    elif body.execution_datetime is not None:
        lines.append(f"  ExecutionDateTime: {format_datetime(body.execution_datetime)}")
    else:
        lines.append("  ExecutionDateTime: none (activate now)")
    return lines


def _from_options(options: BuildOptions) -> ActivateFirmware:
    when = options.execution_datetime
    if options.cancel:
        when = dt.datetime.combine(CANCELLATION_DATE, dt.time(), tzinfo=dt.UTC)
    if (options.firmware_hash is None) == (options.image is None):
        raise UserError("SR 11.3 needs exactly one of --hash and --image")
    if options.firmware_hash is not None:
        try:
            digest = bytes.fromhex(options.firmware_hash)
        except ValueError:
            raise UserError(f"--hash {options.firmware_hash!r} is not hexadecimal") from None
    else:
        assert options.image is not None
        try:
            digest = parse_image(options.image).manufacturer_image_sha256
        except ImageError as exc:
            raise UserError(f"{options.image_name}: {exc}") from None
    return ActivateFirmware(digest, when)


def _devices(request: ServiceRequest) -> tuple[str, ...]:
    return (request.request_id.target,)


async def process(dcc: ServiceRequestProcessor, request: ServiceRequest) -> ProcessResult:
    body = request.body
    assert isinstance(body, ActivateFirmware)
    checked = dcc.target_check(request, request.request_id.target)
    if not isinstance(checked, InventoryEntry):
        return ProcessResult(request, dcc.respond(request, checked))
    entry = checked

    def reply(report: ActivationReport) -> Smets1Reply:
        return Smets1Reply(
            device_id=entry.device_id,
            user_id=request.request_id.originator,
            counter=request.request_id.counter,
            payload=report,
        )

    if body.is_cancellation:
        cancelled = dcc.cancel_activation(entry.device_id)
        result = ProcessResult(
            request,
            dcc.respond(request, "I0", reply(ActivationReport(None, success=cancelled))),
            cancelled=cancelled,
        )
        if not cancelled:
            result.notes.append("no pending activation to cancel")
        return result
    when = body.execution_datetime
    if when is not None and when > dcc.clock():
        dcc.hold_activation(request, entry, when, body.firmware_hash)
        return ProcessResult(
            request, dcc.respond(request, "I0", reply(ActivationReport(None))), scheduled_at=when
        )
    status, version = await dcc.activate_on_device(entry, body.firmware_hash)
    report = ActivationReport(status, version, success=status is ActivationStatus.SUCCESS)
    return ProcessResult(request, dcc.respond(request, "I0", reply(report)), activation=status)


ACTIVATE_FIRMWARE = ServiceRequestDefinition(
    reference=ServiceReference.ACTIVATE_FIRMWARE,
    name="Activate Firmware",
    body_element="ActivateFirmware",
    body_type=ActivateFirmware,
    default_command_variant=4,
    target=TargetKind.DEVICE,
    eligible_roles=SUPPLIERS,
    eligible_roles_source="DUIS: eligible user roles of SR 11.3 are Import Supplier and Gas Supplier",
    build_body=_build,
    parse_body=_parse,
    summarise_body=_summarise,
    body_from_options=_from_options,
    devices=_devices,
    process=process,
)

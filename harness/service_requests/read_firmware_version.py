"""SR 11.2 Read Firmware Version: the RequestID's target is the device; the reply carries the
version it runs. A future-dated 11.2 is read at once (the model holds only activations)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any

from harness.dcc.inventory import InventoryEntry
from harness.dcc.results import ProcessResult, short_version
from harness.duis.codes import ServiceReference
from harness.duis.requests import ReadFirmwareVersion
from harness.duis.responses import FirmwareVersionReport, Smets1Reply
from harness.duis.roles import UserRole
from harness.duis.timestamps import format_datetime, parse_datetime
from harness.duis.xmlnames import optional_text, sr, sub
from harness.service_requests.definition import BuildOptions, ServiceRequestDefinition, TargetKind
from rigs.operations import RigError

if TYPE_CHECKING:
    from harness.dcc.processor import ServiceRequestProcessor
    from harness.duis.requests import ServiceRequest


def _build(element: ET.Element, body: Any) -> None:
    assert isinstance(body, ReadFirmwareVersion)
    if body.execution_datetime is not None:
        sub(element, sr("ExecutionDateTime"), format_datetime(body.execution_datetime))


def _parse(element: ET.Element) -> ReadFirmwareVersion:
    when_text = optional_text(element, sr("ExecutionDateTime"))
    return ReadFirmwareVersion(
        parse_datetime(when_text, field="ExecutionDateTime") if when_text else None
    )


def _summarise(body: Any) -> list[str]:
    assert isinstance(body, ReadFirmwareVersion)
    if body.execution_datetime is None:
        return []
    return [f"  ExecutionDateTime: {format_datetime(body.execution_datetime)}"]


def _from_options(options: BuildOptions) -> ReadFirmwareVersion:
    return ReadFirmwareVersion(options.execution_datetime)


def _devices(request: ServiceRequest) -> tuple[str, ...]:
    return (request.request_id.target,)


async def process(dcc: ServiceRequestProcessor, request: ServiceRequest) -> ProcessResult:
    checked = dcc.target_check(request, request.request_id.target)
    if not isinstance(checked, InventoryEntry):
        return ProcessResult(request, dcc.respond(request, checked))
    try:
        version = await dcc.rig.read_firmware_version(checked.ieee)
    except RigError as exc:
        return ProcessResult(
            request, dcc.respond(request, dcc.rig_error_code(exc)), notes=[str(exc)]
        )
    reply = Smets1Reply(
        device_id=checked.device_id,
        user_id=request.request_id.originator,
        counter=request.request_id.counter,
        payload=FirmwareVersionReport(short_version(version.build_id)),
    )
    return ProcessResult(request, dcc.respond(request, "I0", reply))


READ_FIRMWARE_VERSION = ServiceRequestDefinition(
    reference=ServiceReference.READ_FIRMWARE_VERSION,
    name="Read Firmware Version",
    body_element="ReadFirmwareVersion",
    body_type=ReadFirmwareVersion,
    default_command_variant=1,
    target=TargetKind.DEVICE,
    eligible_roles=frozenset(UserRole),
    eligible_roles_source="DUIS: eligible user roles of SR 11.2 are IS, ES, GS, RSA, ED, GT and OU",
    build_body=_build,
    parse_body=_parse,
    summarise_body=_summarise,
    body_from_options=_from_options,
    devices=_devices,
    process=process,
)

"""SR 11.1 Update Firmware and SR 11.4 Update PPMID Firmware (same body).

The RequestID's target is the DCC; the devices are in the DeviceIDList. The DCC model checks
each device (known, of a type the changes in force allow, image header matching its model),
lists the others in the response's warning and sends the image to the rest.
"""

from __future__ import annotations

import base64
import binascii
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any

from harness.dcc.inventory import InventoryEntry
from harness.dcc.results import ProcessResult
from harness.duis.codes import MAX_FIRMWARE_IMAGE_BYTES, ServiceReference
from harness.duis.errors import DuisError
from harness.duis.requests import UpdateFirmware, UpdatePPMIDFirmware, check_image_size
from harness.duis.responses import DccResponse, FirmwareWarnings
from harness.duis.roles import UserRole
from harness.duis.xmlnames import child_text, sr, sub
from harness.errors import UserError
from harness.firmware.errors import ImageError
from harness.firmware.image import FirmwareImage, parse_image
from harness.service_requests.definition import BuildOptions, ServiceRequestDefinition, TargetKind

if TYPE_CHECKING:
    from harness.dcc.processor import ServiceRequestProcessor
    from harness.duis.requests import ServiceRequest


def _decode_image(text: str) -> bytes:
    compact = "".join(text.split())
    # Size check before decoding: base64 is 4 characters per 3 bytes.
    if len(compact) // 4 * 3 > MAX_FIRMWARE_IMAGE_BYTES + 2:
        raise DuisError(
            f"image is about {len(compact) // 4 * 3} bytes, more than the "
            f"{MAX_FIRMWARE_IMAGE_BYTES} DUIS allows",
            field="FirmwareImage",
        )
    try:
        image = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DuisError(f"not valid base64 ({exc})", field="FirmwareImage") from None
    return check_image_size(image)


def _build(element: ET.Element, body: Any) -> None:
    assert isinstance(body, UpdateFirmware)
    sub(element, sr("FirmwareImage"), base64.b64encode(body.image).decode("ascii"))
    sub(element, sr("FirmwareVersion"), body.firmware_version)
    sub(element, sr("DeviceIDList"), ",".join(body.device_ids))


def _parser(cls: type[UpdateFirmware]) -> Any:
    def parse(element: ET.Element) -> UpdateFirmware:
        image = _decode_image(child_text(element, sr("FirmwareImage"), field="FirmwareImage"))
        version = child_text(element, sr("FirmwareVersion"), field="FirmwareVersion")
        devices = child_text(element, sr("DeviceIDList"), field="DeviceIDList")
        return cls(image, version, tuple(d for d in devices.split(",")))

    return parse


def _summarise(body: Any) -> list[str]:
    assert isinstance(body, UpdateFirmware)
    lines = [
        f"  FirmwareVersion: {body.firmware_version}",
        f"  DeviceIDList: {', '.join(body.device_ids)}",
        f"  FirmwareImage: {len(body.image)} bytes",
    ]
    try:
        image = parse_image(body.image)
    except ImageError as exc:
        lines.append(f"    not a readable image: {exc}")
        return lines
    h = image.header
    lines.append(
        f"    layout {image.layout.value}, manufacturer 0x{h.manufacturer_code:04X}, "
        f"image type 0x{h.image_type:04X}, file version 0x{h.file_version:08X}, "
        f"{'signed' if image.signed else 'unsigned'}"
    )
    if h.minimum_hardware_version is not None:
        lines.append(
            f"    hardware versions 0x{h.minimum_hardware_version:04X}-"
            f"0x{h.maximum_hardware_version or 0:04X}"
        )
    lines.append(f"    manufacturer image SHA-256 {image.manufacturer_image_sha256.hex().upper()}")
    return lines


def _from_options(cls: type[UpdateFirmware], code: str) -> Any:
    def build(options: BuildOptions) -> UpdateFirmware:
        if options.image is None:
            raise UserError(f"SR {code} needs --image")
        if not options.devices:
            raise UserError(f"SR {code} needs at least one --device")
        version = options.firmware_version
        if version is None:
            try:
                version = f"{parse_image(options.image).header.file_version:08X}"
            except ImageError as exc:
                raise UserError(
                    f"{options.image_name}: {exc}; give --firmware-version to send it anyway"
                ) from None
        return cls(options.image, version, options.devices)

    return build


def _devices(request: ServiceRequest) -> tuple[str, ...]:
    body = request.body
    assert isinstance(body, UpdateFirmware)
    return body.device_ids


def image_mismatch(image: FirmwareImage, entry: InventoryEntry) -> str | None:
    """Why the image does not suit the device model, or None when it does."""
    header, model = image.header, entry.model
    if header.manufacturer_code != model.manufacturer_code:
        return (
            f"manufacturer code 0x{header.manufacturer_code:04X} is not the device's "
            f"0x{model.manufacturer_code:04X}"
        )
    if header.image_type != model.image_type:
        return f"image type 0x{header.image_type:04X} is not the device's 0x{model.image_type:04X}"
    if not header.accepts_hardware(model.hardware_version):
        return (
            f"hardware version 0x{model.hardware_version:04X} is outside the image's range "
            f"0x{header.minimum_hardware_version or 0:04X}-"
            f"0x{header.maximum_hardware_version or 0:04X}"
        )
    return None


async def process(dcc: ServiceRequestProcessor, request: ServiceRequest) -> ProcessResult:
    body = request.body
    assert isinstance(body, UpdateFirmware)
    notes: list[str] = []
    unknown: list[str] = []
    refused: list[str] = []
    entries: list[InventoryEntry] = []
    for device_id in body.device_ids:
        checked = dcc.target_check(request, device_id)
        if isinstance(checked, InventoryEntry):
            entries.append(checked)
        elif checked == dcc.settings.unknown_device_code:
            unknown.append(device_id)
        else:
            refused.append(device_id)
    if not entries:
        code = dcc.settings.rejected_target_code if refused else dcc.settings.unknown_device_code
        return ProcessResult(request, dcc.respond(request, code))
    image: FirmwareImage | None
    try:
        image = parse_image(body.image)
    except ImageError as exc:
        image = None
        notes.append(f"image not readable: {exc}")
    applicable: list[InventoryEntry] = []
    not_applicable: list[str] = []
    for entry in entries:
        why = "unreadable image" if image is None else image_mismatch(image, entry)
        if why is None:
            applicable.append(entry)
        else:
            not_applicable.append(entry.device_id)
            notes.append(f"{entry.device_id}: {why}")
    warnings = FirmwareWarnings(
        invalid=tuple(unknown + refused), not_applicable=tuple(not_applicable)
    )
    result = ProcessResult(
        request,
        dcc.respond(request, "I0", DccResponse(warnings if warnings else None)),
        notes=notes,
    )
    for entry in applicable:
        transfer = await dcc.distribute(entry, body.image)
        result.transfers[entry.device_id] = transfer
        result.alerts.append(dcc.transfer_alert(request, entry, body.firmware_version, transfer))
    return result


SUPPLIERS = frozenset({UserRole.IMPORT_SUPPLIER, UserRole.GAS_SUPPLIER})

UPDATE_FIRMWARE = ServiceRequestDefinition(
    reference=ServiceReference.UPDATE_FIRMWARE,
    name="Update Firmware",
    body_element="UpdateFirmware",
    body_type=UpdateFirmware,
    default_command_variant=8,
    target=TargetKind.DCC,
    eligible_roles=SUPPLIERS,
    eligible_roles_source="DUIS: eligible user roles of SR 11.1 are Import Supplier and Gas Supplier",
    build_body=_build,
    parse_body=_parser(UpdateFirmware),
    summarise_body=_summarise,
    body_from_options=_from_options(UpdateFirmware, "11.1"),
    devices=_devices,
    process=process,
)

UPDATE_PPMID_FIRMWARE = ServiceRequestDefinition(
    reference=ServiceReference.UPDATE_PPMID_FIRMWARE,
    name="Update PPMID Firmware",
    body_element="UpdatePPMIDFirmware",
    body_type=UpdatePPMIDFirmware,
    default_command_variant=8,
    target=TargetKind.DCC,
    eligible_roles=SUPPLIERS,
    eligible_roles_source="setting: our sources do not list the roles of SR 11.4; "
    "the default is that of SR 11.1",
    build_body=_build,
    parse_body=_parser(UpdatePPMIDFirmware),
    summarise_body=_summarise,
    body_from_options=_from_options(UpdatePPMIDFirmware, "11.4"),
    devices=_devices,
    process=process,
)

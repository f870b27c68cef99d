"""DUIS 5.4 service requests 11.1, 11.2, 11.3 and 11.4: typed, built to XML, parsed from XML."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from harness.duis.codes import (
    CANCELLATION_DATE,
    FIRMWARE_HASH_BYTES,
    FIRMWARE_VERSION_MAX_CHARS,
    MAX_FIRMWARE_IMAGE_BYTES,
    VALID_COMMAND_VARIANTS,
    ServiceReference,
)
from harness.duis.errors import DuisError
from harness.duis.identifiers import RequestId, normalise_eui64
from harness.duis.timestamps import format_datetime, parse_datetime
from harness.duis.xmlnames import (
    SCHEMA_VERSION,
    SR,
    child,
    child_text,
    ds,
    local_name,
    namespace_of,
    optional_text,
    parse_document,
    sr,
    sub,
    to_bytes,
)


def check_firmware_version(value: str) -> str:
    if not 1 <= len(value) <= FIRMWARE_VERSION_MAX_CHARS:
        raise DuisError(
            f"{value!r} must be 1 to {FIRMWARE_VERSION_MAX_CHARS} characters",
            field="FirmwareVersion",
        )
    return value


def check_image_size(image: bytes) -> bytes:
    if len(image) > MAX_FIRMWARE_IMAGE_BYTES:
        raise DuisError(
            f"image is {len(image)} bytes, more than the {MAX_FIRMWARE_IMAGE_BYTES} DUIS allows",
            field="FirmwareImage",
        )
    if not image:
        raise DuisError("image is empty", field="FirmwareImage")
    return image


def check_firmware_hash(value: bytes) -> bytes:
    if len(value) != FIRMWARE_HASH_BYTES:
        raise DuisError(
            f"hash is {len(value)} bytes, must be {FIRMWARE_HASH_BYTES} (SHA-256)",
            field="FirmwareHash",
        )
    return value


@dataclass(frozen=True)
class UpdateFirmware:
    """SR 11.1 body (and, as :class:`UpdatePPMIDFirmware`, SR 11.4)."""

    image: bytes = field(repr=False)
    firmware_version: str
    device_ids: tuple[str, ...]

    def __post_init__(self) -> None:
        check_image_size(self.image)
        check_firmware_version(self.firmware_version)
        if not self.device_ids:
            raise DuisError("at least one device is needed", field="DeviceIDList")
        object.__setattr__(
            self,
            "device_ids",
            tuple(normalise_eui64(d, field="DeviceIDList") for d in self.device_ids),
        )


@dataclass(frozen=True)
class UpdatePPMIDFirmware(UpdateFirmware):
    """SR 11.4 body: same fields as 11.1."""


@dataclass(frozen=True)
class ReadFirmwareVersion:
    execution_datetime: dt.datetime | None = None


@dataclass(frozen=True)
class ActivateFirmware:
    firmware_hash: bytes
    execution_datetime: dt.datetime | None = None

    def __post_init__(self) -> None:
        check_firmware_hash(self.firmware_hash)

    @property
    def is_cancellation(self) -> bool:
        """ExecutionDateTime on 3000-12-31: cancel a pending future-dated activation."""
        return (
            self.execution_datetime is not None
            and self.execution_datetime.date() == CANCELLATION_DATE
        )


RequestBody = UpdateFirmware | UpdatePPMIDFirmware | ReadFirmwareVersion | ActivateFirmware

_BODY_FOR = {
    ServiceReference.UPDATE_FIRMWARE: UpdateFirmware,
    ServiceReference.READ_FIRMWARE_VERSION: ReadFirmwareVersion,
    ServiceReference.ACTIVATE_FIRMWARE: ActivateFirmware,
    ServiceReference.UPDATE_PPMID_FIRMWARE: UpdatePPMIDFirmware,
}


@dataclass(frozen=True)
class ServiceRequest:
    request_id: RequestId
    service_reference: ServiceReference
    body: RequestBody
    command_variant: int | None = None  # None: the reference data's variant for the request
    service_reference_variant: str | None = None  # None: same as the service reference
    signed: bool = field(default=False, compare=False)  # parsed documents: a signature was present

    def __post_init__(self) -> None:
        expected = _BODY_FOR[self.service_reference]
        if type(self.body) is not expected:
            raise DuisError(
                f"SR {self.service_reference.value} needs a {expected.__name__} body, "
                f"not {type(self.body).__name__}",
                field="Body",
            )
        if self.command_variant is None:
            object.__setattr__(
                self, "command_variant", self.service_reference.default_command_variant
            )
        if self.command_variant not in VALID_COMMAND_VARIANTS:
            raise DuisError(f"{self.command_variant} is not 1..9", field="CommandVariant")
        if self.service_reference_variant is None:
            object.__setattr__(self, "service_reference_variant", self.service_reference.value)

    @property
    def target_devices(self) -> tuple[str, ...]:
        """The devices the request acts on: the DeviceIDList for 11.1/11.4, else the target."""
        if isinstance(self.body, UpdateFirmware):
            return self.body.device_ids
        return (self.request_id.target,)

    def to_xml(self) -> bytes:
        return build_request_xml(self)


def build_request_xml(request: ServiceRequest) -> bytes:
    root = ET.Element(sr("Request"), {"schemaVersion": SCHEMA_VERSION})
    header = sub(root, sr("Header"))
    sub(header, sr("RequestID"), str(request.request_id))
    sub(header, sr("CommandVariant"), str(request.command_variant))
    sub(header, sr("ServiceReference"), request.service_reference.value)
    sub(header, sr("ServiceReferenceVariant"), request.service_reference_variant)
    body = sub(root, sr("Body"))
    element = sub(body, sr(request.service_reference.body_element))
    b = request.body
    if isinstance(b, UpdateFirmware):
        sub(element, sr("FirmwareImage"), base64.b64encode(b.image).decode("ascii"))
        sub(element, sr("FirmwareVersion"), b.firmware_version)
        sub(element, sr("DeviceIDList"), ",".join(b.device_ids))
    elif isinstance(b, ReadFirmwareVersion):
        if b.execution_datetime is not None:
            sub(element, sr("ExecutionDateTime"), format_datetime(b.execution_datetime))
    else:
        if b.execution_datetime is not None:
            sub(element, sr("ExecutionDateTime"), format_datetime(b.execution_datetime))
        sub(element, sr("FirmwareHash"), b.firmware_hash.hex().upper())
    return to_bytes(root)


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


def _decode_hash(text: str) -> bytes:
    try:
        value = bytes.fromhex(text)
    except ValueError:
        raise DuisError(f"{text!r} is not hexadecimal", field="FirmwareHash") from None
    return check_firmware_hash(value)


def parse_request(data: bytes | str) -> ServiceRequest:
    """Parse a DUIS request document holding one of the firmware service requests."""
    root = parse_document(data)
    return request_from_element(root)


def request_from_element(root: ET.Element) -> ServiceRequest:
    if namespace_of(root.tag) != SR:
        raise DuisError(
            f"root element is in namespace {namespace_of(root.tag) or '(none)'!r}, expected {SR!r}",
            field="Request",
        )
    if local_name(root.tag) != "Request":
        raise DuisError(f"root element is {local_name(root.tag)}, not Request", field="Request")
    header = child(root, sr("Header"), field="Header")
    request_id = RequestId.parse(child_text(header, sr("RequestID"), field="RequestID"))
    cv_text = child_text(header, sr("CommandVariant"), field="CommandVariant")
    if not cv_text.isdigit():
        raise DuisError(f"{cv_text!r} is not a number", field="CommandVariant")
    reference_text = child_text(header, sr("ServiceReference"), field="ServiceReference")
    try:
        reference = ServiceReference(reference_text)
    except ValueError:
        raise DuisError(
            f"{reference_text!r} is not a firmware service request (11.1-11.4)",
            field="ServiceReference",
        ) from None
    variant = child_text(header, sr("ServiceReferenceVariant"), field="ServiceReferenceVariant")
    body = child(root, sr("Body"), field="Body")
    element = child(body, sr(reference.body_element), field=reference.body_element)
    parsed: RequestBody
    if reference in (ServiceReference.UPDATE_FIRMWARE, ServiceReference.UPDATE_PPMID_FIRMWARE):
        image = _decode_image(child_text(element, sr("FirmwareImage"), field="FirmwareImage"))
        version = child_text(element, sr("FirmwareVersion"), field="FirmwareVersion")
        devices = child_text(element, sr("DeviceIDList"), field="DeviceIDList")
        cls = (
            UpdateFirmware if reference is ServiceReference.UPDATE_FIRMWARE else UpdatePPMIDFirmware
        )
        parsed = cls(image, version, tuple(d for d in devices.split(",")))
    else:
        when_text = optional_text(element, sr("ExecutionDateTime"))
        when = parse_datetime(when_text, field="ExecutionDateTime") if when_text else None
        if reference is ServiceReference.READ_FIRMWARE_VERSION:
            parsed = ReadFirmwareVersion(when)
        else:
            digest = _decode_hash(child_text(element, sr("FirmwareHash"), field="FirmwareHash"))
            parsed = ActivateFirmware(digest, when)
    return ServiceRequest(
        request_id=request_id,
        service_reference=reference,
        body=parsed,
        command_variant=int(cv_text),
        service_reference_variant=variant,
        signed=root.find(ds("Signature")) is not None,
    )

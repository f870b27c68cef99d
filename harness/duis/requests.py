"""DUIS 5.4 service requests: the header (RequestID, variants) and the firmware request bodies.

What is particular to each service request (its body element, how the body is built, parsed and
summarised, how the DCC model processes it) is its definition in :mod:`harness.service_requests`;
building and parsing here dispatch through those definitions."""

from __future__ import annotations

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
from harness.duis.xmlnames import (
    SCHEMA_VERSION,
    SR,
    child,
    child_text,
    ds,
    local_name,
    namespace_of,
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


@dataclass(frozen=True)
class ServiceRequest:
    request_id: RequestId
    service_reference: ServiceReference
    body: RequestBody
    command_variant: int | None = None  # None: the reference data's variant for the request
    service_reference_variant: str | None = None  # None: same as the service reference
    signed: bool = field(default=False, compare=False)  # parsed documents: a signature was present

    def __post_init__(self) -> None:
        from harness.service_requests import definition_for

        definition = definition_for(self.service_reference)
        expected = definition.body_type
        if type(self.body) is not expected:
            raise DuisError(
                f"SR {self.service_reference.value} needs a {expected.__name__} body, "
                f"not {type(self.body).__name__}",
                field="Body",
            )
        if self.command_variant is None:
            object.__setattr__(self, "command_variant", definition.default_command_variant)
        if self.command_variant not in VALID_COMMAND_VARIANTS:
            raise DuisError(f"{self.command_variant} is not 1..9", field="CommandVariant")
        if self.service_reference_variant is None:
            object.__setattr__(self, "service_reference_variant", self.service_reference.value)

    @property
    def target_devices(self) -> tuple[str, ...]:
        """The devices the request acts on: the DeviceIDList for 11.1/11.4, else the target."""
        from harness.service_requests import definition_for

        return definition_for(self.service_reference).devices(self)

    def to_xml(self) -> bytes:
        return build_request_xml(self)


def build_request_xml(request: ServiceRequest) -> bytes:
    from harness.service_requests import definition_for

    definition = definition_for(request.service_reference)
    root = ET.Element(sr("Request"), {"schemaVersion": SCHEMA_VERSION})
    header = sub(root, sr("Header"))
    sub(header, sr("RequestID"), str(request.request_id))
    sub(header, sr("CommandVariant"), str(request.command_variant))
    sub(header, sr("ServiceReference"), request.service_reference.value)
    sub(header, sr("ServiceReferenceVariant"), request.service_reference_variant)
    body = sub(root, sr("Body"))
    definition.build_body(sub(body, sr(definition.body_element)), request.body)
    return to_bytes(root)


def parse_request(data: bytes | str) -> ServiceRequest:
    """Parse a DUIS request document holding one of the firmware service requests."""
    root = parse_document(data)
    return request_from_element(root)


def _check_root(root: ET.Element) -> None:
    if namespace_of(root.tag) != SR:
        raise DuisError(
            f"root element is in namespace {namespace_of(root.tag) or '(none)'!r}, expected {SR!r}",
            field="Request",
        )
    if local_name(root.tag) != "Request":
        raise DuisError(f"root element is {local_name(root.tag)}, not Request", field="Request")


def request_header(root: ET.Element) -> tuple[RequestId, str, str]:
    """RequestID, ServiceReference and ServiceReferenceVariant of a request, as written."""
    _check_root(root)
    header = child(root, sr("Header"), field="Header")
    request_id = RequestId.parse(child_text(header, sr("RequestID"), field="RequestID"))
    reference = child_text(header, sr("ServiceReference"), field="ServiceReference")
    variant = child_text(header, sr("ServiceReferenceVariant"), field="ServiceReferenceVariant")
    return request_id, reference, variant


def request_from_element(root: ET.Element) -> ServiceRequest:
    """The request; raises ``UnknownServiceRequest`` (a DuisError) for a service reference the
    harness has no definition for."""
    from harness.service_requests import definition_for

    request_id, reference_text, variant = request_header(root)
    header = child(root, sr("Header"), field="Header")
    cv_text = child_text(header, sr("CommandVariant"), field="CommandVariant")
    if not cv_text.isdigit():
        raise DuisError(f"{cv_text!r} is not a number", field="CommandVariant")
    definition = definition_for(reference_text)
    body = child(root, sr("Body"), field="Body")
    element = child(body, sr(definition.body_element), field=definition.body_element)
    return ServiceRequest(
        request_id=request_id,
        service_reference=definition.reference,
        body=definition.parse_body(element),
        command_variant=int(cv_text),
        service_reference_variant=variant,
        signed=root.find(ds("Signature")) is not None,
    )

"""The DCC-side processing of the firmware service requests 11.1-11.4 for SMETS1 devices.

A request is checked (schema where the XSD is available; target devices known and of a type the
behaviour profile allows for the request in their installation's cohort; for 11.1 the image header
against each device model) and executed through :class:`rigs.operations.RigOperations`. The result
is the DUIS response and the alerts a service user would receive.

Future-dated 11.3 requests are held here, as the SMETS1 service provider holds them, and executed
by :meth:`ServiceRequestProcessor.run_due` once the injected clock reaches their ExecutionDateTime.
An 11.3 whose ExecutionDateTime falls on 3000-12-31 cancels the pending activation of its target.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.dcc.alerts import ALERT_FOR_STATUS, AlertKind, UserAlert
from harness.dcc.inventory import Inventory, InventoryEntry
from harness.dcc.profiles import ProcessorSettings
from harness.duis.codes import ActivationStatus, ServiceReference
from harness.duis.errors import DuisError, SchemaUnavailable
from harness.duis.requests import (
    ActivateFirmware,
    ServiceRequest,
    UpdateFirmware,
    request_from_element,
)
from harness.duis.responses import (
    ActivationAlert,
    ActivationReport,
    DccAlert,
    DccResponse,
    FirmwareDistributionFailure,
    FirmwareVersionReport,
    FirmwareWarnings,
    S1SPAlert,
    ServiceResponse,
    Smets1Reply,
)
from harness.duis.schema import load_schema, schema_problems
from harness.duis.xmlnames import parse_document
from harness.firmware.errors import ImageError
from harness.firmware.image import FirmwareImage, parse_image
from rigs.operations import ActivationStatus as RigActivationStatus
from rigs.operations import (
    DeviceTimeout,
    RigError,
    RigOperations,
    TransferResult,
    TransferStatus,
)

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class RequestRejected(DuisError):
    """The request never reaches DUIS processing (malformed or not valid against the schema)."""


@dataclass
class ProcessResult:
    request: ServiceRequest
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


@dataclass(frozen=True)
class PendingActivation:
    request: ServiceRequest
    entry: InventoryEntry
    at: dt.datetime
    firmware_hash: bytes


def _short_version(build_id: str | None) -> str | None:
    """A DUIS FirmwareVersion (1-8 characters), or None when the device gave none that fits."""
    if build_id is None or not 1 <= len(build_id) <= 8:
        return None
    return build_id


class ServiceRequestProcessor:
    """Takes DUIS firmware requests, runs them on a rig, answers as the DCC would."""

    def __init__(
        self,
        rig: RigOperations,
        inventory: Inventory,
        settings: ProcessorSettings | None = None,
        *,
        clock: Clock = utc_now,
        schema: Any = "auto",
        transfer_timeout: float = 600.0,
    ) -> None:
        """``schema``: a loaded ``xmlschema`` schema, None to skip schema checks, or "auto"
        to use the DUIS XSD when it can be found (see :mod:`harness.duis.schema`)."""
        self.rig = rig
        self.inventory = inventory
        self.settings = settings if settings is not None else ProcessorSettings()
        self.clock = clock
        if schema == "auto":
            try:
                schema = load_schema()
            except SchemaUnavailable:
                schema = None
        self.schema = schema
        self.transfer_timeout = transfer_timeout
        self._pending: dict[str, PendingActivation] = {}

    # --- entry points ---------------------------------------------------------------------------

    async def process(self, request: ServiceRequest | bytes | str) -> ProcessResult:
        """Check and execute one request. Raises :class:`RequestRejected` for malformed or
        schema-invalid XML (the DCC refuses such a request before DUIS processing)."""
        parsed, checked = self._accept(request)
        reference = parsed.service_reference
        if reference in (ServiceReference.UPDATE_FIRMWARE, ServiceReference.UPDATE_PPMID_FIRMWARE):
            result = await self._update_firmware(parsed)
        elif reference is ServiceReference.READ_FIRMWARE_VERSION:
            result = await self._read_firmware_version(parsed)
        else:
            result = await self._activate_firmware(parsed)
        result.schema_checked = checked
        return result

    def pending(self) -> dict[str, dt.datetime]:
        """Pending future-dated activations: device id -> ExecutionDateTime."""
        return {device: p.at for device, p in self._pending.items()}

    async def run_due(self) -> list[UserAlert]:
        """Execute every pending activation whose time has come on the clock; return the alerts."""
        now = self.clock()
        alerts: list[UserAlert] = []
        for device, pending in sorted(self._pending.items(), key=lambda item: item[1].at):
            if pending.at > now:
                continue
            del self._pending[device]
            status, version = await self._activate_on_device(pending.entry, pending.firmware_hash)
            at = self.clock()
            request = pending.request
            document = ServiceResponse(
                response_code="I0",
                response_datetime=at,
                body=Smets1Reply(
                    device_id=pending.entry.device_id,
                    user_id=request.request_id.originator,
                    counter=request.request_id.counter,
                    payload=ActivationAlert(
                        timestamp=at,
                        execution_datetime=pending.at,
                        command_counter=request.request_id.counter,
                        status=status,
                        firmware_version=version,
                    ),
                ),
                service_reference=ServiceReference.ACTIVATE_FIRMWARE,
            )
            alerts.append(
                UserAlert(
                    kind=ALERT_FOR_STATUS[status],
                    device_id=pending.entry.device_id,
                    request_id=request.request_id,
                    at=at,
                    document=document,
                )
            )
        return alerts

    # --- checks ---------------------------------------------------------------------------------

    def _accept(self, request: ServiceRequest | bytes | str) -> tuple[ServiceRequest, bool]:
        """The request, parsed; and whether it was checked against the schema (when there is one)."""
        if isinstance(request, ServiceRequest) and self.schema is None:
            return request, False
        document = request.to_xml() if isinstance(request, ServiceRequest) else request
        try:
            root = parse_document(document)
            if self.schema is not None:
                problems = schema_problems(root, self.schema)
                if problems:
                    raise DuisError(
                        f"not valid against the DUIS XSD: {problems[0]}", field="schema"
                    )
            parsed = request if isinstance(request, ServiceRequest) else request_from_element(root)
        except DuisError as exc:
            raise RequestRejected(exc.reason, field=exc.field) from None
        return parsed, self.schema is not None

    def _respond(
        self,
        request: ServiceRequest,
        code: str,
        body: DccResponse | Smets1Reply | None = None,
    ) -> ServiceResponse:
        return ServiceResponse(
            response_code=code,
            response_datetime=self.clock(),
            body=body if body is not None else DccResponse(),
            request_id=request.request_id,
            service_reference=request.service_reference,
            service_reference_variant=request.service_reference_variant,
        )

    def _target_check(self, request: ServiceRequest, device_id: str) -> InventoryEntry | str:
        """The inventory entry, or the response code refusing it."""
        entry = self.inventory.get(device_id)
        if entry is None:
            return self.settings.unknown_device_code
        if not self.settings.profile.allows(request.service_reference, entry.role, entry.cohort):
            return self.settings.rejected_target_code
        return entry

    def _rig_error_code(self, error: RigError) -> str:
        if isinstance(error, DeviceTimeout):
            return self.settings.no_response_code
        return self.settings.unreachable_code

    # --- 11.1 / 11.4 ----------------------------------------------------------------------------

    @staticmethod
    def image_mismatch(image: FirmwareImage, entry: InventoryEntry) -> str | None:
        """Why the image does not suit the device model, or None when it does."""
        header, model = image.header, entry.model
        if header.manufacturer_code != model.manufacturer_code:
            return (
                f"manufacturer code 0x{header.manufacturer_code:04X} is not the device's "
                f"0x{model.manufacturer_code:04X}"
            )
        if header.image_type != model.image_type:
            return (
                f"image type 0x{header.image_type:04X} is not the device's 0x{model.image_type:04X}"
            )
        if not header.accepts_hardware(model.hardware_version):
            return (
                f"hardware version 0x{model.hardware_version:04X} is outside the image's range "
                f"0x{header.minimum_hardware_version or 0:04X}-"
                f"0x{header.maximum_hardware_version or 0:04X}"
            )
        return None

    async def _update_firmware(self, request: ServiceRequest) -> ProcessResult:
        body = request.body
        assert isinstance(body, UpdateFirmware)
        notes: list[str] = []
        unknown: list[str] = []
        refused: list[str] = []
        entries: list[InventoryEntry] = []
        for device_id in body.device_ids:
            checked = self._target_check(request, device_id)
            if isinstance(checked, InventoryEntry):
                entries.append(checked)
            elif checked == self.settings.unknown_device_code:
                unknown.append(device_id)
            else:
                refused.append(device_id)
        if not entries:
            code = (
                self.settings.rejected_target_code if refused else self.settings.unknown_device_code
            )
            return ProcessResult(request, self._respond(request, code))
        image: FirmwareImage | None
        try:
            image = parse_image(body.image)
        except ImageError as exc:
            image = None
            notes.append(f"image not readable: {exc}")
        applicable: list[InventoryEntry] = []
        not_applicable: list[str] = []
        for entry in entries:
            why = "unreadable image" if image is None else self.image_mismatch(image, entry)
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
            self._respond(request, "I0", DccResponse(warnings if warnings else None)),
            notes=notes,
        )
        for entry in applicable:
            transfer = await self._distribute(entry, body.image)
            result.transfers[entry.device_id] = transfer
            result.alerts.append(
                self._transfer_alert(request, entry, body.firmware_version, transfer)
            )
        return result

    async def _distribute(self, entry: InventoryEntry, image: bytes) -> TransferResult:
        try:
            return await self.rig.distribute_image(entry.ieee, image, timeout=self.transfer_timeout)
        except RigError as exc:
            status = (
                TransferStatus.TIMEOUT if isinstance(exc, DeviceTimeout) else TransferStatus.FAILED
            )
            return TransferResult(status, bytes_sent=0, blocks=0, seconds=0.0, reason=str(exc))

    def _transfer_alert(
        self, request: ServiceRequest, entry: InventoryEntry, version: str, transfer: TransferResult
    ) -> UserAlert:
        at = self.clock()
        alert: DccAlert
        if transfer.ok:
            kind = AlertKind.TRANSFER_SUCCESS
            alert = DccAlert(
                self.settings.transfer_success_alert_code,
                S1SPAlert(
                    code=self.settings.transfer_success_s1sp_code,
                    at=at,
                    request_id=request.request_id,
                    device_id=entry.device_id,
                    information=f"FirmwareVersion {version}",
                ),
            )
        else:
            kind = AlertKind.TRANSFER_FAILURE
            alert = DccAlert(
                self.settings.transfer_failure_alert_code,
                FirmwareDistributionFailure(request.request_id, (entry.device_id,)),
            )
        document = ServiceResponse(response_code="I0", response_datetime=at, body=alert)
        return UserAlert(
            kind=kind,
            device_id=entry.device_id,
            request_id=request.request_id,
            at=at,
            document=document,
            detail=transfer.reason or transfer.status.value,
        )

    # --- 11.2 -----------------------------------------------------------------------------------

    async def _read_firmware_version(self, request: ServiceRequest) -> ProcessResult:
        checked = self._target_check(request, request.request_id.target)
        if not isinstance(checked, InventoryEntry):
            return ProcessResult(request, self._respond(request, checked))
        try:
            version = await self.rig.read_firmware_version(checked.ieee)
        except RigError as exc:
            return ProcessResult(
                request, self._respond(request, self._rig_error_code(exc)), notes=[str(exc)]
            )
        reply = Smets1Reply(
            device_id=checked.device_id,
            user_id=request.request_id.originator,
            counter=request.request_id.counter,
            payload=FirmwareVersionReport(_short_version(version.build_id)),
        )
        return ProcessResult(request, self._respond(request, "I0", reply))

    # --- 11.3 -----------------------------------------------------------------------------------

    async def _activate_firmware(self, request: ServiceRequest) -> ProcessResult:
        body = request.body
        assert isinstance(body, ActivateFirmware)
        checked = self._target_check(request, request.request_id.target)
        if not isinstance(checked, InventoryEntry):
            return ProcessResult(request, self._respond(request, checked))
        entry = checked

        def reply(report: ActivationReport) -> Smets1Reply:
            return Smets1Reply(
                device_id=entry.device_id,
                user_id=request.request_id.originator,
                counter=request.request_id.counter,
                payload=report,
            )

        if body.is_cancellation:
            cancelled = self._pending.pop(entry.device_id, None) is not None
            result = ProcessResult(
                request,
                self._respond(request, "I0", reply(ActivationReport(None, success=cancelled))),
                cancelled=cancelled,
            )
            if not cancelled:
                result.notes.append("no pending activation to cancel")
            return result
        when = body.execution_datetime
        if when is not None and when > self.clock():
            self._pending[entry.device_id] = PendingActivation(
                request, entry, when, body.firmware_hash
            )
            return ProcessResult(
                request,
                self._respond(request, "I0", reply(ActivationReport(None))),
                scheduled_at=when,
            )
        status, version = await self._activate_on_device(entry, body.firmware_hash)
        report = ActivationReport(status, version, success=status is ActivationStatus.SUCCESS)
        return ProcessResult(
            request, self._respond(request, "I0", reply(report)), activation=status
        )

    async def _activate_on_device(
        self, entry: InventoryEntry, firmware_hash: bytes
    ) -> tuple[ActivationStatus, str | None]:
        """Check the held image's manufacturer-image hash, then activate. Never raises RigError."""
        try:
            held = await self.rig.read_held_image(entry.ieee)
            if held is None:
                return ActivationStatus.NO_IMAGE_HELD, await self._running_version(entry)
            if held.manufacturer_image_sha256 != firmware_hash:
                return ActivationStatus.HASH_MISMATCH, await self._running_version(entry)
            outcome = await self.rig.activate(entry.ieee)
        except RigError:
            return ActivationStatus.ACTIVATION_FAILURE, None
        if outcome.status is RigActivationStatus.ACTIVATED:
            running = outcome.running
            version = _short_version(running.build_id) if running is not None else None
            return ActivationStatus.SUCCESS, version or await self._running_version(entry)
        if outcome.status is RigActivationStatus.NO_IMAGE:
            return ActivationStatus.NO_IMAGE_HELD, await self._running_version(entry)
        return ActivationStatus.ACTIVATION_FAILURE, await self._running_version(entry)

    async def _running_version(self, entry: InventoryEntry) -> str | None:
        try:
            return _short_version((await self.rig.read_firmware_version(entry.ieee)).build_id)
        except RigError:
            return None

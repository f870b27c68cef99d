"""The DCC-side processing of service requests for SMETS1 devices.

A request is checked (schema where the XSD is available; a service request the harness defines;
the originator a known service user of an eligible role; its counter above every earlier one of
that originator; the RequestID target the DCC or a device as the service request needs) and then
processed by its definition (:mod:`harness.service_requests`) through
the rig's capabilities (:mod:`rigs.capabilities`). The result is the DUIS response and the alerts a service
user would receive. Every refusal is a DUIS response with an E code (settings in
:class:`~harness.dcc.profiles.ProcessorSettings`), never an exception, except for a document that
is not DUIS at all (:class:`RequestRejected`).

Future-dated 11.3 requests are held here, as the SMETS1 service provider holds them, and executed
by :meth:`ServiceRequestProcessor.run_due` once the injected clock reaches their ExecutionDateTime.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.dcc.alerts import ALERT_FOR_STATUS, AlertKind, UserAlert
from harness.dcc.inventory import Inventory, InventoryEntry
from harness.dcc.profiles import ProcessorSettings, target_allowed
from harness.dcc.results import ProcessResult, short_version
from harness.duis.codes import ActivationStatus, ServiceReference
from harness.duis.errors import DuisError, SchemaUnavailable
from harness.duis.requests import ServiceRequest, request_from_element, request_header
from harness.duis.responses import (
    ActivationAlert,
    DccAlert,
    DccResponse,
    FirmwareDistributionFailure,
    S1SPAlert,
    ServiceResponse,
    Smets1Reply,
)
from harness.duis.schema import load_schema, schema_problems
from harness.duis.xmlnames import parse_document
from rigs.capabilities import Firmware
from rigs.operations import ActivationStatus as RigActivationStatus
from rigs.operations import (
    DeviceRole,
    DeviceTimeout,
    RigError,
    TransferResult,
    TransferStatus,
)

__all__ = ["ProcessResult", "RequestRejected", "ServiceRequestProcessor", "utc_now"]

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class RequestRejected(DuisError):
    """The request never reaches DUIS processing (malformed or not valid against the schema)."""


class _Unsupported(Exception):
    """A DUIS request of a service request the harness does not implement, and its refusal."""

    def __init__(self, result: ProcessResult) -> None:
        super().__init__(result.notes[0] if result.notes else "unsupported service request")
        self.result = result


@dataclass(frozen=True)
class PendingActivation:
    request: ServiceRequest
    entry: InventoryEntry
    at: dt.datetime
    firmware_hash: bytes


class ServiceRequestProcessor:
    """Takes DUIS firmware requests, runs them on a rig, answers as the DCC would."""

    def __init__(
        self,
        rig: Firmware,
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
        self._counters: dict[str, int] = {}  # originator -> last counter accepted

    # --- entry points ---------------------------------------------------------------------------

    async def process(self, request: ServiceRequest | bytes | str) -> ProcessResult:
        """Check and execute one request. Raises :class:`RequestRejected` for malformed or
        schema-invalid XML (the DCC refuses such a request before DUIS processing); every other
        refusal is a DUIS response."""
        from harness.service_requests import definition_for

        try:
            parsed, checked = self._accept(request)
        except _Unsupported as exc:
            exc.result.schema_checked = self.schema is not None
            return exc.result
        refusal = self._header_check(parsed)
        if refusal is not None:
            code, note = refusal
            result = ProcessResult(parsed, self.respond(parsed, code), notes=[note])
        else:
            result = await definition_for(parsed.service_reference).process(self, parsed)
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
            status, version = await self.activate_on_device(pending.entry, pending.firmware_hash)
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
        """The request, parsed; and whether it was checked against the schema (when there is one).

        A document valid as DUIS whose service request the harness does not implement raises
        :class:`_Unsupported` holding the DUIS response that refuses it."""
        from harness.service_requests import UnknownServiceRequest

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
            try:
                parsed = (
                    request if isinstance(request, ServiceRequest) else request_from_element(root)
                )
            except UnknownServiceRequest as exc:
                request_id, reference, variant = request_header(root)
                response = ServiceResponse(
                    response_code=self.settings.unsupported_request_code,
                    response_datetime=self.clock(),
                    body=DccResponse(),
                    request_id=request_id,
                    service_reference=reference,
                    service_reference_variant=variant,
                )
                raise _Unsupported(ProcessResult(None, response, notes=[exc.reason])) from None
        except DuisError as exc:
            raise RequestRejected(exc.reason, field=exc.field) from None
        return parsed, self.schema is not None

    def _header_check(self, request: ServiceRequest) -> tuple[str, str] | None:
        """The response code and reason refusing the request on its header, or None.

        In order: the originator is a known service user whose role is eligible for the service
        request; its counter is above every earlier one of that originator; the RequestID target
        is the DCC (non-device requests) or a device (device requests); a PPMID target of a
        request listed in ``ppmid_firmware_references`` comes from a role in
        ``ppmid_firmware_roles``.
        """
        from harness.service_requests import TargetKind, definition_for

        settings = self.settings
        definition = definition_for(request.service_reference)
        rid = request.request_id
        code = request.service_reference.value
        role = settings.role_of(rid.originator)
        if role is None:
            return settings.ineligible_role_code, (
                f"originator {rid.originator} is not a known service user (setting user_roles)"
            )
        if role not in definition.eligible_roles:
            eligible = ", ".join(sorted(r.value for r in definition.eligible_roles))
            return settings.ineligible_role_code, (
                f"user role {role.value} ({role.full_name}) of {rid.originator} is not eligible for "
                f"SR {code} (eligible: {eligible})"
            )
        last = self._counters.get(rid.originator)
        if last is not None and rid.counter <= last:
            return settings.stale_counter_code, (
                f"counter {rid.counter} of {rid.originator} is not above its last, {last}"
            )
        self._counters[rid.originator] = rid.counter
        dcc = settings.dcc_id
        if definition.target is TargetKind.DCC and rid.target != dcc:
            return settings.wrong_target_code, (
                f"SR {code} names the DCC ({dcc}) as RequestID target, not {rid.target}"
            )
        if definition.target is TargetKind.DEVICE and rid.target == dcc:
            return settings.wrong_target_code, (
                f"SR {code} names the device as RequestID target, not the DCC ({dcc})"
            )
        if request.service_reference in settings.ppmid_firmware_references:
            for device_id in definition.devices(request):
                entry = self.inventory.get(device_id)
                if (
                    entry is not None
                    and entry.role is DeviceRole.PPMID
                    and role not in settings.ppmid_firmware_roles
                ):
                    allowed = ", ".join(sorted(r.value for r in settings.ppmid_firmware_roles))
                    return settings.ineligible_role_code, (
                        f"SR {code} to a PPMID is for {allowed} (setting "
                        f"ppmid_firmware_roles), not {role.value}"
                    )
        return None

    def respond(
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

    def target_check(self, request: ServiceRequest, device_id: str) -> InventoryEntry | str:
        """The inventory entry, or the response code refusing it."""
        entry = self.inventory.get(device_id)
        if entry is None:
            return self.settings.unknown_device_code
        if not target_allowed(
            self.settings.profile, request.service_reference, entry.role, entry.cohort
        ):
            return self.settings.rejected_target_code
        return entry

    def rig_error_code(self, error: RigError) -> str:
        if isinstance(error, DeviceTimeout):
            return self.settings.no_response_code
        return self.settings.unreachable_code

    async def distribute(self, entry: InventoryEntry, image: bytes) -> TransferResult:
        try:
            return await self.rig.distribute_image(entry.ieee, image, timeout=self.transfer_timeout)
        except RigError as exc:
            status = (
                TransferStatus.TIMEOUT if isinstance(exc, DeviceTimeout) else TransferStatus.FAILED
            )
            return TransferResult(status, bytes_sent=0, blocks=0, seconds=0.0, reason=str(exc))

    def transfer_alert(
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

    # --- pending activations (11.3) ---------------------------------------------------------

    def hold_activation(
        self, request: ServiceRequest, entry: InventoryEntry, at: dt.datetime, firmware_hash: bytes
    ) -> None:
        self._pending[entry.device_id] = PendingActivation(request, entry, at, firmware_hash)

    def cancel_activation(self, device_id: str) -> bool:
        """Drop the pending activation of the device; whether there was one."""
        return self._pending.pop(device_id, None) is not None

    async def activate_on_device(
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
            version = short_version(running.build_id) if running is not None else None
            return ActivationStatus.SUCCESS, version or await self._running_version(entry)
        if outcome.status is RigActivationStatus.NO_IMAGE:
            return ActivationStatus.NO_IMAGE_HELD, await self._running_version(entry)
        return ActivationStatus.ACTIVATION_FAILURE, await self._running_version(entry)

    async def _running_version(self, entry: InventoryEntry) -> str | None:
        try:
            return short_version((await self.rig.read_firmware_version(entry.ieee)).build_id)
        except RigError:
            return None

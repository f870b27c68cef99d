"""DUIS 5.4 responses and alerts of the firmware service requests, in the SMETS1 forms.

Every document here is an ``sr:Response`` whose Body is one of:

- ``ResponseMessage`` (:class:`DccResponse`): a DCC-only answer (11.1 / 11.4, errors), with an
  optional DSPUpdateFirmwareWarning listing devices left out;
- ``SMETS1ResponseMessage`` (:class:`Smets1Reply`): a device's answer relayed by the SMETS1 service
  provider, inside ``SMETS1SignedResponse``: ReadFirmwareVersionRsp (11.2), ActivateFirmwareRsp (11.3)
  or a device alert carrying a future-dated activation's outcome (GBCS 0x8F66 / 0x8F67);
- ``DCCAlertMessage`` (:class:`DccAlert`): FirmwareDistributionFailure or an S1SP alert.

Signatures the schema requires (SMETS1SignedResponse, S1SPAlert) are structural placeholders.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from harness.duis.codes import (
    FUTURE_DATED_FAILURE_ALERT,
    FUTURE_DATED_SUCCESS_ALERT,
    RESPONSE_CODE_FORM,
    ActivationStatus,
    ServiceReference,
)
from harness.duis.errors import DuisError
from harness.duis.identifiers import RequestId, normalise_eui64
from harness.duis.requests import check_firmware_version
from harness.duis.timestamps import format_datetime, parse_datetime
from harness.duis.xmlnames import (
    SCHEMA_VERSION,
    SR,
    child,
    child_text,
    local_name,
    namespace_of,
    optional_text,
    parse_document,
    placeholder_signature,
    ra,
    sr,
    sub,
    to_bytes,
)


@dataclass(frozen=True)
class FirmwareWarnings:
    """Devices of an 11.1 / 11.4 DeviceIDList the DCC did not send the image to, by reason."""

    invalid: tuple[str, ...] = ()
    not_commissioned: tuple[str, ...] = ()
    not_applicable: tuple[str, ...] = ()
    other_request_in_progress: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(
            self.invalid
            or self.not_commissioned
            or self.not_applicable
            or self.other_request_in_progress
        )


_WARNING_ELEMENTS = (
    ("invalid", "InvalidDeviceIDList"),
    ("not_commissioned", "NotCommissionedDeviceIDList"),
    ("not_applicable", "NotApplicableFirmwareDeviceIDList"),
    ("other_request_in_progress", "OtherRequestInProgressList"),
)


@dataclass(frozen=True)
class DccResponse:
    warnings: FirmwareWarnings | None = None


@dataclass(frozen=True)
class FirmwareVersionReport:
    """ReadFirmwareVersionRsp (11.2)."""

    firmware_version: str | None
    success: bool = True


@dataclass(frozen=True)
class ActivationReport:
    """ActivateFirmwareRsp (11.3). No status: accepted for future-dated execution."""

    status: ActivationStatus | None
    firmware_version: str | None = None
    success: bool = True


@dataclass(frozen=True)
class ActivationAlert:
    """A device alert with a future-dated activation's outcome (0x8F66 success, 0x8F67 failure)."""

    timestamp: dt.datetime
    execution_datetime: dt.datetime
    command_counter: int
    status: ActivationStatus
    firmware_version: str | None = None

    @property
    def alert_code(self) -> str:
        return (
            FUTURE_DATED_SUCCESS_ALERT
            if self.status is ActivationStatus.SUCCESS
            else FUTURE_DATED_FAILURE_ALERT
        )


Smets1Payload = FirmwareVersionReport | ActivationReport | ActivationAlert


@dataclass(frozen=True)
class Smets1Reply:
    device_id: str  # BusinessOriginatorID: the device
    user_id: str  # BusinessTargetID: the service user
    counter: int  # OriginatorCounter: the request's counter
    payload: Smets1Payload


@dataclass(frozen=True)
class FirmwareDistributionFailure:
    update_request_id: RequestId
    meter_ids: tuple[str, ...]


@dataclass(frozen=True)
class S1SPAlert:
    """An alert of the SMETS1 service provider (here: a firmware transfer outcome)."""

    code: str
    at: dt.datetime
    request_id: RequestId | None = None
    device_id: str | None = None
    information: str | None = None


@dataclass(frozen=True)
class DccAlert:
    alert_code: str  # DCCAlertCode (N...)
    alert: FirmwareDistributionFailure | S1SPAlert


ResponseBody = DccResponse | Smets1Reply | DccAlert


@dataclass(frozen=True)
class ServiceResponse:
    response_code: str
    response_datetime: dt.datetime
    body: ResponseBody
    request_id: RequestId | None = None
    service_reference: ServiceReference | str | None = None
    """A ``str`` only for a service request the harness does not implement (its refusal)."""
    service_reference_variant: str | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not RESPONSE_CODE_FORM.fullmatch(self.response_code):
            raise DuisError(f"{self.response_code!r} is not a response code", field="ResponseCode")
        if self.service_reference is not None and self.service_reference_variant is None:
            object.__setattr__(self, "service_reference_variant", self.reference_code)

    @property
    def reference_code(self) -> str | None:
        """The service reference as written (``11.1``), or None."""
        reference = self.service_reference
        if isinstance(reference, ServiceReference):
            return reference.value
        return reference

    @property
    def ok(self) -> bool:
        return self.response_code.startswith("I")

    def to_xml(self) -> bytes:
        return build_response_xml(self)


# --- building -----------------------------------------------------------------------------------


def _build_activation_fields(
    parent: ET.Element, status: ActivationStatus | None, version: str | None
) -> None:
    if status is not None:
        code = sub(parent, ra("ActivateImageResponseCode"), ResponseCode=str(status.asn1_code))
        sub(code, ra("ASN1Status"), status.value)
    if version is not None:
        sub(parent, ra("FirmwareVersion"), check_firmware_version(version))


def _build_smets1(body: ET.Element, response: ServiceResponse, reply: Smets1Reply) -> None:
    message = sub(body, sr("SMETS1ResponseMessage"))
    if response.service_reference is not None:
        sub(message, sr("ServiceReference"), response.reference_code)
        sub(message, sr("ServiceReferenceVariant"), response.service_reference_variant)
    signed = sub(message, sr("SMETS1SignedResponse"), schemaVersion=SCHEMA_VERSION)
    inner = sub(signed, sr("SMETS1Response"))
    header = sub(inner, sr("Header"))
    sub(header, ra("BusinessOriginatorID"), normalise_eui64(reply.device_id))
    sub(header, ra("BusinessTargetID"), normalise_eui64(reply.user_id))
    sub(header, ra("OriginatorCounter"), str(reply.counter))
    if response.service_reference is not None:
        sub(header, ra("ServiceReference"), response.reference_code)
        sub(header, ra("ServiceReferenceVariant"), response.service_reference_variant)
    sub(header, ra("Timestamp"), format_datetime(response.response_datetime))
    inner_body = sub(inner, sr("Body"))
    payload = reply.payload
    if isinstance(payload, ActivationAlert):
        alert = sub(inner_body, sr("DeviceAlertMessage"))
        content = sub(alert, ra("DeviceAlertContent"))
        sub(content, ra("GBCSHexAlertCode"), payload.alert_code)
        outcome = "succeeded" if payload.status is ActivationStatus.SUCCESS else "failed"
        sub(content, ra("AlertDescription"), f"Future-dated firmware activation {outcome}")
        sub(content, ra("Timestamp"), format_datetime(payload.timestamp))
        holder = sub(sub(content, ra("Payload")), ra("FutureDatedCommandOutcomeDeviceAlert"))
        activation = sub(holder, ra("FirmwareActivationDeviceAlert"))
        sub(activation, ra("ExecutionDateTime"), format_datetime(payload.execution_datetime))
        sub(activation, ra("OriginatorCounterFromCommand"), str(payload.command_counter))
        _build_activation_fields(activation, payload.status, payload.firmware_version)
    else:
        data = sub(sub(inner_body, sr("ResponseMessage")), ra("SMETSData"))
        flag = "true" if payload.success else "false"
        if isinstance(payload, FirmwareVersionReport):
            rsp = sub(data, ra("ReadFirmwareVersionRsp"), MessageSuccess=flag)
            if payload.firmware_version is not None:
                sub(rsp, ra("FirmwareVersion"), payload.firmware_version)
        else:
            rsp = sub(data, ra("ActivateFirmwareRsp"), MessageSuccess=flag)
            _build_activation_fields(rsp, payload.status, payload.firmware_version)
    placeholder_signature(signed)


def _build_dcc_alert(body: ET.Element, alert: DccAlert) -> None:
    message = sub(body, sr("DCCAlertMessage"))
    sub(message, sr("DCCAlertCode"), alert.alert_code)
    holder = sub(message, sr("DCCAlert"))
    inner = alert.alert
    if isinstance(inner, FirmwareDistributionFailure):
        failure = sub(holder, sr("FirmwareDistributionFailure"))
        sub(failure, sr("UpdateFirmwareRequestID"), str(inner.update_request_id))
        sub(failure, sr("MeterIDs"), ",".join(normalise_eui64(m) for m in inner.meter_ids))
    else:
        dsp = sub(holder, sr("S1SPAlertDSP"))
        s1sp = sub(dsp, sr("S1SPAlert"), schemaVersion=SCHEMA_VERSION)
        if inner.request_id is not None:
            sub(s1sp, sr("RequestID"), str(inner.request_id))
        if inner.device_id is not None:
            sub(s1sp, sr("DeviceID"), normalise_eui64(inner.device_id))
        sub(s1sp, sr("S1SPAlertCode"), inner.code)
        if inner.information is not None:
            sub(s1sp, sr("AdditionalInformation"), inner.information)
        sub(s1sp, sr("DateTime"), format_datetime(inner.at))
        placeholder_signature(s1sp)


def build_response_xml(response: ServiceResponse) -> bytes:
    root = ET.Element(sr("Response"), {"schemaVersion": SCHEMA_VERSION})
    header = sub(root, sr("Header"))
    if response.request_id is not None:
        sub(header, sr("RequestID"), str(response.request_id))
    sub(header, sr("ResponseCode"), response.response_code)
    sub(header, sr("ResponseDateTime"), format_datetime(response.response_datetime))
    body = sub(root, sr("Body"))
    b = response.body
    if isinstance(b, DccResponse):
        if response.service_reference is None:
            raise DuisError("a ResponseMessage needs a service reference", field="ServiceReference")
        message = sub(body, sr("ResponseMessage"))
        sub(message, sr("ServiceReference"), response.reference_code)
        sub(message, sr("ServiceReferenceVariant"), response.service_reference_variant)
        if b.warnings:
            name = (
                "DSPUpdatePPMIDFirmwareWarning"
                if response.service_reference is ServiceReference.UPDATE_PPMID_FIRMWARE
                else "DSPUpdateFirmwareWarning"
            )
            warning = sub(message, sr(name))
            for attribute, element in _WARNING_ELEMENTS:
                devices = getattr(b.warnings, attribute)
                if devices:
                    sub(warning, sr(element), ",".join(devices))
    elif isinstance(b, Smets1Reply):
        _build_smets1(body, response, b)
    else:
        _build_dcc_alert(body, b)
    return to_bytes(root)


# --- parsing ------------------------------------------------------------------------------------


def _devices(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(normalise_eui64(d, field="DeviceIDList") for d in text.split(","))


def _reference(text: str | None) -> ServiceReference | None:
    if text is None:
        return None
    try:
        return ServiceReference(text)
    except ValueError:
        raise DuisError(
            f"{text!r} is not a firmware service request (11.1-11.4)", field="ServiceReference"
        ) from None


def _any_reference(text: str) -> ServiceReference | str:
    """A ResponseMessage may refuse a service request the harness does not implement: its
    reference is kept as written."""
    try:
        return ServiceReference(text)
    except ValueError:
        return text


def _activation_fields(element: ET.Element) -> tuple[ActivationStatus | None, str | None]:
    status_text = optional_text(element, f"{ra('ActivateImageResponseCode')}/{ra('ASN1Status')}")
    status = None
    if status_text is not None:
        try:
            status = ActivationStatus(status_text)
        except ValueError:
            raise DuisError(
                f"{status_text!r} is not an activation status", field="ActivateImageResponseCode"
            ) from None
    return status, optional_text(element, ra("FirmwareVersion"))


def _parse_counter(text: str, field: str) -> int:
    if not text.isdigit():
        raise DuisError(f"{text!r} is not a counter", field=field)
    return int(text)


def _parse_smets1(message: ET.Element) -> tuple[Smets1Reply, ServiceReference | None]:
    reference = _reference(optional_text(message, sr("ServiceReference")))
    signed = child(message, sr("SMETS1SignedResponse"), field="SMETS1SignedResponse")
    inner = child(signed, sr("SMETS1Response"), field="SMETS1Response")
    header = child(inner, sr("Header"), field="SMETS1Response Header")
    device = normalise_eui64(
        child_text(header, ra("BusinessOriginatorID"), field="BusinessOriginatorID"),
        field="BusinessOriginatorID",
    )
    user = normalise_eui64(
        child_text(header, ra("BusinessTargetID"), field="BusinessTargetID"),
        field="BusinessTargetID",
    )
    counter = _parse_counter(
        child_text(header, ra("OriginatorCounter"), field="OriginatorCounter"), "OriginatorCounter"
    )
    if reference is None:
        reference = _reference(optional_text(header, ra("ServiceReference")))
    body = child(inner, sr("Body"), field="SMETS1Response Body")
    payload: Smets1Payload
    alert = body.find(sr("DeviceAlertMessage"))
    if alert is not None:
        content = child(alert, ra("DeviceAlertContent"), field="DeviceAlertContent")
        activation = child(
            content,
            f"{ra('Payload')}/{ra('FutureDatedCommandOutcomeDeviceAlert')}/"
            f"{ra('FirmwareActivationDeviceAlert')}",
            field="FirmwareActivationDeviceAlert",
        )
        status, version = _activation_fields(activation)
        if status is None:
            raise DuisError("missing activation status", field="ActivateImageResponseCode")
        payload = ActivationAlert(
            timestamp=parse_datetime(
                child_text(content, ra("Timestamp"), field="Timestamp"), field="Timestamp"
            ),
            execution_datetime=parse_datetime(
                child_text(activation, ra("ExecutionDateTime"), field="ExecutionDateTime"),
                field="ExecutionDateTime",
            ),
            command_counter=_parse_counter(
                child_text(
                    activation,
                    ra("OriginatorCounterFromCommand"),
                    field="OriginatorCounterFromCommand",
                ),
                "OriginatorCounterFromCommand",
            ),
            status=status,
            firmware_version=version,
        )
    else:
        data = child(body, f"{sr('ResponseMessage')}/{ra('SMETSData')}", field="SMETSData")
        read = data.find(ra("ReadFirmwareVersionRsp"))
        activate = data.find(ra("ActivateFirmwareRsp"))
        if read is not None:
            payload = FirmwareVersionReport(
                optional_text(read, ra("FirmwareVersion")),
                read.get("MessageSuccess", "true") == "true",
            )
        elif activate is not None:
            status, version = _activation_fields(activate)
            payload = ActivationReport(
                status, version, activate.get("MessageSuccess", "true") == "true"
            )
        else:
            raise DuisError(
                "not a firmware response (ReadFirmwareVersionRsp or ActivateFirmwareRsp)",
                field="SMETSData",
            )
    return Smets1Reply(device, user, counter, payload), reference


def _parse_dcc_alert(message: ET.Element) -> DccAlert:
    code = child_text(message, sr("DCCAlertCode"), field="DCCAlertCode")
    holder = child(message, sr("DCCAlert"), field="DCCAlert")
    failure = holder.find(sr("FirmwareDistributionFailure"))
    if failure is not None:
        return DccAlert(
            code,
            FirmwareDistributionFailure(
                RequestId.parse(
                    child_text(
                        failure, sr("UpdateFirmwareRequestID"), field="UpdateFirmwareRequestID"
                    )
                ),
                _devices(child_text(failure, sr("MeterIDs"), field="MeterIDs")),
            ),
        )
    s1sp = child(holder, f"{sr('S1SPAlertDSP')}/{sr('S1SPAlert')}", field="S1SPAlert")
    request_text = optional_text(s1sp, sr("RequestID"))
    device_text = optional_text(s1sp, sr("DeviceID"))
    return DccAlert(
        code,
        S1SPAlert(
            code=child_text(s1sp, sr("S1SPAlertCode"), field="S1SPAlertCode"),
            at=parse_datetime(child_text(s1sp, sr("DateTime"), field="DateTime"), field="DateTime"),
            request_id=RequestId.parse(request_text) if request_text else None,
            device_id=normalise_eui64(device_text, field="DeviceID") if device_text else None,
            information=optional_text(s1sp, sr("AdditionalInformation")),
        ),
    )


def parse_response(data: bytes | str) -> ServiceResponse:
    """Parse an ``sr:Response`` in one of the forms this module builds."""
    root = parse_document(data)
    if namespace_of(root.tag) != SR or local_name(root.tag) != "Response":
        raise DuisError(f"root element is {root.tag}, expected {{{SR}}}Response", field="Response")
    header = child(root, sr("Header"), field="Header")
    request_text = optional_text(header, sr("RequestID"))
    code = child_text(header, sr("ResponseCode"), field="ResponseCode")
    when = parse_datetime(
        child_text(header, sr("ResponseDateTime"), field="ResponseDateTime"),
        field="ResponseDateTime",
    )
    body = child(root, sr("Body"), field="Body")
    reference: ServiceReference | str | None = None
    variant: str | None = None
    parsed: ResponseBody
    message = body.find(sr("ResponseMessage"))
    smets1 = body.find(sr("SMETS1ResponseMessage"))
    alert = body.find(sr("DCCAlertMessage"))
    if message is not None:
        reference = _any_reference(
            child_text(message, sr("ServiceReference"), field="ServiceReference")
        )
        variant = optional_text(message, sr("ServiceReferenceVariant"))
        warning = message.find(sr("DSPUpdateFirmwareWarning"))
        if warning is None:
            warning = message.find(sr("DSPUpdatePPMIDFirmwareWarning"))
        warnings = None
        if warning is not None:
            warnings = FirmwareWarnings(
                **{
                    attribute: _devices(optional_text(warning, sr(element)))
                    for attribute, element in _WARNING_ELEMENTS
                }
            )
        parsed = DccResponse(warnings)
    elif smets1 is not None:
        parsed, reference = _parse_smets1(smets1)
        variant = optional_text(smets1, sr("ServiceReferenceVariant"))
    elif alert is not None:
        parsed = _parse_dcc_alert(alert)
    else:
        raise DuisError(
            "body is none of ResponseMessage, SMETS1ResponseMessage, DCCAlertMessage", field="Body"
        )
    return ServiceResponse(
        response_code=code,
        response_datetime=when,
        body=parsed,
        request_id=RequestId.parse(request_text) if request_text else None,
        service_reference=reference,
        service_reference_variant=variant,
    )

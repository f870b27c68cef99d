"""DUIS responses and alerts in their SMETS1 forms: build -> XSD-validate -> parse."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from harness.duis import (
    ActivationAlert,
    ActivationReport,
    ActivationStatus,
    DccAlert,
    DccResponse,
    DuisError,
    FirmwareDistributionFailure,
    FirmwareVersionReport,
    FirmwareWarnings,
    RequestId,
    S1SPAlert,
    ServiceReference,
    ServiceResponse,
    Smets1Reply,
    parse_response,
    schema_problems,
)

NOW = dt.datetime(2026, 11, 28, 16, 0, tzinfo=dt.UTC)
USER = "90-B3-D5-1F-30-01-00-00"
DEVICE = "00-DB-12-34-56-78-90-A4"
RID = RequestId(USER, DEVICE, 9)


def responses_under_test() -> list[ServiceResponse]:
    sr = ServiceReference
    return [
        ServiceResponse("I0", NOW, DccResponse(), RID, sr.UPDATE_FIRMWARE),
        ServiceResponse(
            "I0",
            NOW,
            DccResponse(FirmwareWarnings(invalid=(DEVICE,), not_applicable=(DEVICE,))),
            RID,
            sr.UPDATE_FIRMWARE,
        ),
        ServiceResponse(
            "I0",
            NOW,
            DccResponse(FirmwareWarnings(not_applicable=(DEVICE,))),
            RID,
            sr.UPDATE_PPMID_FIRMWARE,
        ),
        ServiceResponse("E11", NOW, DccResponse(), RID, sr.READ_FIRMWARE_VERSION),
        ServiceResponse(
            "I0",
            NOW,
            Smets1Reply(DEVICE, USER, 9, FirmwareVersionReport("0102")),
            RID,
            sr.READ_FIRMWARE_VERSION,
        ),
        *[
            ServiceResponse(
                "I0",
                NOW,
                Smets1Reply(
                    DEVICE,
                    USER,
                    9,
                    ActivationReport(status, "0102", status is ActivationStatus.SUCCESS),
                ),
                RID,
                sr.ACTIVATE_FIRMWARE,
            )
            for status in ActivationStatus
        ],
        ServiceResponse(
            "I0",
            NOW,
            Smets1Reply(DEVICE, USER, 9, ActivationReport(None)),
            RID,
            sr.ACTIVATE_FIRMWARE,
        ),
        ServiceResponse(
            "I0",
            NOW,
            Smets1Reply(
                DEVICE,
                USER,
                9,
                ActivationAlert(NOW, NOW, 9, ActivationStatus.HASH_MISMATCH, "0101"),
            ),
            None,
            sr.ACTIVATE_FIRMWARE,
        ),
        ServiceResponse("I0", NOW, DccAlert("N16", FirmwareDistributionFailure(RID, (DEVICE,)))),
        ServiceResponse(
            "I0", NOW, DccAlert("N55", S1SPAlert("FirmwareTransferSuccess", NOW, RID, DEVICE, "v2"))
        ),
    ]


@pytest.mark.parametrize("response", responses_under_test(), ids=lambda r: type(r.body).__name__)
def test_round_trip_validates_and_parses_back(response: ServiceResponse, duis_schema: Any) -> None:
    document = response.to_xml()
    assert schema_problems(document, duis_schema) == []
    assert parse_response(document) == response


def test_activation_alert_codes() -> None:
    ok = ActivationAlert(NOW, NOW, 1, ActivationStatus.SUCCESS)
    bad = ActivationAlert(NOW, NOW, 1, ActivationStatus.NO_IMAGE_HELD)
    assert ok.alert_code == "8F66"
    assert bad.alert_code == "8F67"


def test_activation_status_carries_asn1_code() -> None:
    document = ServiceResponse(
        "I0",
        NOW,
        Smets1Reply(DEVICE, USER, 9, ActivationReport(ActivationStatus.HASH_MISMATCH)),
        RID,
        ServiceReference.ACTIVATE_FIRMWARE,
    ).to_xml()
    assert b'ResponseCode="2"' in document
    assert b"<ra:ASN1Status>hashMismatch</ra:ASN1Status>" in document


def test_bad_response_code_is_named() -> None:
    with pytest.raises(DuisError) as info:
        ServiceResponse("OK", NOW, DccResponse(), RID, ServiceReference.UPDATE_FIRMWARE)
    assert info.value.field == "ResponseCode"


def test_parse_refuses_a_request_document() -> None:
    with pytest.raises(DuisError, match="expected"):
        parse_response(b'<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway"/>')

"""DUIS firmware requests: build -> XSD-validate -> parse, the DCC templates, and bad input."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest

from harness.duis import (
    MAX_FIRMWARE_IMAGE_BYTES,
    ActivateFirmware,
    DuisError,
    ReadFirmwareVersion,
    RequestId,
    ServiceReference,
    ServiceRequest,
    UpdateFirmware,
    UpdatePPMIDFirmware,
    parse_request,
    schema_problems,
)
from harness.firmware import build_image, manufacturer_payload

USER = "90-B3-D5-1F-30-01-00-00"
PPMID = "00-DB-12-34-56-78-90-A4"
WHEN = dt.datetime(2027, 3, 1, 2, 30, tzinfo=dt.UTC)
IMAGE = build_image(
    manufacturer_payload(700), manufacturer_code=0x121D, image_type=0x0004, file_version=0x0200
)


def requests_under_test() -> list[ServiceRequest]:
    rid = RequestId(USER, PPMID, 42)
    dcc_rid = RequestId(USER, "90-B3-D5-1F-30-00-00-02", 43)
    return [
        ServiceRequest(
            dcc_rid,
            ServiceReference.UPDATE_FIRMWARE,
            UpdateFirmware(IMAGE, "00000200", (PPMID, "00-DB-12-34-56-78-90-A0")),
        ),
        ServiceRequest(rid, ServiceReference.READ_FIRMWARE_VERSION, ReadFirmwareVersion()),
        ServiceRequest(rid, ServiceReference.READ_FIRMWARE_VERSION, ReadFirmwareVersion(WHEN)),
        ServiceRequest(rid, ServiceReference.ACTIVATE_FIRMWARE, ActivateFirmware(bytes(range(32)))),
        ServiceRequest(
            rid, ServiceReference.ACTIVATE_FIRMWARE, ActivateFirmware(bytes(range(32)), WHEN)
        ),
        ServiceRequest(
            dcc_rid,
            ServiceReference.UPDATE_PPMID_FIRMWARE,
            UpdatePPMIDFirmware(IMAGE, "2", (PPMID,)),
        ),
    ]


@pytest.mark.parametrize(
    "request_",
    requests_under_test(),
    ids=lambda r: f"{r.service_reference.value}-{r.request_id.counter}",
)
def test_round_trip_validates_and_parses_back(request_: ServiceRequest, duis_schema: Any) -> None:
    document = request_.to_xml()
    assert schema_problems(document, duis_schema) == []
    parsed = parse_request(document)
    assert parsed == request_
    assert parsed.command_variant == request_.service_reference.default_command_variant


def test_11_1_template_fields(template: Any) -> None:
    request = parse_request(template("11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML"))
    assert request.service_reference is ServiceReference.UPDATE_FIRMWARE
    assert request.request_id == RequestId(USER, "90-B3-D5-1F-30-00-00-02", 1000)
    assert request.command_variant == 8
    assert request.service_reference_variant == "11.1"
    assert request.signed
    assert isinstance(request.body, UpdateFirmware)
    assert request.body.firmware_version == "00000000"
    assert request.body.device_ids == ("00-DB-12-34-56-78-90-A0",)
    assert len(request.body.image) == 361
    assert request.body.image[:4] == bytes.fromhex("1EF1EE0B")


def test_11_2_template_fields(template: Any) -> None:
    request = parse_request(template("CS08_11.2_SUCCESS_REQUEST_DUIS.XML"))
    assert request.service_reference is ServiceReference.READ_FIRMWARE_VERSION
    assert request.request_id == RequestId("90-B3-D5-1F-30-00-00-02", PPMID, 1000)
    assert request.command_variant == 1
    assert request.body == ReadFirmwareVersion(None)
    assert request.target_devices == (PPMID,)


def test_11_3_template_fields(template: Any) -> None:
    request = parse_request(template("CS06_11.3_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML"))
    assert request.service_reference is ServiceReference.ACTIVATE_FIRMWARE
    assert request.request_id.target == "00-DB-12-34-56-78-90-A0"
    assert request.command_variant == 4
    assert isinstance(request.body, ActivateFirmware)
    assert request.body.firmware_hash == bytes.fromhex(
        "AA758690730934FF0685AA758690730934FF0685657788990011223344556677"
    )
    assert request.body.execution_datetime is None
    assert not request.body.is_cancellation


def test_templates_validate(template: Any, duis_schema: Any) -> None:
    for name in (
        "11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML",
        "CS08_11.2_SUCCESS_REQUEST_DUIS.XML",
        "CS06_11.3_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML",
    ):
        assert schema_problems(template(name), duis_schema) == [], name


def test_cancellation_form_is_recognised() -> None:
    body = ActivateFirmware(bytes(32), dt.datetime(3000, 12, 31, tzinfo=dt.UTC))
    assert body.is_cancellation
    parsed = parse_request(
        ServiceRequest(RequestId(USER, PPMID, 1), ServiceReference.ACTIVATE_FIRMWARE, body).to_xml()
    )
    assert isinstance(parsed.body, ActivateFirmware) and parsed.body.is_cancellation


def _template_with(template: Any, old: bytes, new: bytes) -> bytes:
    data: bytes = template("CS06_11.3_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML")
    assert old in data
    return data.replace(old, new)


def test_malformed_xml_is_a_duis_error() -> None:
    with pytest.raises(DuisError, match="malformed XML") as info:
        parse_request(b"<sr:Request xmlns:sr='x'><unclosed></sr:Request>")
    assert info.value.field == "XML"
    assert isinstance(info.value, ValueError)


def test_wrong_namespace_is_named(template: Any) -> None:
    data = _template_with(
        template,
        b'xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway"',
        b'xmlns:sr="http://example.com/not-duis"',
    )
    with pytest.raises(DuisError, match="namespace") as info:
        parse_request(data)
    assert info.value.field == "Request"


@pytest.mark.parametrize(
    "bad",
    [
        b"90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0",
        b"90-B3-D5-1F-30-01-00:00-DB-12-34-56-78-90-A0:1000",
        b"90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:x1",
        b"90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:18446744073709551616",
    ],
)
def test_bad_request_id_is_named(template: Any, bad: bytes) -> None:
    data = _template_with(template, b"90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1000", bad)
    with pytest.raises(DuisError) as info:
        parse_request(data)
    assert info.value.field == "RequestID"


def test_hash_of_wrong_length_is_named(template: Any) -> None:
    data = _template_with(
        template, b"657788990011223344556677</sr:FirmwareHash>", b"6577</sr:FirmwareHash>"
    )
    with pytest.raises(DuisError, match="must be 32") as info:
        parse_request(data)
    assert info.value.field == "FirmwareHash"
    with pytest.raises(DuisError, match="FirmwareHash"):
        ActivateFirmware(bytes(31))


def test_oversized_image_is_named_when_building_and_parsing(template: Any) -> None:
    too_big = bytes(MAX_FIRMWARE_IMAGE_BYTES + 1)
    with pytest.raises(DuisError, match="more than the 10240000") as info:
        UpdateFirmware(too_big, "1", (PPMID,))
    assert info.value.field == "FirmwareImage"
    data = template("11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML")
    start = data.index(b"<sr:FirmwareImage>") + len(b"<sr:FirmwareImage>")
    end = data.index(b"</sr:FirmwareImage>")
    huge = data[:start] + base64.b64encode(too_big) + data[end:]
    with pytest.raises(DuisError, match="more than the 10240000") as info:
        parse_request(huge)
    assert info.value.field == "FirmwareImage"


def test_image_at_the_limit_is_accepted() -> None:
    body = UpdateFirmware(bytes(MAX_FIRMWARE_IMAGE_BYTES), "1", (PPMID,))
    assert len(body.image) == MAX_FIRMWARE_IMAGE_BYTES


def test_bad_firmware_version_and_devices_are_named() -> None:
    with pytest.raises(DuisError) as info:
        UpdateFirmware(IMAGE, "123456789", (PPMID,))
    assert info.value.field == "FirmwareVersion"
    with pytest.raises(DuisError) as info:
        UpdateFirmware(IMAGE, "1", ("00-DB-12",))
    assert info.value.field == "DeviceIDList"
    with pytest.raises(DuisError) as info:
        UpdateFirmware(IMAGE, "1", ())
    assert info.value.field == "DeviceIDList"


def test_body_must_match_service_reference() -> None:
    with pytest.raises(DuisError, match="needs a ActivateFirmware body|needs a"):
        ServiceRequest(
            RequestId(USER, PPMID, 1), ServiceReference.ACTIVATE_FIRMWARE, ReadFirmwareVersion()
        )


def test_schema_reports_invalid_document(duis_schema: Any) -> None:
    document = (
        requests_under_test()[3].to_xml().replace(b"<sr:CommandVariant>4", b"<sr:CommandVariant>12")
    )
    problems = schema_problems(document, duis_schema)
    assert problems and "CommandVariant" in problems[0]


@pytest.mark.parametrize("size", [1000, 200_000])
def test_schema_check_of_images_small_and_large(size: int, duis_schema: Any) -> None:
    """Images above LARGE_IMAGE_CHARS are checked outside the validator, to the same verdicts."""
    image = bytes(size)
    document = ServiceRequest(
        RequestId(USER, "90-B3-D5-1F-30-00-00-02", 1),
        ServiceReference.UPDATE_FIRMWARE,
        UpdateFirmware(image, "1", (PPMID,)),
    ).to_xml()
    assert schema_problems(document, duis_schema) == []
    encoded = base64.b64encode(image)
    broken = document.replace(encoded, b"!!!!" + encoded[4:])
    problems = schema_problems(broken, duis_schema)
    assert len(problems) == 1 and "FirmwareImage" in problems[0]


def test_schema_check_refuses_oversized_image(duis_schema: Any) -> None:
    document = ServiceRequest(
        RequestId(USER, "90-B3-D5-1F-30-00-00-02", 1),
        ServiceReference.UPDATE_FIRMWARE,
        UpdateFirmware(b"x", "1", (PPMID,)),
    ).to_xml()
    huge = document.replace(
        base64.b64encode(b"x"), base64.b64encode(bytes(MAX_FIRMWARE_IMAGE_BYTES + 1))
    )
    problems = schema_problems(huge, duis_schema)
    assert problems == [
        f"FirmwareImage: {MAX_FIRMWARE_IMAGE_BYTES + 1} octets, more than the maxLength {MAX_FIRMWARE_IMAGE_BYTES}"
    ]

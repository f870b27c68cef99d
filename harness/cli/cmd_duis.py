"""``smets1-hil duis``: validate, build and show DUIS service requests (those in the registry:
:mod:`harness.service_requests`)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from harness.cli.user_files import read_bytes, write_bytes
from harness.errors import UserError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("duis", help="validate, build or show DUIS firmware requests")
    actions = parser.add_subparsers(dest="duis_command", metavar="ACTION", required=True)

    validate = actions.add_parser("validate", help="check DUIS XML files against the DUIS 5.4 XSD")
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    _xsd_option(validate)
    validate.set_defaults(func=run_validate)

    build = actions.add_parser(
        "build",
        help="write a service request",
        description="Write a DUIS request of a service request the harness implements "
        "(11.1 Update Firmware, 11.2 Read Firmware Version, 11.3 Activate Firmware, "
        "11.4 Update PPMID Firmware).",
    )
    build.add_argument("service_reference", metavar="SR", help="service reference, e.g. 11.1")
    build.add_argument(
        "--originator",
        help="service user EUI-64 (default: the one of DCC's reference data)",
    )
    build.add_argument(
        "--target",
        help="RequestID target EUI-64: the device for 11.2 / 11.3 (required there); the DCC "
        "for 11.1 / 11.4 (default: the DCC's EUI-64 of DCC's reference data, "
        "90-B3-D5-1F-30-00-00-02)",
    )
    build.add_argument(
        "--counter",
        type=int,
        default=1,
        help="originator's counter (default 1; DUIS needs it above every earlier one of the "
        "originator)",
    )
    build.add_argument("--command-variant", type=int, help="default: as DCC's reference data")
    build.add_argument(
        "--device",
        action="append",
        default=[],
        help="11.1 / 11.4: a device of the DeviceIDList (repeat, or comma-separated)",
    )
    build.add_argument("--image", type=Path, help="11.1 / 11.4: the image file; 11.3: hash it")
    build.add_argument(
        "--firmware-version",
        help="11.1 / 11.4: FirmwareVersion, 1-8 characters (default: the image's file version)",
    )
    build.add_argument("--hash", help="11.3: FirmwareHash, 64 hex digits")
    build.add_argument(
        "--execution-datetime", help="11.2 / 11.3: future date-time, ISO 8601 (UTC if no zone)"
    )
    build.add_argument(
        "--cancel",
        action="store_true",
        help="11.3: the cancellation form (ExecutionDateTime 3000-12-31)",
    )
    build.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    build.add_argument("--no-validate", action="store_true", help="skip the XSD check")
    _xsd_option(build)
    build.set_defaults(func=run_build)

    show = actions.add_parser("show", help="print a readable summary of a DUIS request or response")
    show.add_argument("file", type=Path)
    show.set_defaults(func=run_show)


def _xsd_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--xsd",
        type=Path,
        help="DUIS 5.4 XSD (default: $SMETS1_HIL_DUIS_XSD or ../shared/duis/DUIS Schema V5.4.xsd)",
    )


def _schema(path: Path | None) -> Any:
    from harness.duis import SchemaUnavailable, load_schema

    try:
        return load_schema(path)
    except SchemaUnavailable as exc:
        raise UserError(str(exc)) from None


def run_validate(args: argparse.Namespace) -> int:
    from harness.duis import schema_problems

    schema = _schema(args.xsd)
    failed = 0
    for path in args.files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            print(f"{path}: cannot read: {exc.strerror or exc}")
            failed += 1
            continue
        problems = schema_problems(data, schema)
        for problem in problems:
            print(f"{path}: {problem}")
        if problems:
            failed += 1
    if failed:
        print(f"{failed} of {len(args.files)} file(s) not valid", file=sys.stderr)
        return 1
    return 0


def _when(text: str | None) -> dt.datetime | None:
    from harness.duis import DuisError
    from harness.duis.timestamps import parse_datetime

    if text is None:
        return None
    try:
        return parse_datetime(text, field="--execution-datetime")
    except DuisError as exc:
        raise UserError(str(exc)) from None


def _build_request(args: argparse.Namespace) -> Any:
    from harness.duis import REFERENCE_DCC, REFERENCE_SERVICE_USER, RequestId, ServiceRequest
    from harness.service_requests import (
        BuildOptions,
        TargetKind,
        UnknownServiceRequest,
        definition_for,
    )

    try:
        definition = definition_for(args.service_reference)
    except UnknownServiceRequest as exc:
        raise UserError(exc.reason) from None
    code = definition.reference.value
    image = read_bytes(args.image) if args.image is not None else None
    options = BuildOptions(
        devices=tuple(d for item in args.device for d in item.split(",") if d.strip()),
        image=image,
        image_name=str(args.image) if args.image is not None else "",
        firmware_version=args.firmware_version,
        firmware_hash=args.hash,
        execution_datetime=_when(args.execution_datetime),
        cancel=args.cancel,
        image_path=args.image,
    )
    if definition.target is TargetKind.DEVICE:
        if args.target is None:
            raise UserError(f"SR {code} needs --target (the device's EUI-64)")
        target = args.target
    else:
        target = args.target or REFERENCE_DCC
    body = definition.body_from_options(options)
    return ServiceRequest(
        request_id=RequestId(args.originator or REFERENCE_SERVICE_USER, target, args.counter),
        service_reference=definition.reference,
        body=body,
        command_variant=args.command_variant,
    )


def run_build(args: argparse.Namespace) -> int:
    from harness.duis import DuisError, SchemaUnavailable, load_schema, schema_problems

    try:
        request = _build_request(args)
        document = request.to_xml()
    except DuisError as exc:
        raise UserError(str(exc)) from None
    if not args.no_validate:
        try:
            schema = load_schema(args.xsd)
        except SchemaUnavailable as exc:
            if args.xsd is not None:
                raise UserError(str(exc)) from None
            print(f"smets1-hil: note: not validated: {exc}", file=sys.stderr)
        else:
            problems = schema_problems(document, schema)
            if problems:
                raise UserError(f"built request is not valid against the XSD: {problems[0]}")
    if args.output is None:
        sys.stdout.write(document.decode("utf-8") + "\n")
    else:
        write_bytes(args.output, document)
        print(f"wrote {args.output}: SR {request.service_reference.value}", file=sys.stderr)
    return 0


def run_show(args: argparse.Namespace) -> int:
    from harness.duis import DuisError
    from harness.duis.summary import summarise

    try:
        lines = summarise(read_bytes(args.file))
    except DuisError as exc:
        raise UserError(f"{args.file}: {exc}") from None
    print("\n".join(lines))
    return 0

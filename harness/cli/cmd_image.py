"""``smets1-hil image``: inspect and build firmware image files (GBCS and ZigBee OTA layouts)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from harness.cli.user_files import read_bytes, write_bytes
from harness.errors import UserError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("image", help="inspect or build firmware image files")
    actions = parser.add_subparsers(dest="image_command", metavar="ACTION", required=True)

    inspect = actions.add_parser(
        "inspect", help="print an image's header, layout and hashes as JSON"
    )
    inspect.add_argument("file", type=Path)
    inspect.add_argument(
        "--from-duis",
        action="store_true",
        help="FILE is a DUIS 11.1 / 11.4 request: inspect its FirmwareImage",
    )
    inspect.add_argument(
        "--layout", choices=["gbcs", "zigbee"], help="read as this layout (default: detect)"
    )
    inspect.set_defaults(func=run_inspect)

    build = actions.add_parser("build", help="build a test image")
    build.add_argument("-o", "--output", type=Path, required=True, help="file to write")
    build.add_argument(
        "--size", type=_count, required=True, help="total file size in bytes (e.g. 262144)"
    )
    build.add_argument("--manufacturer", type=_number, default=0x121D, help="manufacturer code")
    build.add_argument("--image-type", type=_number, default=0x0000)
    build.add_argument("--file-version", type=_number, default=0x00000001)
    build.add_argument("--layout", choices=["gbcs", "zigbee"], default="gbcs")
    build.add_argument(
        "--hardware",
        metavar="MIN-MAX",
        help="hardware version range the image accepts, e.g. 0x0001-0x0003",
    )
    build.add_argument("--signed", action="store_true", help="add a (test, not real) signature")
    build.add_argument("--header-string", default="smets1-hil test image")
    build.add_argument("--seed", default="smets1-hil", help="seed of the deterministic payload")
    build.set_defaults(func=run_build)


def _number(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (decimal or 0x hex)") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must not be negative")
    return value


def _count(text: str) -> int:
    value = _number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def image_from_duis(path: Path) -> bytes:
    """The FirmwareImage of a DUIS 11.1 / 11.4 request file."""
    from harness.duis import DuisError, UpdateFirmware, parse_request

    try:
        request = parse_request(read_bytes(path))
    except DuisError as exc:
        raise UserError(f"{path}: {exc}") from None
    if not isinstance(request.body, UpdateFirmware):
        raise UserError(
            f"{path}: SR {request.service_reference.value} carries no firmware image "
            "(only 11.1 and 11.4 do)"
        )
    return request.body.image


def run_inspect(args: argparse.Namespace) -> int:
    from harness.firmware import ImageError, parse_image

    data = image_from_duis(args.file) if args.from_duis else read_bytes(args.file)
    try:
        image = parse_image(data, layout=args.layout)
    except ImageError as exc:
        raise UserError(f"{args.file}: {exc}") from None
    print(json.dumps(image.describe(), indent=2))
    return 0


def _hardware(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    low, sep, high = text.partition("-")
    try:
        if not sep:
            raise argparse.ArgumentTypeError(text)
        return _number(low), _number(high)
    except argparse.ArgumentTypeError:
        raise UserError(f"--hardware {text!r} is not MIN-MAX (e.g. 0x0001-0x0003)") from None


def run_build(args: argparse.Namespace) -> int:
    from harness.firmware import ImageError, build_image, manufacturer_payload
    from harness.firmware.image import parse_image

    hardware = _hardware(args.hardware)
    header_string = args.header_string.encode("ascii", errors="replace")

    def build(payload: bytes) -> bytes:
        return build_image(
            payload,
            manufacturer_code=args.manufacturer,
            image_type=args.image_type,
            file_version=args.file_version,
            layout=args.layout,
            hardware_versions=hardware,
            signed=args.signed,
            header_string=header_string,
        )

    try:
        overhead = len(build(b"\x00")) - 1
        payload_size = args.size - overhead
        if payload_size < 1:
            raise UserError(
                f"--size {args.size} is too small: this layout needs {overhead} bytes of header "
                "and trailer plus at least 1 byte of manufacturer image"
            )
        data = build(manufacturer_payload(payload_size, seed=args.seed))
    except ImageError as exc:
        raise UserError(str(exc)) from None
    write_bytes(args.output, data)
    image = parse_image(data, layout=args.layout)
    print(
        f"wrote {args.output}: {len(data)} bytes, {args.layout} layout, "
        f"manufacturer image SHA-256 {image.manufacturer_image_sha256.hex().upper()}",
        file=sys.stderr,
    )
    return 0

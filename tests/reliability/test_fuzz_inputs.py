"""Bounded property tests for every parser the outside world reaches: each input gets a correct
result or the parser's own clear error, in bounded time, and a bad input never silences what comes
after it.

The byte-level codecs (HDLC, ASH, MT framing) have their own round-trip and noisy-stream properties
in tests/fastpath_codecs; these go one level up, to the messages carried in those frames, and to
the files a user gives (DUIS documents, firmware images, rig files, device files, CSV inputs,
evidence manifests).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import struct
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastpath import hdlc
from harness.configtool.changes import ChangesFileError, read_changes
from harness.duis import DuisError, parse_request, parse_response
from harness.duis.summary import summarise
from harness.evidence.manifest import MANIFEST, verify_bundle
from harness.firmware import ImageError, build_image, manufacturer_payload, parse_image
from harness.pin_report import InventoryError, read_inventory
from harness.rigfile import RigFileError, parse_rigfile
from rigs.emulator.clock import DeviceClock
from rigs.emulator.coprocessors.air import Air
from rigs.emulator.coprocessors.link_protocol import LinkProtocolCoProcessor as CoProcessor
from rigs.emulator.device import EmulatedDevice
from rigs.emulator.device_file import DeviceFileError, build_config
from rigs.emulator.device_test_port import DeviceTestPort
from rigs.link.urls import url_problem
from rigs.protocols import radio_link as rp
from rigs.serial import bodies
from rigs.serial.protocol import (
    NOTICE_CMD,
    Command,
    ProtocolError,
    Request,
    Status,
    decode_request,
    decode_response,
)
from rigs.serial.responder import TestPortResponder

# Small, bounded runs: a CI minute is shared by the whole suite. The deadline is generous because
# the CI machine may be loaded; hypothesis reports an example that takes longer as a failure.
BOUNDED = settings(
    max_examples=60,
    deadline=dt.timedelta(seconds=2),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
START = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)


class _NoLink:
    """The responder's link; :meth:`TestPortResponder.handle_bytes` never touches it."""

    url = "none"


def _responder() -> TestPortResponder:
    spec = build_config(
        {"devices": [{"role": "ESME", "site_id": "9912345678903", "pin": "4729"}]}, source="t"
    ).devices[0]
    device = DeviceTestPort(EmulatedDevice(spec, DeviceClock(START)))
    return TestPortResponder(device, _NoLink(), announce=False)  # type: ignore[arg-type]


def _answers(responder: TestPortResponder, chunk: bytes) -> list[tuple[int, int, int]]:
    return [
        (r.command, r.seq, r.status)
        for r in (decode_response(p) for p in responder.handle_bytes(chunk))
    ]


# --- the test port: messages and bodies ---------------------------------------------------

COMMANDS = st.sampled_from([int(c) for c in Command] + [0x00, 0x7F, 0x99])


@BOUNDED
@given(command=COMMANDS, seq=st.integers(0, 0xFFFF), body=st.binary(max_size=300))
def test_any_request_gets_one_answer_and_the_port_keeps_answering(
    command: int, seq: int, body: bytes
) -> None:
    responder = _responder()
    request = Request(command, seq, body).encode()
    answered = [a for a in _answers(responder, hdlc.encode(request)) if a[0] != NOTICE_CMD]
    if command == 0x7F or command & 0x80:  # 7F is reserved, bit 7 marks a response: skipped
        assert answered == [] and responder.stats.bad_messages == 1
    else:
        assert len(answered) == 1 and answered[0][:2] == (command, seq)
        assert answered[0][2] in {int(s) for s in Status}
    # whatever that request did, the next one is answered
    follow = Request(Command.READ_SITE_ID, (seq + 1) & 0xFFFF).encode()
    after = [a for a in _answers(responder, hdlc.encode(follow)) if a[0] != NOTICE_CMD]
    assert after == [(Command.READ_SITE_ID, (seq + 1) & 0xFFFF, Status.OK)]


@BOUNDED
@given(stream=st.binary(max_size=2000))
def test_any_byte_stream_is_counted_and_skipped(stream: bytes) -> None:
    responder = _responder()
    for answer in responder.handle_bytes(stream):
        decode_response(answer)  # everything sent back is a well-formed message
    follow = Request(Command.READ_SITE_ID, 9).encode()
    after = [a for a in _answers(responder, b"\x7e" + hdlc.encode(follow)) if a[0] != NOTICE_CMD]
    assert after == [(Command.READ_SITE_ID, 9, Status.OK)]


DECODERS = [
    decode_request,
    decode_response,
    bodies.decode_hello,
    bodies.decode_identity,
    bodies.decode_firmware,
    bodies.decode_offer,
    bodies.decode_offer_reply,
    bodies.decode_block,
    bodies.decode_next_offset,
    bodies.decode_image_status,
    bodies.decode_activate,
    bodies.decode_activation,
    bodies.decode_site_id,
    bodies.decode_pin,
    bodies.decode_pin_reply,
    bodies.decode_pin_status,
    bodies.decode_events_request,
    bodies.decode_events,
]


@BOUNDED
@given(data=st.binary(max_size=400), which=st.sampled_from(DECODERS))
def test_test_port_decoders_raise_only_protocol_errors(data: bytes, which: object) -> None:
    try:
        which(data)  # type: ignore[operator]
    except ProtocolError:
        pass


# --- the radio link (co-processor side) ---------------------------------------------------

PACKET_TYPES = st.sampled_from([int(p) for p in rp.PacketType] + [0x00, 0x7F, 0xEE])


@BOUNDED
@given(packets=st.lists(st.tuples(PACKET_TYPES, st.binary(max_size=120)), max_size=8))
def test_coprocessor_answers_bad_packets_with_the_protocols_error(
    packets: list[tuple[int, bytes]],
) -> None:
    async def scenario() -> None:
        coprocessor = CoProcessor(Air([], DeviceClock(START)))
        sent: list[bytes] = []
        coprocessor.attach(sent.append)
        try:
            for tag, (ptype, body) in enumerate(packets):
                coprocessor.handle(bytes((ptype, tag & 0xFF)) + body)
            before = len(sent)
            coprocessor.handle(rp.packet(rp.PacketType.PING, 0xAB))
            assert sent[before:] == [rp.packet(rp.PacketType.PONG, 0xAB)]
        finally:
            coprocessor.air.close()
        for payload in sent:
            rp.split(payload)

    asyncio.run(scenario())


RADIO_DECODERS = [
    rp.Send.decode,
    rp.Received.decode,
    rp.JoinNotice.decode,
    rp.NetworkParameters.decode,
    rp.Endpoint.decode,
    rp.decode_info,
]


@BOUNDED
@given(data=st.binary(max_size=200), which=st.sampled_from(RADIO_DECODERS))
def test_radio_link_decoders_raise_only_protocol_errors(data: bytes, which: object) -> None:
    try:
        which(data)  # type: ignore[operator]
    except (rp.ProtocolError, ValueError, struct.error):
        pass


@BOUNDED
@given(stream=st.binary(max_size=1500))
def test_ezsp_ncp_takes_any_stream_and_still_answers_a_reset(stream: bytes) -> None:
    from fastpath import ash
    from rigs.emulator.coprocessors.ezsp.ash import AshNcp

    async def scenario() -> None:
        wire = bytearray()
        ncp = AshNcp(lambda frame: None, wire.extend)
        try:
            ncp.feed(stream)
            wire.clear()
            # a Flag ends whatever the stream left (a Substitute byte discards up to the next
            # Flag, UG101), then Cancel and RST as a host resets the link
            ncp.feed(b"\x7e" + bytes((ash.CANCEL,)) + ash.encode(ash.RST))
            assert wire.endswith(bytes.fromhex("C1020B0A527E"))  # UG101's RSTACK
        finally:
            ncp.close()

    asyncio.run(scenario())


# --- DUIS documents --------------------------------------------------------------------------

XML_PIECES = st.sampled_from(
    [
        "<",
        ">",
        "/",
        "sr:Request",
        'xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway"',
        "<!DOCTYPE a>",
        "&amp;",
        "&e;",
        "<![CDATA[x]]>",
        "<?xml version='1.0'?>",
        " ",
        "\x00",
        "é",
    ]
)


@BOUNDED
@given(pieces=st.lists(st.one_of(XML_PIECES, st.text(max_size=20)), max_size=30))
def test_duis_readers_raise_only_duis_errors(pieces: list[str]) -> None:
    text = "".join(pieces)
    for reader in (parse_request, parse_response, summarise):
        try:
            reader(text)
        except DuisError:
            pass


@pytest.fixture(scope="module")
def duis_template(template: object) -> bytes:
    return template("11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML")  # type: ignore[operator, no-any-return]


@BOUNDED
@given(cut=st.integers(0, 10_000), flip=st.integers(0, 10_000), bit=st.integers(0, 7))
def test_damaged_duis_template_is_read_or_refused(
    duis_template: bytes, cut: int, flip: int, bit: int
) -> None:
    data = bytearray(duis_template[: max(1, len(duis_template) - cut % len(duis_template))])
    data[flip % len(data)] ^= 1 << bit
    try:
        summarise(bytes(data))
    except DuisError:
        pass


# --- firmware images -------------------------------------------------------------------------

BASE_IMAGES = [
    build_image(
        manufacturer_payload(200),
        manufacturer_code=0x1234,
        image_type=1,
        file_version=2,
        layout=layout,
        signed=signed,
        hardware_versions=(1, 3),
    )
    for layout in ("zigbee", "gbcs")
    for signed in (False, True)
]


@BOUNDED
@given(
    base=st.sampled_from(BASE_IMAGES),
    edits=st.lists(st.tuples(st.integers(0, 400), st.integers(0, 255)), max_size=6),
    cut=st.integers(0, 400),
    tail=st.binary(max_size=64),
)
def test_damaged_images_parse_or_are_refused(
    base: bytes, edits: list[tuple[int, int]], cut: int, tail: bytes
) -> None:
    data = bytearray(base[: len(base) - cut % len(base)] + tail)
    for at, value in edits:
        if data:
            data[at % len(data)] = value
    try:
        image = parse_image(bytes(data))
    except ImageError:
        return
    assert image.header.total_image_size == len(data)
    assert image.manufacturer_image


# --- rig files, device files, port URLs ------------------------------------------------------

TOML_VALUES = st.recursive(
    st.one_of(
        st.booleans(),
        st.integers(-(2**40), 2**40),
        st.floats(allow_nan=False, width=32),
        st.text(max_size=12),
        st.sampled_from(["PPMID", "ESME", "GSME", "emulated", "ezsp", "0007654321", "AA"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "role",
                    "ieee",
                    "model",
                    "kind",
                    "path",
                    "radio",
                    "devices",
                    "count",
                    "site_id",
                    "pin",
                    "faults",
                    "drop_blocks",
                    "profiles",
                    "serial_port",
                    "baudrate",
                    "rigs",
                    "name",
                ]
            ),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=20,
)


@BOUNDED
@given(data=st.dictionaries(st.sampled_from(["radio", "devices", "rigs", "name"]), TOML_VALUES))
def test_rig_file_tables_load_or_name_the_key(data: dict[str, object]) -> None:
    try:
        parse_rigfile(data)
    except RigFileError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("rig.toml")


@BOUNDED
@given(data=st.dictionaries(st.sampled_from(["devices", "profiles", "emulator"]), TOML_VALUES))
def test_device_file_tables_load_or_say_why(data: dict[str, object]) -> None:
    try:
        build_config(data, source="devices.toml")
    except DeviceFileError as exc:
        assert "\n" not in str(exc)


@BOUNDED
@given(
    url=st.one_of(
        st.text(max_size=40),
        st.builds(
            lambda scheme, rest: f"{scheme}://{rest}",
            st.sampled_from(["socket", "rfc2217", "loop", "spy", "sockt", ""]),
            st.text(alphabet="[]:/?=&.0123456789abcdef%", max_size=30),
        ),
    )
)
def test_url_check_answers_every_text(url: str) -> None:
    problem = url_problem(url)
    assert problem is None or ("\n" not in problem and problem)


@BOUNDED
@given(text=st.text(max_size=300))
def test_toml_text_of_a_rig_file_is_read_or_refused(text: str) -> None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    try:
        parse_rigfile(data)
    except RigFileError:
        pass


# --- CSV inputs ------------------------------------------------------------------------------

CSV_PIECES = st.sampled_from(
    [
        ",",
        "\n",
        "\r\n",
        '"',
        "installation_id,device_eui64,installing_supplier,responsible_supplier,status,group_id\n",
        (
            "change_id,installation_id,device_eui64,recorded_at,profile,old_pin_default,action,"
            "status,new_pin\n"
        ),
        "00124B000000A001",
        "Active",
        "AA",
        "SUPA",
        "=cmd",
        "\x00",
        "\ufeff",
        "é",
    ]
)


@pytest.fixture
def csv_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("csv")


@BOUNDED
@given(pieces=st.lists(st.one_of(CSV_PIECES, st.text(max_size=10)), max_size=30))
def test_csv_inputs_load_or_name_file_and_line(csv_dir: Path, pieces: list[str]) -> None:
    path = csv_dir / "input.csv"
    path.write_bytes("".join(pieces).encode("utf-8", errors="surrogatepass"))
    for reader, error in ((read_inventory, InventoryError), (read_changes, ChangesFileError)):
        try:
            reader(path)
        except error as exc:
            assert str(exc).startswith(str(path)) and "\n" not in str(exc)


# --- evidence manifests ----------------------------------------------------------------------


@BOUNDED
@given(
    lines=st.lists(
        st.tuples(
            st.text(alphabet="0123456789abcdef", min_size=0, max_size=64),
            st.one_of(
                st.text(max_size=30),
                st.sampled_from(["/etc/hostname", "../outside", "a/../../b", "records/x.json"]),
            ),
        ),
        max_size=8,
    )
)
def test_manifest_lines_never_reach_outside_the_bundle(
    csv_dir: Path, lines: list[tuple[str, str]]
) -> None:
    bundle = csv_dir / "bundle"
    bundle.mkdir(exist_ok=True)
    text = "".join(f"{digest}  {name}\n" for digest, name in lines if "\n" not in name)
    (bundle / MANIFEST).write_text(text, encoding="utf-8", errors="surrogatepass")
    for problem in verify_bundle(bundle):
        if problem.what.startswith("outside"):
            continue
        assert problem.what in ("removed", "changed", "added") or problem.path == MANIFEST

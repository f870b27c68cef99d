"""ZCL OTA frames: compiled against pure (hypothesis), and both against zigpy's ``Ota`` cluster.

zigpy's own command schemas (``zigpy.zcl.clusters.general.Ota``) and ZCL header are the oracle for
the frame layout: requests serialised by zigpy decode to the same fields, and responses we build
are byte for byte what zigpy serialises for the same command.
"""

# zigpy's types are not typed for strict mypy.
# mypy: disable-error-code="no-untyped-call,attr-defined"

from __future__ import annotations

from typing import Any

import pytest
import zigpy.types as t
from hypothesis import given, settings
from hypothesis import strategies as st
from zigpy.zcl import foundation
from zigpy.zcl.clusters.general import Ota

from fastpath import Implementation
from fastpath._ota_py import MalformedOtaFrame, OtaRequest

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
u64 = st.integers(0, 0xFFFFFFFFFFFFFFFF)
S2C = foundation.Direction.Server_to_Client


def _request(tsn: int, command: int, schema: Any) -> bytes:
    return bytes(foundation.ZCLHeader.cluster(tsn, command).serialize()) + bytes(schema.serialize())


def _response(tsn: int, command: Any, **fields: Any) -> bytes:
    hdr = foundation.ZCLHeader.cluster(tsn, command.id, direction=S2C)
    return bytes(hdr.serialize()) + bytes(command.schema(**fields).serialize())


def _parsed(frame: bytes, command: Any) -> tuple[foundation.ZCLHeader, Any]:
    hdr, rest = foundation.ZCLHeader.deserialize(frame)
    schema, extra = command.schema.deserialize(rest)
    assert extra == b""
    return hdr, schema


# requests: zigpy serialises, we decode ----------------------------------------------------------


@given(tsn=u8, fc=st.sampled_from([0, 1]), mfr=u16, itype=u16, version=u32, hw=u16)
def test_query_next_image_matches_zigpy(
    impl: Implementation, tsn: int, fc: int, mfr: int, itype: int, version: int, hw: int
) -> None:
    fields: dict[str, Any] = {
        "field_control": fc,
        "manufacturer_code": mfr,
        "image_type": itype,
        "current_file_version": version,
    }
    if fc:
        fields["hardware_version"] = hw
    frame = _request(tsn, 0x01, Ota.ServerCommandDefs.query_next_image.schema(**fields))
    req = impl.ota.decode_request(frame)
    assert req == OtaRequest(0x01, tsn, fc, mfr, itype, version, hardware_version=hw if fc else -1)


@given(
    tsn=u8, fc=st.integers(0, 3), mfr=u16, itype=u16, version=u32, offset=u32, size=u8,
    node=u64, period=u16,
)  # fmt: skip
def test_image_block_request_matches_zigpy(
    impl: Implementation,
    tsn: int,
    fc: int,
    mfr: int,
    itype: int,
    version: int,
    offset: int,
    size: int,
    node: int,
    period: int,
) -> None:
    fields: dict[str, Any] = {
        "field_control": fc,
        "manufacturer_code": mfr,
        "image_type": itype,
        "file_version": version,
        "file_offset": offset,
        "maximum_data_size": size,
    }
    if fc & 1:
        fields["request_node_addr"] = t.EUI64(node.to_bytes(8, "little"))
    if fc & 2:
        fields["minimum_block_period"] = period
    frame = _request(tsn, 0x03, Ota.ServerCommandDefs.image_block.schema(**fields))
    req = impl.ota.decode_request(frame)
    assert req is not None
    assert req[:8] == (0x03, tsn, fc, mfr, itype, version, offset, size)
    assert req.node_address == (node if fc & 1 else -1)
    assert req.min_block_period == (period if fc & 2 else -1)


@given(
    tsn=u8, fc=st.sampled_from([0, 1]), mfr=u16, itype=u16, version=u32, offset=u32, size=u8,
    page=u16, spacing=u16, node=u64,
)  # fmt: skip
def test_image_page_request_matches_zigpy(
    impl: Implementation,
    tsn: int,
    fc: int,
    mfr: int,
    itype: int,
    version: int,
    offset: int,
    size: int,
    page: int,
    spacing: int,
    node: int,
) -> None:
    fields: dict[str, Any] = {
        "field_control": fc,
        "manufacturer_code": mfr,
        "image_type": itype,
        "file_version": version,
        "file_offset": offset,
        "maximum_data_size": size,
        "page_size": page,
        "response_spacing": spacing,
    }
    if fc:
        fields["request_node_addr"] = t.EUI64(node.to_bytes(8, "little"))
    frame = _request(tsn, 0x04, Ota.ServerCommandDefs.image_page.schema(**fields))
    req = impl.ota.decode_request(frame)
    assert req is not None
    assert (req.command, req.tsn, req.field_control, req.file_offset, req.max_data_size) == (
        0x04, tsn, fc, offset, size,
    )  # fmt: skip
    assert (req.manufacturer_code, req.image_type, req.file_version) == (mfr, itype, version)
    assert (req.page_size, req.response_spacing) == (page, spacing)
    assert req.node_address == (node if fc else -1)


@given(tsn=u8, status=st.sampled_from([0x00, 0x95, 0x96, 0x99]), mfr=u16, itype=u16, v=u32)
def test_upgrade_end_request_matches_zigpy(
    impl: Implementation, tsn: int, status: int, mfr: int, itype: int, v: int
) -> None:
    schema = Ota.ServerCommandDefs.upgrade_end.schema(
        status=foundation.Status(status), manufacturer_code=mfr, image_type=itype, file_version=v
    )
    req = impl.ota.decode_request(_request(tsn, 0x06, schema))
    assert req == OtaRequest(0x06, tsn, -1, mfr, itype, v, status=status)


# responses: we build, zigpy parses and serialises the same bytes ---------------------------------


@given(tsn=u8, mfr=u16, itype=u16, version=u32, size=u32)
def test_query_next_image_response_matches_zigpy(
    impl: Implementation, tsn: int, mfr: int, itype: int, version: int, size: int
) -> None:
    ours = impl.ota.query_next_image_response(tsn, 0, mfr, itype, version, size)
    command = Ota.ClientCommandDefs.query_next_image_response
    theirs = _response(
        tsn,
        command,
        status=foundation.Status.SUCCESS,
        manufacturer_code=mfr,
        image_type=itype,
        file_version=version,
        image_size=size,
    )
    assert ours == theirs
    hdr, schema = _parsed(ours, command)
    assert (hdr.tsn, hdr.command_id, hdr.direction) == (tsn, 0x02, S2C)
    assert schema.image_size == size


def test_query_next_image_response_without_image(impl: Implementation) -> None:
    ours = impl.ota.query_next_image_response(9, impl.ota.NO_IMAGE_AVAILABLE)
    command = Ota.ClientCommandDefs.query_next_image_response
    assert ours == _response(9, command, status=foundation.Status.NO_IMAGE_AVAILABLE)


@given(tsn=u8, mfr=u16, itype=u16, version=u32, offset=u32, data=st.binary(max_size=255))
def test_image_block_response_matches_zigpy(
    impl: Implementation, tsn: int, mfr: int, itype: int, version: int, offset: int, data: bytes
) -> None:
    ours = impl.ota.image_block_response(tsn, mfr, itype, version, offset, data)
    command = Ota.ClientCommandDefs.image_block_response
    theirs = _response(
        tsn,
        command,
        status=foundation.Status.SUCCESS,
        manufacturer_code=mfr,
        image_type=itype,
        file_version=version,
        file_offset=offset,
        image_data=data,
    )
    assert ours == theirs
    _, schema = _parsed(ours, command)
    assert bytes(schema.image_data) == data and schema.file_offset == offset


@given(tsn=u8, now=u32, at=u32, period=u16)
def test_image_block_wait_for_data_matches_zigpy(
    impl: Implementation, tsn: int, now: int, at: int, period: int
) -> None:
    ours = impl.ota.image_block_wait(tsn, now, at, period)
    command = Ota.ClientCommandDefs.image_block_response
    theirs = _response(
        tsn,
        command,
        status=foundation.Status.WAIT_FOR_DATA,
        current_time=now,
        request_time=at,
        minimum_block_period=period,
    )
    assert ours == theirs
    _, schema = _parsed(ours, command)
    assert (schema.current_time, schema.request_time, schema.minimum_block_period) == (
        now, at, period,
    )  # fmt: skip


def test_image_block_abort_matches_zigpy(impl: Implementation) -> None:
    command = Ota.ClientCommandDefs.image_block_response
    ours = impl.ota.status_response(3, command.id, impl.ota.ABORT)
    assert ours == _response(3, command, status=foundation.Status.ABORT)


@given(tsn=u8, mfr=u16, itype=u16, version=u32, now=u32, at=u32)
def test_upgrade_end_response_matches_zigpy(
    impl: Implementation, tsn: int, mfr: int, itype: int, version: int, now: int, at: int
) -> None:
    ours = impl.ota.upgrade_end_response(tsn, mfr, itype, version, now, at)
    theirs = _response(
        tsn,
        Ota.ClientCommandDefs.upgrade_end_response,
        manufacturer_code=mfr,
        image_type=itype,
        file_version=version,
        current_time=now,
        upgrade_time=at,
    )
    assert ours == theirs


@given(tsn=u8, kind=st.integers(0, 3), jitter=st.integers(0, 100), mfr=u16, itype=u16, v=u32)
def test_image_notify_matches_zigpy(
    impl: Implementation, tsn: int, kind: int, jitter: int, mfr: int, itype: int, v: int
) -> None:
    ours = impl.ota.image_notify(tsn, kind, jitter, mfr, itype, v)
    fields: dict[str, Any] = {"payload_type": kind, "query_jitter": jitter}
    if kind >= 1:
        fields["manufacturer_code"] = mfr
    if kind >= 2:
        fields["image_type"] = itype
    if kind >= 3:
        fields["new_file_version"] = v
    assert ours == _response(tsn, Ota.ClientCommandDefs.image_notify, **fields)


def test_default_response_matches_zigpy(impl: Implementation) -> None:
    ours = impl.ota.default_response(4, 0x03, impl.ota.MALFORMED_COMMAND)
    hdr = foundation.ZCLHeader.general(4, foundation.GeneralCommand.Default_Response, direction=S2C)
    body = foundation.GENERAL_COMMANDS[foundation.GeneralCommand.Default_Response].schema(
        command_id=0x03, status=foundation.Status.MALFORMED_COMMAND
    )
    assert ours == bytes(hdr.serialize()) + bytes(body.serialize())


# bad input ----------------------------------------------------------------------------------------


def test_frames_not_for_the_server_are_none(impl: Implementation) -> None:
    decode = impl.ota.decode_request
    assert decode(bytes((0x00, 1, 0x00, 0x00, 0x00))) is None  # general Read Attributes
    assert decode(bytes((0x09, 1, 0x03)) + bytes(14)) is None  # server to client
    assert decode(bytes((0x05, 0x1D, 0x12, 1, 0x03)) + bytes(14)) is None  # manufacturer-specific
    assert decode(bytes((0x01, 1, 0x08)) + bytes(18)) is None  # Query Specific File


@pytest.mark.parametrize(
    ("frame", "needed"),
    [
        (bytes((0x01, 7, 0x03)) + bytes(13), 14),
        (bytes((0x01, 7, 0x03, 0x01)) + bytes(13), 22),  # node address announced, not sent
        (bytes((0x01, 7, 0x03, 0x02)) + bytes(14), 16),  # block period announced, not sent
        (bytes((0x01, 7, 0x01, 0x01)) + bytes(8), 11),  # hardware version announced, not sent
        (bytes((0x01, 7, 0x04)) + bytes(17), 18),
        (bytes((0x01, 7, 0x06)) + bytes(3), 9),
    ],
)
def test_short_requests_are_malformed(impl: Implementation, frame: bytes, needed: int) -> None:
    with pytest.raises(MalformedOtaFrame, match=f"{needed} bytes needed") as info:
        impl.ota.decode_request(frame)
    assert (info.value.tsn, info.value.command) == (7, frame[2])


def test_a_frame_shorter_than_a_header_is_an_error(impl: Implementation) -> None:
    with pytest.raises(ValueError, match="shorter than its header"):
        impl.ota.decode_request(b"\x01\x02")


def test_builders_check_their_arguments(impl: Implementation) -> None:
    with pytest.raises(ValueError, match="at most 255"):
        impl.ota.image_block_response(1, 0, 0, 0, 0, bytes(256))
    with pytest.raises(ValueError, match="tsn"):
        impl.ota.status_response(256, 0x05, 0x95)
    with pytest.raises(ValueError, match="file_offset"):
        impl.ota.image_block_response(1, 0, 0, 0, -1, b"")
    with pytest.raises(TypeError):
        impl.ota.image_block_response(1, 0, 0, 0, 0, "text")


# compiled against pure ----------------------------------------------------------------------------


@settings(max_examples=300)
@given(frame=st.binary(max_size=40), command=st.sampled_from([0x01, 0x03, 0x04, 0x06, 0x07]))
def test_decode_parity(
    compiled: Implementation, pure: Implementation, frame: bytes, command: int
) -> None:
    for data in (frame, bytes((0x01, 0x42, command)) + frame):

        def outcome(impl: Implementation, data: bytes = data) -> object:
            try:
                return impl.ota.decode_request(data)
            except ValueError as exc:
                return (type(exc), str(exc))

        assert outcome(compiled) == outcome(pure)


@given(
    tsn=u8, status=u8, mfr=u16, itype=u16, version=u32, size=u32, data=st.binary(max_size=255),
    kind=st.integers(0, 3),
)  # fmt: skip
def test_builder_parity(
    compiled: Implementation,
    pure: Implementation,
    tsn: int,
    status: int,
    mfr: int,
    itype: int,
    version: int,
    size: int,
    data: bytes,
    kind: int,
) -> None:
    c, p = compiled.ota, pure.ota
    assert c.query_next_image_response(
        tsn, status, mfr, itype, version, size
    ) == p.query_next_image_response(tsn, status, mfr, itype, version, size)
    assert c.image_block_response(tsn, mfr, itype, version, size, data) == p.image_block_response(
        tsn, mfr, itype, version, size, data
    )
    assert c.image_block_wait(tsn, version, size, mfr) == p.image_block_wait(
        tsn, version, size, mfr
    )
    assert c.status_response(tsn, 5, status) == p.status_response(tsn, 5, status)
    assert c.upgrade_end_response(tsn, mfr, itype, version, size, 0) == p.upgrade_end_response(
        tsn, mfr, itype, version, size, 0
    )
    assert c.image_notify(tsn, kind, 100, mfr, itype, version) == p.image_notify(
        tsn, kind, 100, mfr, itype, version
    )
    assert c.default_response(tsn, 3, status) == p.default_response(tsn, 3, status)

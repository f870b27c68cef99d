"""The AF frames fastpath.mt builds and reads, checked against zigpy-znp's own command
definitions (the oracle): AF_DATA_REQUEST_EXT, AF_DATA_CONFIRM and AF_INCOMING_MSG."""

# zigpy-znp is untyped.
# mypy: disable-error-code="no-untyped-call,attr-defined"

from __future__ import annotations

import random

import pytest
import zigpy_znp.commands as c
import zigpy_znp.types as znp_t
from zigpy_znp import frames

from fastpath import Implementation


def _frame(wire: bytes) -> frames.GeneralFrame:
    """zigpy-znp's parse of one whole MT frame (SOF .. FCS)."""
    transport, rest = frames.TransportFrame.deserialize(wire)
    assert rest == b""
    return transport.payload


@pytest.mark.parametrize("seed", range(20))
def test_af_data_request_ext_is_zigpy_znps_frame(impl: Implementation, seed: int) -> None:
    rng = random.Random(seed)
    nwk, dst_ep, src_ep = rng.randrange(0x10000), rng.randrange(256), rng.randrange(256)
    cluster, tsn, radius = rng.randrange(0x10000), rng.randrange(256), rng.randrange(256)
    options = rng.choice((0x00, 0x10, 0x20, 0x30, 0x40, 0x60))
    data = rng.randbytes(rng.choice((0, 1, 64, 90, impl.mt.AF_DATA_REQUEST_EXT_MAX)))
    ours = impl.mt.af_data_request_ext(
        2, nwk, dst_ep, 0, src_ep, cluster, tsn, options, radius, data
    )
    request = c.AF.DataRequestExt.Req(
        DstAddrModeAddress=znp_t.AddrModeAddress(mode=znp_t.AddrMode.NWK, address=nwk),
        DstEndpoint=dst_ep,
        DstPanId=0,
        SrcEndpoint=src_ep,
        ClusterId=cluster,
        TSN=tsn,
        Options=c.af.TransmitOptions(options),
        Radius=radius,
        Data=data,
    )
    assert _frame(ours) == request.to_frame()
    assert c.AF.DataRequestExt.Req.from_frame(_frame(ours)) == request


def test_af_data_request_ext_limits(impl: Implementation) -> None:
    mt = impl.mt
    assert mt.AF_DATA_REQUEST_EXT_MAX == 230
    with pytest.raises(ValueError):
        mt.af_data_request_ext(2, 1, 1, 0, 1, 0x19, 1, 0, 0, bytes(231))
    with pytest.raises(ValueError):
        mt.af_data_request_ext(2, 1 << 64, 1, 0, 1, 0x19, 1, 0, 0, b"")
    with pytest.raises(ValueError):
        mt.af_data_request_ext(2, 1, 1, 0x10000, 1, 0x19, 1, 0, 0, b"")
    with pytest.raises(TypeError):
        mt.af_data_request_ext(2, "1", 1, 0, 1, 0x19, 1, 0, 0, b"")


@pytest.mark.parametrize("status", [0x00, 0x01, 0xCD, 0xE9])
def test_af_data_confirm_reads_zigpy_znps_fields(impl: Implementation, status: int) -> None:
    callback = c.AF.DataConfirm.Callback(Status=znp_t.Status(status), Endpoint=8, TSN=0xA5)
    data = bytes(callback.to_frame().data)
    assert impl.mt.af_data_confirm(data) == (callback.Status, callback.Endpoint, callback.TSN)
    assert impl.mt.af_data_confirm(data + b"\x00") is None
    assert impl.mt.af_data_confirm(data[:2]) is None


@pytest.mark.parametrize("seed", range(20))
def test_af_incoming_msg_reads_zigpy_znps_fields(impl: Implementation, seed: int) -> None:
    rng = random.Random(seed)
    callback = c.AF.IncomingMsg.Callback(
        GroupId=rng.choice((0, rng.randrange(0x10000))),
        ClusterId=rng.randrange(0x10000),
        SrcAddr=rng.randrange(0x10000),
        SrcEndpoint=rng.randrange(256),
        DstEndpoint=rng.randrange(256),
        WasBroadcast=znp_t.Bool(rng.randrange(2)),
        LQI=rng.randrange(256),
        SecurityUse=znp_t.Bool(rng.randrange(2)),
        TimeStamp=rng.randrange(1 << 32),
        TSN=rng.randrange(256),
        Data=rng.randbytes(rng.choice((0, 3, 64, 200, 230))),
        MacSrcAddr=rng.randrange(0x10000),
        MsgResultRadius=rng.randrange(256),
    )
    data = bytes(callback.to_frame().data)
    fields = impl.mt.af_incoming_msg(data)
    assert fields is not None
    names = [param.name for param in c.AF.IncomingMsg.Callback.schema]
    assert dict(zip(names, fields, strict=True)) == {
        name: getattr(callback, name) for name in names
    }
    assert type(fields[10]) is bytes


def test_af_incoming_msg_refuses_what_is_not_one_message(impl: Implementation) -> None:
    callback = c.AF.IncomingMsg.Callback(
        GroupId=0, ClusterId=0x19, SrcAddr=0x1234, SrcEndpoint=1, DstEndpoint=1,
        WasBroadcast=znp_t.Bool(0), LQI=200, SecurityUse=znp_t.Bool(0), TimeStamp=0, TSN=3,
        Data=b"\x01\x02\x03", MacSrcAddr=0x1234, MsgResultRadius=5,
    )  # fmt: skip
    data = bytes(callback.to_frame().data)
    parse = impl.mt.af_incoming_msg
    assert parse(data) is not None
    assert parse(data[:-1]) is None  # truncated
    assert parse(data + b"\x00") is None  # trailing data
    assert parse(b"") is None
    bad_bool = bytearray(data)
    bad_bool[8] = 2  # WasBroadcast
    assert parse(bytes(bad_bool)) is None
    # zigpy-znp refuses the same frames
    for refused in (data[:-1], data + b"\x00"):
        with pytest.raises(ValueError):
            c.AF.IncomingMsg.Callback.from_frame(
                frames.GeneralFrame(c.AF.IncomingMsg.Callback.header, znp_t.Bytes(refused))
            )

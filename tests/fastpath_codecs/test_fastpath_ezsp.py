"""EZSP unicast frames: compiled against pure (hypothesis), and both against bellows' own
definitions (``bellows.ezsp.v8`` ``COMMANDS`` and ``bellows.types``) as the oracle for the layout.

bellows serialises a ``sendUnicast`` command and we must build the same bytes; bellows
serialises the parameters of a response or callback and we must decode the same fields.
"""

# bellows' and zigpy's types are not typed for strict mypy.
# mypy: disable-error-code="no-untyped-call,attr-defined"

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastpath import Implementation

pytest.importorskip("bellows")

import bellows.types as t
from bellows.ezsp.v8 import EZSPv8

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
i8 = st.integers(-128, 127)
message = st.binary(max_size=254)
APS_FIELDS = (
    "profileId",
    "clusterId",
    "sourceEndpoint",
    "destinationEndpoint",
    "options",
    "groupId",
    "sequence",
)


def _header(sequence: int, frame_id: int, control: bytes) -> bytes:
    return bytes((sequence,)) + control + frame_id.to_bytes(2, "little")


def _params(name: str, values: dict[str, Any], *, answer: bool) -> bytes:
    """What bellows serialises for the named frame's parameters (or answer)."""
    _, tx, rx = EZSPv8.COMMANDS[name]
    schema = rx if answer else tx
    return t.serialize_dict((), values, schema)  # type: ignore[no-any-return]


def _aps(fields: tuple[int, ...]) -> Any:
    profile, cluster, src, dst, options, group, seq = fields
    return t.EmberApsFrame(
        profileId=profile,
        clusterId=cluster,
        sourceEndpoint=src,
        destinationEndpoint=dst,
        options=t.EmberApsOption(options),
        groupId=group,
        sequence=seq,
    )


aps_fields = st.tuples(u16, u16, u8, u8, u16, u16, u8)


@given(seq=u8, dst=u16, aps=aps_fields, tag=u8, msg=message)
def test_send_unicast_is_what_bellows_builds(
    impl: Implementation, seq: int, dst: int, aps: tuple[int, ...], tag: int, msg: bytes
) -> None:
    handler = EZSPv8.__new__(EZSPv8)
    handler._seq = seq
    expected = handler._ezsp_frame(
        "sendUnicast",
        type=t.EmberOutgoingMessageType.OUTGOING_DIRECT,
        indexOrDestination=t.EmberNodeId(dst),
        apsFrame=_aps(aps),
        messageTag=tag,
        messageContents=msg,
    )
    assert impl.ezsp.send_unicast_frame(seq, 0, dst, *aps, tag, msg) == expected


@given(seq=u8, control=st.binary(min_size=2, max_size=2), status=u8, aps_seq=u8)
def test_send_unicast_response_decodes_as_bellows(
    impl: Implementation, seq: int, control: bytes, status: int, aps_seq: int
) -> None:
    frame = _header(seq, 0x0034, control) + _params(
        "sendUnicast", {"status": t.EmberStatus(status), "sequence": aps_seq}, answer=True
    )
    assert impl.ezsp.decode_hot_frame(frame) == (seq, 0x0034, status, aps_seq)


@given(seq=u8, kind=u8, dst=u16, aps=aps_fields, tag=u8, status=u8, msg=message)
def test_message_sent_decodes_as_bellows(
    impl: Implementation,
    seq: int,
    kind: int,
    dst: int,
    aps: tuple[int, ...],
    tag: int,
    status: int,
    msg: bytes,
) -> None:
    values = {
        "type": t.EmberOutgoingMessageType(kind),
        "indexOrDestination": dst,
        "apsFrame": _aps(aps),
        "messageTag": tag,
        "status": t.EmberStatus(status),
        "messageContents": msg,
    }
    frame = _header(seq, 0x003F, b"\x90\x01") + _params("messageSentHandler", values, answer=True)
    parsed, rest = t.deserialize_dict(frame[5:], EZSPv8.COMMANDS["messageSentHandler"][2])
    assert rest == b""
    decoded = impl.ezsp.decode_hot_frame(frame)
    assert decoded == (
        seq,
        0x003F,
        parsed["type"],
        parsed["indexOrDestination"],
        *(getattr(parsed["apsFrame"], name) for name in APS_FIELDS),
        parsed["messageTag"],
        parsed["status"],
        parsed["messageContents"],
    )


@given(
    seq=u8,
    kind=u8,
    aps=aps_fields,
    lqi=u8,
    rssi=i8,
    sender=u16,
    bi=u8,
    ai=u8,
    msg=message,
)
def test_incoming_message_decodes_as_bellows(
    impl: Implementation,
    seq: int,
    kind: int,
    aps: tuple[int, ...],
    lqi: int,
    rssi: int,
    sender: int,
    bi: int,
    ai: int,
    msg: bytes,
) -> None:
    values = {
        "type": t.EmberIncomingMessageType(kind),
        "apsFrame": _aps(aps),
        "lastHopLqi": lqi,
        "lastHopRssi": rssi,
        "sender": sender,
        "bindingIndex": bi,
        "addressIndex": ai,
        "messageContents": msg,
    }
    frame = _header(seq, 0x0045, b"\x90\x01") + _params(
        "incomingMessageHandler", values, answer=True
    )
    parsed, rest = t.deserialize_dict(frame[5:], EZSPv8.COMMANDS["incomingMessageHandler"][2])
    assert rest == b""
    assert impl.ezsp.decode_hot_frame(frame) == (
        seq,
        0x0045,
        parsed["type"],
        *(getattr(parsed["apsFrame"], name) for name in APS_FIELDS),
        parsed["lastHopLqi"],
        parsed["lastHopRssi"],
        parsed["sender"],
        parsed["bindingIndex"],
        parsed["addressIndex"],
        parsed["messageContents"],
    )


@given(frame=st.binary(max_size=64))
def test_compiled_and_pure_agree_on_any_bytes(
    compiled: Implementation, pure: Implementation, frame: bytes
) -> None:
    assert compiled.ezsp.decode_hot_frame(frame) == pure.ezsp.decode_hot_frame(frame)


@pytest.mark.parametrize(
    "frame",
    [
        b"",
        b"\x01\x90\x01\x34",  # shorter than the header
        b"\x01\x90\x01\x34\x00\x00",  # a response one byte short
        b"\x01\x90\x01\x34\x00\x00\x07\x00",  # one byte after it
        b"\x01\x90\x01\x05\x00",  # another frame ID (nop)
        b"\x01\x90\x01\x3f\x00" + bytes(16) + b"\x03ab",  # length byte says more than is there
        b"\x01\x90\x01\x45\x00" + bytes(18) + b"\x01ab",  # bytes after messageContents
    ],
)
def test_frames_it_does_not_fill_are_left_to_the_caller(impl: Implementation, frame: bytes) -> None:
    assert impl.ezsp.decode_hot_frame(frame) is None


@pytest.mark.parametrize(
    ("position", "value", "error"),
    [
        (0, 256, ValueError),  # sequence
        (2, 0x10000, ValueError),  # destination
        (3, -1, ValueError),  # profile
        (10, 300, ValueError),  # tag
        (2, "0x1234", TypeError),
        (11, bytes(255), ValueError),  # messageContents over 254 bytes, as bellows refuses
        (11, "text", TypeError),
    ],
)
def test_send_unicast_refuses_what_does_not_fit(
    impl: Implementation, position: int, value: Any, error: type[Exception]
) -> None:
    args: list[Any] = [1, 0, 0x1234, 0x0104, 0x0019, 1, 1, 0x0140, 0, 7, 9, b"abc"]
    args[position] = value
    with pytest.raises(error):
        impl.ezsp.send_unicast_frame(*args)


def test_longest_message_is_what_bellows_accepts(impl: Implementation) -> None:
    assert len(t.LVBytes(bytes(254)).serialize()) == 255
    with pytest.raises(ValueError):
        t.LVBytes(bytes(255)).serialize()
    frame = impl.ezsp.send_unicast_frame(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, bytes(254))
    assert len(frame) == 5 + 16 + 254

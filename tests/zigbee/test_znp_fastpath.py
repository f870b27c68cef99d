"""fastpath.mt in zigpy-znp's UART path: the same frames reach zigpy-znp as with its own codec."""

from __future__ import annotations

import collections
import random
from pathlib import Path
from typing import Any

import pytest
import zigpy_znp.frames as znp_frames
import zigpy_znp.uart as znp_uart

from fastpath import mt
from rigs.trace import TraceWriter, read_trace
from rigs.zigbee import znp_fastpath
from rigs.zigbee.engineering_cluster import ENGINEERING_CLUSTER_ID


class _Api:
    def __init__(self) -> None:
        self.frames: list[Any] = []

    def frame_received(self, frame: Any) -> None:
        self.frames.append(frame)


class _Transport:
    def __init__(self) -> None:
        self.written = bytearray()

    def write(self, data: bytes) -> None:
        self.written += data


def _stream() -> tuple[bytes, int]:
    """Valid frames with noise, a bad FCS and an oversized length between them."""
    rng = random.Random(12)
    parts: list[bytes] = []
    good = 0
    for index in range(200):
        frame = mt.encode(
            rng.choice((0x44, 0x45, 0x61, 0x64)),
            rng.randrange(256),
            rng.randbytes(rng.randrange(0, 120)),
        )
        if index % 17 == 5:
            frame = frame[:-1] + bytes((frame[-1] ^ 0x5A,))  # bad FCS
        else:
            good += 1
        if index % 23 == 7:
            parts.append(b"\x00\x13noise")
        parts.append(frame)
    return b"".join(parts), good


@pytest.mark.parametrize("chunk", [1, 7, 512])
def test_fast_protocol_hands_zigpy_znp_the_frames_its_own_codec_does(chunk: int) -> None:
    stream, good = _stream()
    received = {}
    for name, cls in (
        ("stock", znp_uart.ZnpMtProtocol),
        ("fast", znp_fastpath._fast_protocol_class()),
    ):
        api = _Api()
        protocol = cls(api, url="test")
        for i in range(0, len(stream), chunk):
            protocol.data_received(stream[i : i + chunk])
        received[name] = api.frames
    assert len(received["fast"]) == good
    # equal frames (dataclass equality), of the same types, printing the same, hashing the same
    assert received["fast"] == received["stock"]
    for fast, stock in zip(received["fast"], received["stock"], strict=True):
        assert type(fast) is type(stock) is znp_frames.GeneralFrame
        assert type(fast.header) is type(stock.header) and type(fast.data) is type(stock.data)
        assert repr(fast) == repr(stock) and hash(fast) == hash(stock)
        assert fast.length == stock.length and fast.serialize() == stock.serialize()


def test_fast_protocol_sends_what_zigpy_znp_would() -> None:
    frame = znp_frames.GeneralFrame(0x0224 | 0x20, b"\x02\x01\x10" + bytes(range(40)))
    wires = []
    for cls in (znp_uart.ZnpMtProtocol, znp_fastpath._fast_protocol_class()):
        protocol = cls(_Api(), url="test")
        protocol._transport = _Transport()
        protocol.send(frame)
        wires.append(bytes(protocol._transport.written))
    assert wires[0] == wires[1] == znp_frames.TransportFrame(frame).serialize()


def test_install_only_for_a_tested_version(monkeypatch: pytest.MonkeyPatch) -> None:
    stock = znp_uart.ZnpMtProtocol
    while getattr(stock, "_smets1_hil_fastpath", False):  # installed by an earlier test
        stock = stock.__mro__[1]
    monkeypatch.setattr(znp_uart, "ZnpMtProtocol", stock)
    monkeypatch.setattr(znp_fastpath, "library_version", lambda: "9.9.9")
    untested = znp_fastpath.install()
    assert not untested.tested and znp_uart.ZnpMtProtocol is stock
    assert untested.describe() == (
        "zigpy-znp 9.9.9, MT framed by zigpy-znp's own MT codec (fastpath tested with zigpy-znp 1.1.1)"
    )
    monkeypatch.setattr(znp_fastpath, "library_version", lambda: "1.1.1")
    tested = znp_fastpath.install()
    assert tested.tested and znp_uart.ZnpMtProtocol is not stock
    assert issubclass(znp_uart.ZnpMtProtocol, stock)
    assert tested.summary().startswith("1.1.1, MT framed by fastpath.mt (")


def test_remove_listener_removes_what_zigpy_znps_own_does() -> None:
    import zigpy_znp.commands as c
    from zigpy_znp.api import ZNP
    from zigpy_znp.utils import CallbackResponseListener

    stock = getattr(ZNP.remove_listener, "_smets1_hil_stock", ZNP.remove_listener)
    fast = znp_fastpath._remove_listener(ZNP)
    results = []
    for remove in (stock, fast):
        api = ZNP.__new__(ZNP)
        api._listeners = collections.defaultdict(list)
        both = CallbackResponseListener(
            [c.AF.DataConfirm.Callback(partial=True), c.SYS.Ping.Rsp(partial=True)],
            callback=lambda _: None,
        )
        ping = CallbackResponseListener([c.SYS.Ping.Rsp(partial=True)], callback=lambda _: None)
        for listener in (both, ping):
            for header in listener.matching_headers():
                api._listeners[header].append(listener)
        remove(api, both)
        remove(api, both)  # removing twice is harmless in both
        assert dict(api._listeners) == {c.SYS.Ping.Rsp.header: [ping]}
        results.append(sorted(map(str, api._listeners)))
    assert results[0] == results[1]


def _af_data_request_ext(zcl: bytes, cluster: int = ENGINEERING_CLUSTER_ID) -> bytes:
    """AF_DATA_REQUEST_EXT to a device's endpoint 1 carrying ``zcl``."""
    fields = (
        b"\x03" + bytes(range(1, 9)) + b"\x01" + b"\x00\x00" + b"\x01"  # address, endpoints, PAN
        + cluster.to_bytes(2, "little") + b"\x07\x00\x1e" + len(zcl).to_bytes(2, "little")
    )  # fmt: skip
    return mt.encode(0x24, 0x02, fields + zcl)


def test_redaction_masks_the_pin_of_pin_commands_only() -> None:
    # manufacturer-specific cluster command verify_pin (0x00), PIN "2468" as a ZCL string
    verify = bytes((0x05, 0x34, 0x12, 0x09, 0x00, 4)) + b"2468"
    redacted = znp_fastpath.redact_mt_frame(_af_data_request_ext(verify))
    assert b"2468" not in redacted
    assert redacted == _af_data_request_ext(verify[:5] + bytes(5))  # FCS made again
    pin_status = bytes((0x05, 0x34, 0x12, 0x0A, 0x02))
    for untouched in (
        _af_data_request_ext(pin_status),
        _af_data_request_ext(verify, cluster=0x0702),
        mt.encode(0x44, 0x81, verify),
    ):
        assert znp_fastpath.redact_mt_frame(untouched) == untouched


def test_trace_port_records_both_directions_with_the_pin_masked(tmp_path: Path) -> None:
    trace = TraceWriter(tmp_path / "radio.jsonl")
    znp_fastpath.trace_port("socket://traced", trace)
    try:
        protocol = znp_fastpath._fast_protocol_class()(_Api(), url="socket://traced")
        protocol._transport = _Transport()
        verify = bytes((0x05, 0x34, 0x12, 0x09, 0x00, 4)) + b"2468"
        protocol.send(znp_frames.GeneralFrame(0x0224, _af_data_request_ext(verify)[4:-1]))
        protocol.data_received(mt.encode(0x64, 0x02, b"\x00"))
        assert b"2468" in protocol._transport.written  # the stick gets the PIN
    finally:
        znp_fastpath.trace_port("socket://traced", None)
        trace.close()
    records = [r for r in read_trace(tmp_path / "radio.jsonl")[1:] if r["dir"] != "note"]
    assert [r["dir"] for r in records] == ["tx", "rx"]
    assert b"2468".hex() not in records[0]["hex"]
    assert records[1]["hex"] == mt.encode(0x64, 0x02, b"\x00").hex()
    untraced = znp_fastpath._fast_protocol_class()(_Api(), url="socket://traced")
    assert untraced.trace is None

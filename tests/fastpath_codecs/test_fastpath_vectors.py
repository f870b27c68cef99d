"""Known-good frames: the shared vectors (made with crcmod, bellows and zigpy-znp) and a few
copied here so the codecs are checked even where ../shared is absent."""

import json
from pathlib import Path
from typing import Any

import pytest

from fastpath import Implementation

VECTORS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "vectors"


def _frames(name: str) -> list[Any]:
    path = VECTORS_DIR / name
    if not path.is_file():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"shared vectors absent: {path}"))]
    frames = json.loads(path.read_text())["frames"]
    return [
        pytest.param(f, id=f"{i}-{f.get('kind') or f.get('name') or f['accm']}")
        for i, f in enumerate(frames)
    ]


def _crc_checks() -> list[Any]:
    path = VECTORS_DIR / "crc.json"
    if not path.is_file():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"shared vectors absent: {path}"))]
    return [json.loads(path.read_text())]


# --- embedded copies -----------------------------------------------------------------------


def test_embedded_crc_check_values(impl: Implementation) -> None:
    assert impl.crc16_ccitt(b"123456789") == 0x29B1
    assert impl.crc16_x25(b"123456789") == 0x906E
    assert impl.xor8(b"123456789") == 0x31


EMBEDDED_ASH = [
    (0xC0, "", "1ac038bc7e"),  # RST, preceded by CANCEL as a host sends it
    (0xC1, "020b", "c1020b0a527e"),  # RSTACK version 2, reset code 0x0b
    (0x83, "", "83401b7e"),  # ACK ackNum 3
    (0xA6, "", "a634dc7e"),  # NAK ackNum 6
    (0x5B, "00000002", "5b4221a85674277e"),
    (0x77, "7e7d1113181a", "773c5cb947320fde1e7e"),
    (0x5B, "3c", "5b7d5e507d337e"),
    (0x77, "", "77ef807e"),
]


@pytest.mark.parametrize(("control", "payload", "wire"), EMBEDDED_ASH)
def test_embedded_ash(impl: Implementation, control: int, payload: str, wire: str) -> None:
    _check_ash(impl, control, bytes.fromhex(payload), bytes.fromhex(wire))


EMBEDDED_HDLC = [
    ("", 0, "7e00007e"),
    ("", 0xFFFFFFFF, "7e7d207d207e"),
    ("7e7d1113001f", 0, "7e7d5e7d5d1113001f363f7e"),
    ("7e7d1113001f", 0xFFFFFFFF, "7e7d5e7d5d7d317d337d207d3f363f7e"),
    ("ff03c021", 0xFFFFFFFF, "7eff7d23c021492c7e"),
]


@pytest.mark.parametrize(("payload", "accm", "wire"), EMBEDDED_HDLC)
def test_embedded_hdlc(impl: Implementation, payload: str, accm: int, wire: str) -> None:
    _check_hdlc(impl, bytes.fromhex(payload), accm, bytes.fromhex(wire))


EMBEDDED_MT = [
    (0x21, 0x01, "", "fe00210120"),
    (0x21, 0x02, "", "fe00210223"),
]


@pytest.mark.parametrize(("cmd0", "cmd1", "payload", "wire"), EMBEDDED_MT)
def test_embedded_mt(impl: Implementation, cmd0: int, cmd1: int, payload: str, wire: str) -> None:
    _check_mt(impl, cmd0, cmd1, bytes.fromhex(payload), bytes.fromhex(wire))


# --- the shared files ----------------------------------------------------------------------


@pytest.mark.parametrize("checks", _crc_checks())
def test_shared_crc_check_values(impl: Implementation, checks: dict[str, str]) -> None:
    data = checks["check_input_ascii"].encode()
    expected = {
        name.split(" ")[0]: int(value, 16)
        for name, value in checks.items()
        if name != "check_input_ascii"
    }
    assert impl.crc16_ccitt(data) == expected["CRC-16/IBM-3740"]
    assert impl.crc16_x25(data) == expected["CRC-16/IBM-SDLC"]
    assert impl.xor8(data) == expected["XOR-8"]


ASH_CONTROL_OF_KIND = {"RST": 0xC0, "RSTACK": 0xC1, "ERROR": 0xC2}


@pytest.mark.parametrize("frame", _frames("ash.json"))
def test_shared_ash(impl: Implementation, frame: dict[str, Any]) -> None:
    kind = frame["kind"]
    ash = impl.ash
    if kind == "DATA":
        control = ash.data_control(frame["frm_num"], frame["ack_num"], re_tx=frame["re_tx"])
        assert control == int(frame["control"], 16)
        payload = bytes.fromhex(frame["payload"])
    elif kind in ("ACK", "NAK"):
        make = ash.ack_control if kind == "ACK" else ash.nak_control
        control = make(frame["ack_num"])
        payload = b""
    elif kind == "RST":
        control, payload = ash.RST, b""
    else:
        control = ASH_CONTROL_OF_KIND[kind]
        payload = bytes([frame["version"], int(frame["reset_code"], 16)])
    parsed_kind, fields = ash.parse_control(control)
    assert parsed_kind == kind
    for name in ("frm_num", "ack_num"):
        if name in frame:
            assert fields[name] == frame[name]
    if "re_tx" in frame:
        assert fields["re_tx"] == int(frame["re_tx"])
    _check_ash(impl, control, payload, bytes.fromhex(frame["wire"]))


@pytest.mark.parametrize("frame", _frames("hdlc.json"))
def test_shared_hdlc(impl: Implementation, frame: dict[str, Any]) -> None:
    _check_hdlc(
        impl, bytes.fromhex(frame["payload"]), int(frame["accm"], 16), bytes.fromhex(frame["wire"])
    )


@pytest.mark.parametrize("frame", _frames("mt.json"))
def test_shared_mt(impl: Implementation, frame: dict[str, Any]) -> None:
    wire = bytes.fromhex(frame["wire"])
    assert int(frame["cmd0"], 16) == wire[2]
    _check_mt(impl, wire[2], wire[3], bytes.fromhex(frame["payload"]), wire)


# --- checks shared by both sets ------------------------------------------------------------


def _check_ash(impl: Implementation, control: int, payload: bytes, wire: bytes) -> None:
    ash = impl.ash
    frame_wire = wire[1:] if wire[0] == ash.CANCEL else wire
    decoder = ash.Decoder(max_data=max(len(payload), ash.MAX_DATA))
    assert decoder.feed(wire) == [(control, payload)]
    assert decoder.stats == (1, 0, 0, 0)
    if len(payload) <= ash.MAX_DATA:
        assert ash.encode(control, payload) == frame_wire
    else:
        # Longer than UG101 allows: refused by default, accepted only with a raised limit.
        with pytest.raises(ValueError):
            ash.encode(control, payload)
        assert ash.encode(control, payload, max_data=len(payload)) == frame_wire
        default = ash.Decoder()
        assert default.feed(wire) == []
        assert default.stats.oversized == 1


def _check_hdlc(impl: Implementation, payload: bytes, accm: int, wire: bytes) -> None:
    assert impl.hdlc.encode(payload, accm) == wire
    decoder = impl.hdlc.Decoder(accm)
    assert decoder.feed(wire) == [payload]
    assert decoder.stats == (1, 0, 0, 0)


def _check_mt(impl: Implementation, cmd0: int, cmd1: int, payload: bytes, wire: bytes) -> None:
    assert impl.mt.encode(cmd0, cmd1, payload) == wire
    decoder = impl.mt.Decoder()
    assert decoder.feed(wire) == [(cmd0, cmd1, payload)]
    assert decoder.stats == (1, 0, 0, 0)

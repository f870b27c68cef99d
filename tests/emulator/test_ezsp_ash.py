"""The NCP side of ASH (UG101): acknowledgement, reject condition, retransmission, window, timers."""

from __future__ import annotations

import asyncio

import pytest

from fastpath import ash
from rigs.emulator.coprocessors.ezsp.ash import ACK_TIMEOUTS, AshNcp, AshSettings


class Host:
    """A host on the other end: builds frames with fastpath.ash, decodes what the NCP sends."""

    def __init__(self, *, echo: bool = False, window: int = 3) -> None:
        self.delivered: list[bytes] = []
        self.wire = bytearray()
        self.resets = 0

        def deliver(frame: bytes) -> None:
            self.delivered.append(frame)
            if echo:
                self.ncp.send(b"re:" + frame)

        def on_reset() -> None:
            self.resets += 1

        self.ncp = AshNcp(
            deliver, self.wire.extend, on_reset=on_reset, settings=AshSettings(window=window)
        )
        self._decoder = ash.Decoder()

    def frames(self) -> list[tuple[ash.FrameKind, dict[str, int], bytes]]:
        """Every frame the NCP sent since the last call."""
        out = []
        for control, data in self._decoder.feed(bytes(self.wire)):
            kind, fields = ash.parse_control(control)
            out.append((kind, fields, data))
        self.wire.clear()
        return out

    def data(self, frm: int, ack: int, payload: bytes, *, re_tx: bool = False) -> None:
        self.ncp.feed(ash.encode(ash.data_control(frm, ack, re_tx), payload))


def kinds(frames: list[tuple[ash.FrameKind, dict[str, int], bytes]]) -> list[str]:
    return [k.value for k, _, _ in frames]


async def test_rst_is_answered_with_rstack_version_2_software_reset() -> None:
    host = Host()
    host.ncp.feed(bytes((ash.CANCEL,)) * 32 + ash.encode(ash.RST))
    assert bytes(host.wire) == bytes.fromhex("C1020B0A527E")  # UG101's RSTACK example
    assert host.resets == 1 and host.ncp.stats()["resets"] == 1


async def test_in_sequence_data_is_delivered_and_acknowledged() -> None:
    host = Host()
    host.data(0, 0, b"\x01\x02")
    host.data(1, 0, b"\x03")
    assert host.delivered == [b"\x01\x02", b"\x03"]
    frames = host.frames()
    assert kinds(frames) == ["ACK", "ACK"]
    assert [fields["ack_num"] for _, fields, _ in frames] == [1, 2]


async def test_answer_carries_the_acknowledgement_piggybacked() -> None:
    host = Host(echo=True)
    host.data(0, 0, b"hello")
    frames = host.frames()
    assert kinds(frames) == ["DATA"]  # no separate ACK
    _, fields, payload = frames[0]
    assert fields == {"frm_num": 0, "re_tx": 0, "ack_num": 1} and payload == b"re:hello"


async def test_bad_crc_gives_one_nak_until_a_good_frame() -> None:
    host = Host()
    bad = bytearray(ash.encode(ash.data_control(0, 0), b"abc"))
    bad[1] ^= 0x40
    host.ncp.feed(bytes(bad))
    host.ncp.feed(bytes(bad))  # still in the reject condition: no second NAK
    frames = host.frames()
    assert kinds(frames) == ["NAK"] and frames[0][1]["ack_num"] == 0
    host.data(0, 0, b"abc", re_tx=True)
    assert host.delivered == [b"abc"]
    host.ncp.feed(bytes(bad))  # the reject condition ended: a new NAK
    assert kinds(host.frames()) == ["ACK", "NAK"]
    stats = host.ncp.stats()
    assert stats["crc_errors"] == 3 and stats["naks_sent"] == 2


async def test_out_of_sequence_is_rejected_and_a_retransmitted_duplicate_acknowledged() -> None:
    host = Host()
    host.data(0, 0, b"a")
    host.data(2, 0, b"c")  # frame 1 lost
    assert kinds(host.frames()) == ["ACK", "NAK"]
    host.data(0, 0, b"a", re_tx=True)  # a duplicate: acknowledged, not delivered again
    frames = host.frames()
    assert kinds(frames) == ["ACK"] and frames[0][1]["ack_num"] == 1
    assert host.delivered == [b"a"]
    assert host.ncp.stats()["duplicates"] == 1 and host.ncp.stats()["out_of_sequence"] == 1


async def test_nak_makes_the_ncp_retransmit_with_retx_set() -> None:
    host = Host()
    host.ncp.send(b"one")
    host.ncp.send(b"two")
    host.ncp.flush()
    assert [f["frm_num"] for _, f, _ in host.frames()] == [0, 1]
    host.ncp.feed(ash.encode(ash.nak_control(1)))  # frame 0 arrived, frame 1 did not
    frames = host.frames()
    assert [(f["frm_num"], f["re_tx"], d) for _, f, d in frames] == [(1, 1, b"two")]
    assert host.ncp.stats()["naks_received"] == 1 and host.ncp.stats()["retransmissions"] == 1


async def test_window_holds_frames_until_acknowledged() -> None:
    host = Host(window=3)
    for n in range(5):
        host.ncp.send(bytes((n,)))
    host.ncp.flush()
    assert [f["frm_num"] for _, f, _ in host.frames()] == [0, 1, 2]
    host.ncp.feed(ash.encode(ash.ack_control(2)))  # 0 and 1 acknowledged
    assert [f["frm_num"] for _, f, _ in host.frames()] == [3, 4]


async def test_unacknowledged_frame_is_retransmitted_then_the_ncp_gives_up() -> None:
    host = Host()
    host.ncp.t_rx_ack = 0.01
    host.ncp.send(b"lost")
    host.ncp.flush()
    assert kinds(host.frames()) == ["DATA"]
    async with asyncio.timeout(5):
        while host.ncp.stats()["errors_sent"] == 0:
            await asyncio.sleep(0.005)
    frames = host.frames()
    assert kinds(frames) == ["DATA"] * (ACK_TIMEOUTS - 1) + ["ERROR"]
    assert all(f["re_tx"] == 1 for _, f, _ in frames[:-1])
    assert frames[-1][2] == bytes((2, 0x51))
    assert host.ncp.stats()["ack_timeouts"] == ACK_TIMEOUTS
    host.data(0, 0, b"ignored")  # failed: nothing but a RST is heard
    assert host.delivered == [] and host.frames() == []
    host.ncp.feed(ash.encode(ash.RST))
    assert kinds(host.frames()) == ["RSTACK"]


async def test_acknowledgement_timer_adapts_to_the_measured_time() -> None:
    host = Host()
    host.ncp.send(b"x")
    host.ncp.flush()
    host.ncp.feed(ash.encode(ash.ack_control(1)))
    # 7/8 of 1.6 s plus half of a near-zero measurement, never below UG101's 0.4 s
    assert 1.39 < host.ncp.t_rx_ack <= 1.41
    host.ncp.close()


async def test_acknowledgement_timer_comes_down_after_retransmissions_too() -> None:
    """A timeout doubles t_rx_ack; the acknowledgement of the frame sent again (and a NAK) is
    measured from its latest send, so the timer comes back towards UG101's 0.4 s minimum instead
    of staying at its ceiling while a lossy line makes most frames go twice."""
    host = Host()
    host.ncp.t_rx_ack = 0.05
    host.ncp.send(b"x")
    host.ncp.flush()
    async with asyncio.timeout(5):
        while host.ncp.stats()["ack_timeouts"] == 0:
            await asyncio.sleep(0.005)
    assert host.ncp.t_rx_ack == pytest.approx(0.1)  # doubled by the timeout
    host.ncp.t_rx_ack = 3.2  # as after a run of timeouts
    host.ncp.feed(ash.encode(ash.nak_control(0)))  # NAK: measured, then the frame goes again
    assert 2.79 < host.ncp.t_rx_ack <= 2.81
    host.ncp.feed(ash.encode(ash.ack_control(1)))  # the retransmitted frame acknowledged
    assert 2.44 < host.ncp.t_rx_ack <= 2.46
    assert kinds(host.frames()) == ["DATA", "DATA", "DATA"]
    host.ncp.close()


async def test_with_ack_timeouts_0_the_ncp_retransmits_until_acknowledged() -> None:
    """UG101: ACK_TIMEOUTS 0 keeps the NCP from failing for timeouts (``--ezsp-ash``)."""
    settings = AshSettings.parse("ack_timeouts=0, t_rx_ack_init=0.01,t_rx_ack_min=0.01")
    assert settings == AshSettings(ack_timeouts=0, t_rx_ack_init=0.01, t_rx_ack_min=0.01)
    host = Host()
    host.ncp = AshNcp(host.delivered.append, host.wire.extend, settings=settings)
    host.ncp.send(b"late")
    host.ncp.flush()
    async with asyncio.timeout(10):
        while host.ncp.stats()["retransmissions"] < ACK_TIMEOUTS + 2:
            await asyncio.sleep(0.005)
    host.ncp.feed(ash.encode(ash.ack_control(1)))
    frames = host.frames()
    assert set(kinds(frames)) == {"DATA"} and len(frames) >= ACK_TIMEOUTS + 3
    stats = host.ncp.stats()
    assert stats["errors_sent"] == 0 and stats["ack_timeouts"] >= ACK_TIMEOUTS + 2
    host.ncp.send(b"next")  # the link is still up: the next frame goes out as frame 1
    host.ncp.flush()
    assert [(f["frm_num"], f["re_tx"]) for _, f, _ in host.frames()] == [(1, 0)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("window=8", "window is 1 to 7"),
        ("ack_timeouts=-1", "0 [(]never[)] or more"),
        ("t_rx_ack_min=4", "t_rx_ack_min <= t_rx_ack_init"),
        ("t_rx_ack_max=fast", "needs a number"),
        ("tx_k=3", "unknown ASH setting"),
    ],
)
def test_ash_settings_are_checked(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AshSettings.parse(text)
    assert AshSettings.parse("") == AshSettings()

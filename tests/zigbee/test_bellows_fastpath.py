"""fastpath.ash inside bellows: same frames in and out as bellows' own codec, version-guarded."""

from __future__ import annotations

import asyncio
import gc
import logging
import random
from collections.abc import Iterator
from typing import Any, Self

import bellows.ash as bellows_ash
import bellows.uart
import pytest

from rigs.zigbee import bellows_fastpath


@pytest.fixture
def installed() -> Iterator[type[Any]]:
    status = bellows_fastpath.install()
    assert status.tested and status.codec.startswith("fastpath.ash")
    try:
        yield bellows.uart.AshProtocol
    finally:
        bellows_fastpath.uninstall()


class Recorder:
    """Stands in for bellows' EZSP gateway: records what the ASH protocol hands up."""

    def __init__(self) -> None:
        self.data: list[bytes] = []

    def data_received(self, data: bytes) -> None:
        self.data.append(data)

    def reset_received(self, code: Any) -> None:
        self.data.append(b"reset:" + bytes((int(code),)))

    def error_received(self, code: Any) -> None:
        self.data.append(b"error:" + bytes((int(code),)))


class Transport:
    def __init__(self) -> None:
        self.written = bytearray()
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True


def protocol(cls: type[Any]) -> tuple[Any, Recorder, Transport]:
    recorder, transport = Recorder(), Transport()
    proto = cls(recorder)
    proto._transport = transport
    return proto, recorder, transport


async def loop_turns(count: int = bellows_fastpath.ACK_DEFER_TURNS) -> None:
    """Let the event loop turn ``count`` times (a deferred acknowledgement goes out)."""
    for _ in range(count):
        await asyncio.sleep(0)


def ncp_stream(seed: int, frames: int = 60) -> bytes:
    """What an NCP sends: in-sequence DATA frames (some with reserved bytes), ACKs, a RSTACK."""
    rng = random.Random(seed)
    out = bytearray(bellows_ash.RStackFrame(version=2, reset_code=0x0B).to_bytes())
    out = bytearray(bellows_ash.AshProtocol._stuff_bytes(bytes(out))) + b"\x7e"
    for n in range(frames):
        payload = bytes(
            rng.choice((0x7E, 0x7D, 0x11, 0x13, 0x18, 0x1A, rng.randrange(256)))
            for _ in range(rng.randrange(3, 120))
        )
        frame = bellows_ash.DataFrame(frm_num=n % 8, re_tx=False, ack_num=0, ezsp_frame=payload)
        out += bellows_ash.AshProtocol._stuff_bytes(frame.to_bytes()) + b"\x7e"
        if n % 7 == 3:
            ack = bellows_ash.AckFrame(res=0, ncp_ready=0, ack_num=n % 8)
            out += bellows_ash.AshProtocol._stuff_bytes(ack.to_bytes()) + b"\x7e"
    return bytes(out)


def test_install_swaps_the_codec_and_uninstall_restores_it(installed: type[Any]) -> None:
    assert installed is not bellows_ash.AshProtocol
    assert issubclass(installed, bellows_ash.AshProtocol)
    bellows_fastpath.uninstall()
    assert bellows.uart.AshProtocol is bellows_ash.AshProtocol


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_receive_path_hands_up_what_bellows_own_codec_does(installed: type[Any], seed: int) -> None:
    stream = ncp_stream(seed)
    results = []
    reads = 0

    async def receive(cls: type[Any]) -> int:
        proto, recorder, transport = protocol(cls)
        rng = random.Random(seed)
        at = reads = 0
        while at < len(stream):  # as a serial port delivers it: in chunks of any size
            size = rng.randrange(1, 300)
            proto.data_received(stream[at : at + size])
            await loop_turns()
            at += size
            reads += 1
        results.append((recorder.data, bytes(transport.written).split(b"\x7e")[:-1]))
        return reads

    for cls in (bellows_ash.AshProtocol, installed):
        reads = asyncio.run(receive(cls))
    (stock_up, stock_acks), (fast_up, fast_acks) = results
    assert fast_up == stock_up
    assert len(stock_up) == 61  # the reset and every DATA frame
    # bellows acknowledges every DATA frame; the fast path merges the acknowledgements of one
    # read into one ACK (they are cumulative): the same ACKs in order, at most one per read
    assert len(stock_acks) == 60
    assert fast_acks[-1] == stock_acks[-1]
    assert len(fast_acks) <= reads
    remaining = iter(stock_acks)
    assert all(any(ack == stock for stock in remaining) for ack in fast_acks)


def test_the_data_frames_of_one_read_get_one_ack_and_of_two_reads_two(
    installed: type[Any],
) -> None:
    wires = [
        bellows_ash.AshProtocol._stuff_bytes(
            bellows_ash.DataFrame(
                frm_num=n, re_tx=False, ack_num=0, ezsp_frame=b"\x01" * 4
            ).to_bytes()
        )
        + b"\x7e"
        for n in range(3)
    ]

    def ack(num: int) -> bytes:
        frame = bellows_ash.AckFrame(res=0, ncp_ready=0, ack_num=num)
        return bellows_ash.AshProtocol._stuff_bytes(frame.to_bytes()) + b"\x7e"

    async def receive() -> None:
        proto, recorder, transport = protocol(installed)
        proto.data_received(wires[0] + wires[1])
        await loop_turns(bellows_fastpath.ACK_DEFER_TURNS - 1)
        assert bytes(transport.written) == b""  # waiting for a DATA frame to carry it
        await loop_turns(1)
        assert bytes(transport.written) == ack(2)
        proto.data_received(wires[2])
        await loop_turns()
        assert bytes(transport.written) == ack(2) + ack(3)
        assert len(recorder.data) == 3

    asyncio.run(receive())


def test_a_data_frame_sent_soon_after_a_read_carries_its_acknowledgement(
    installed: type[Any],
) -> None:
    wire = (
        bellows_ash.AshProtocol._stuff_bytes(
            bellows_ash.DataFrame(frm_num=0, re_tx=False, ack_num=0, ezsp_frame=b"\x01").to_bytes()
        )
        + b"\x7e"
    )
    answer = bellows_ash.DataFrame(frm_num=0, re_tx=False, ack_num=1, ezsp_frame=b"\x02")

    async def receive() -> bytes:
        proto, recorder, transport = protocol(installed)
        proto.data_received(wire)
        await loop_turns(bellows_fastpath.ACK_DEFER_TURNS - 1)
        proto._write_frame(answer)
        await loop_turns()
        assert recorder.data == [b"\x01"]
        return bytes(transport.written)

    stock, _, stock_transport = protocol(bellows_ash.AshProtocol)
    stock._write_frame(answer)
    assert asyncio.run(receive()) == bytes(stock_transport.written)  # the DATA frame alone


def test_transmit_path_writes_the_bytes_bellows_own_codec_writes(installed: type[Any]) -> None:
    frames = [
        bellows_ash.DataFrame(frm_num=3, re_tx=True, ack_num=5, ezsp_frame=bytes(range(0, 256, 3))),
        bellows_ash.AckFrame(res=0, ncp_ready=1, ack_num=2),
        bellows_ash.NakFrame(res=0, ncp_ready=0, ack_num=7),
        bellows_ash.RstFrame(),
    ]
    written = []
    for cls in (bellows_ash.AshProtocol, installed):
        proto, _, transport = protocol(cls)
        for frame in frames:
            proto._write_frame(frame)
        proto._write_frame(bellows_ash.RstFrame(), prefix=32 * (bellows_ash.Reserved.CANCEL,))
        written.append(bytes(transport.written))
    assert written[0] == written[1]


def test_damaged_frame_is_rejected_with_one_nak(installed: type[Any]) -> None:
    proto, recorder, transport = protocol(installed)
    good = bellows_ash.DataFrame(frm_num=0, re_tx=False, ack_num=0, ezsp_frame=b"\x01\x02\x03")
    wire = bytearray(bellows_ash.AshProtocol._stuff_bytes(good.to_bytes()) + b"\x7e")
    damaged = bytes(wire[:2]) + bytes((wire[2] ^ 0x04,)) + bytes(wire[3:])
    proto.data_received(damaged + damaged)
    nak = bellows_ash.NakFrame(res=0, ncp_ready=0, ack_num=0)
    assert (
        bytes(transport.written) == bellows_ash.AshProtocol._stuff_bytes(nak.to_bytes()) + b"\x7e"
    )
    proto.data_received(bytes(wire))
    assert recorder.data == [b"\x01\x02\x03"]


def test_untested_bellows_keeps_its_own_codec_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bellows_fastpath, "library_version", lambda: "9.9.9")
    status = bellows_fastpath.install()
    assert not status.tested
    assert bellows.uart.AshProtocol is bellows_ash.AshProtocol
    assert status.describe() == (
        "bellows 9.9.9, ASH framed by bellows' own ASH codec (fastpath tested with bellows 1.2.1)"
    )


def test_a_data_frame_acknowledges_ours_as_in_bellows(installed: type[Any]) -> None:
    wire = (
        bellows_ash.AshProtocol._stuff_bytes(
            bellows_ash.DataFrame(frm_num=0, re_tx=False, ack_num=2, ezsp_frame=b"\x05").to_bytes()
        )
        + b"\x7e"
    )

    async def receive(cls: type[Any]) -> tuple[list[bool], list[bytes]]:
        proto, recorder, _ = protocol(cls)
        loop = asyncio.get_running_loop()
        pending = {n: loop.create_future() for n in (1, 2)}  # frames 1 and 2 await their ACK
        proto._pending_data_frames.update(pending)
        proto.data_received(wire)  # ackNum 2: frame 1 is acknowledged, frame 2 is not
        await loop_turns()
        return [pending[n].done() for n in (1, 2)], recorder.data

    stock = asyncio.run(receive(bellows_ash.AshProtocol))
    assert stock == ([True, False], [b"\x05"])
    assert asyncio.run(receive(installed)) == stock


def _nak(num: int) -> bytes:
    frame = bellows_ash.NakFrame(res=0, ncp_ready=0, ack_num=num)
    return bellows_ash.AshProtocol._stuff_bytes(frame.to_bytes()) + b"\x7e"


def _ack(num: int) -> bytes:
    frame = bellows_ash.AckFrame(res=0, ncp_ready=0, ack_num=num)
    return bellows_ash.AshProtocol._stuff_bytes(frame.to_bytes()) + b"\x7e"


def _data_frames(written: bytes) -> list[tuple[int, bool]]:
    """(frmNum, reTx) of every DATA frame in what the host wrote."""
    return [
        (part[0] >> 4 & 7, bool(part[0] & 0x08))
        for part in written.split(b"\x7e")
        if part and not part[0] & 0x80
    ]


async def _sent(transport: Transport, count: int) -> None:
    """Let the event loop run until the host has written ``count`` DATA frames."""
    for _ in range(100):
        if len(_data_frames(bytes(transport.written))) >= count:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"{count} DATA frames were not written")


async def test_naks_do_not_count_against_the_send_limit(installed: type[Any]) -> None:
    """bellows alone gives the link up after 5 sends; NAKs are not timeouts (UG101), so a frame
    the NCP asks for again and again still goes through."""
    proto, _, transport = protocol(installed)
    before = bellows_fastpath.host_counters.as_dict()
    sending = asyncio.ensure_future(proto.send_data(b"\x01\x02\x03\x04"))
    naks = bellows_ash.ACK_TIMEOUTS + 3  # more than bellows' own limit of sends
    for sends in range(1, naks + 1):
        await _sent(transport, sends)
        proto.data_received(_nak(0))
    await _sent(transport, naks + 1)
    proto.data_received(_ack(1))
    await asyncio.wait_for(sending, 1)
    assert _data_frames(bytes(transport.written)) == [(0, False)] + [(0, True)] * naks
    after = bellows_fastpath.host_counters.as_dict()
    assert after["naks_received"] - before["naks_received"] == naks
    assert after["resends"] - before["resends"] == naks
    assert after["links_given_up"] == before["links_given_up"]
    assert proto._ncp_state is bellows_ash.NcpState.CONNECTED


async def test_the_link_is_given_up_after_ack_timeouts_in_a_row(installed: type[Any]) -> None:
    from rigs.ash_timers import UG101_SETTINGS, HostAshSettings

    assert UG101_SETTINGS.ack_timeouts == bellows_fastpath.ACK_TIMEOUTS == 16
    bellows_fastpath.configure(HostAshSettings(ack_timeouts=2))
    try:
        proto, recorder, transport = protocol(installed)
    finally:
        bellows_fastpath.configure(UG101_SETTINGS)
    errors: list[Any] = []
    recorder.error_received = errors.append  # type: ignore[method-assign]
    before = bellows_fastpath.host_counters.as_dict()
    with pytest.raises(bellows_ash.NcpFailure):
        await asyncio.wait_for(proto.send_data(b"\x01\x02\x03"), 10)
    assert _data_frames(bytes(transport.written)) == [(0, False), (0, True)]
    after = bellows_fastpath.host_counters.as_dict()
    assert after["ack_timeouts"] - before["ack_timeouts"] == 2
    assert after["links_given_up"] - before["links_given_up"] == 1
    assert proto._ncp_state is bellows_ash.NcpState.FAILED and errors
    with pytest.raises(bellows_ash.NcpFailure):  # and nothing more is sent on a failed link
        await proto.send_data(b"\x04")
    assert len(_data_frames(bytes(transport.written))) == 2


async def test_a_frame_is_sent_at_most_max_sends_times(
    installed: type[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bellows_fastpath, "MAX_SENDS", 4)
    proto, _, transport = protocol(installed)
    sending = asyncio.ensure_future(proto.send_data(b"\x01\x02\x03"))
    for sends in range(1, 5):
        await _sent(transport, sends)
        proto.data_received(_nak(0))
    with pytest.raises(bellows_ash.NcpFailure):
        await asyncio.wait_for(sending, 1)
    assert len(_data_frames(bytes(transport.written))) == 4


def test_after_a_damaged_frame_every_acknowledgement_goes_as_an_ack_frame(
    installed: type[Any],
) -> None:
    """On a clean line a DATA frame of ours carries the acknowledgement of a read; once the
    host has met a damaged frame (or a NAK, or a timeout) the ACK goes at once and on its own,
    as bellows' own protocol sends it: a lost DATA frame would lose it too."""

    def data(num: int, payload: bytes) -> bytes:
        frame = bellows_ash.DataFrame(frm_num=num, re_tx=False, ack_num=0, ezsp_frame=payload)
        return bellows_ash.AshProtocol._stuff_bytes(frame.to_bytes()) + b"\x7e"

    damaged = bytearray(data(0, b"\x01\x02"))
    damaged[2] ^= 0x04
    answer = bellows_ash.DataFrame(frm_num=0, re_tx=False, ack_num=1, ezsp_frame=b"\x09" * 100)

    async def receive() -> bytes:
        proto, recorder, transport = protocol(installed)
        proto.data_received(bytes(damaged))
        assert bytes(transport.written) == _nak(0)  # rejected
        proto.data_received(data(0, b"\x01\x02"))
        assert bytes(transport.written) == _nak(0) + _ack(1)  # at once, not deferred
        proto._write_frame(answer)  # would have carried it on a clean line
        await loop_turns()
        assert recorder.data == [b"\x01\x02"]
        return bytes(transport.written)

    stock, _, stock_transport = protocol(bellows_ash.AshProtocol)
    stock._write_frame(answer)
    assert asyncio.run(receive()) == _nak(0) + _ack(1) + bytes(stock_transport.written)


async def test_the_rig_bounds_the_acknowledgement_timer(installed: type[Any]) -> None:
    """UG101's 0.4 to 3.2 s unless the rig file's ``radio.ash`` says otherwise."""
    from rigs.ash_timers import UG101_SETTINGS, HostAshSettings

    assert installed(Recorder())._t_rx_ack == pytest.approx(1.6)  # UG101's T_RX_ACK_INIT
    bellows_fastpath.configure(HostAshSettings.parse("t_rx_ack_max=0.8, t_rx_ack_min=0.1"))
    try:
        proto, _, transport = protocol(installed)
        assert proto._t_rx_ack == pytest.approx(0.8)  # the initial 1.6 s, within the bounds
        sending = asyncio.ensure_future(proto.send_data(b"\x01"))
        await _sent(transport, 1)
        await asyncio.wait_for(_sent_after_timeout(transport), 2)  # one timeout: 0.8 s
        assert proto._t_rx_ack == pytest.approx(0.8)  # doubled, and held at the ceiling
        proto.data_received(_ack(1))
        await asyncio.wait_for(sending, 1)
        assert proto._t_rx_ack < 0.8
    finally:
        bellows_fastpath.configure(UG101_SETTINGS)
    assert installed(Recorder())._t_rx_ack == pytest.approx(1.6)
    with pytest.raises(ValueError, match="t_rx_ack_min <= t_rx_ack_max"):
        HostAshSettings.parse("t_rx_ack_max=0.2")
    with pytest.raises(ValueError, match="unknown ASH setting"):
        HostAshSettings.parse("window=3")


async def _sent_after_timeout(transport: Transport) -> None:
    while len(_data_frames(bytes(transport.written))) < 2:
        await asyncio.sleep(0.01)


async def test_with_ack_timeouts_0_only_max_sends_gives_the_link_up(
    installed: type[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ash = "ack_timeouts=0"``: timeouts in a row never end the link (UG101's "never" for
    the NCP's token); MAX_SENDS sends of one frame still do."""
    from rigs.ash_timers import UG101_SETTINGS, HostAshSettings

    monkeypatch.setattr(bellows_fastpath, "MAX_SENDS", 5)
    bellows_fastpath.configure(HostAshSettings.parse("ack_timeouts=0,t_rx_ack_min=0.01"))
    try:
        proto, _, transport = protocol(installed)
        proto._t_rx_ack = 0.01
    finally:
        bellows_fastpath.configure(UG101_SETTINGS)
    before = bellows_fastpath.host_counters.as_dict()
    with pytest.raises(bellows_ash.NcpFailure):
        await asyncio.wait_for(proto.send_data(b"\x01"), 5)
    after = bellows_fastpath.host_counters.as_dict()
    assert after["ack_timeouts"] - before["ack_timeouts"] == 5  # 5 in a row, more than 2
    assert len(_data_frames(bytes(transport.written))) == 5


class Unretrieved:
    """What the event loop would report with "Task exception was never retrieved" (and any other
    exception nobody handled), caught instead of logged while the block runs."""

    def __init__(self) -> None:
        self.contexts: list[dict[str, Any]] = []

    def __enter__(self) -> Self:
        self._loop = asyncio.get_running_loop()
        self._loop.set_exception_handler(lambda _, context: self.contexts.append(context))
        return self

    def __exit__(self, *exc: object) -> None:
        gc.collect()  # a finished task reports its unretrieved exception when it is collected
        self._loop.set_exception_handler(None)


async def _sender_stops_waiting(proto: Any, transport: Transport) -> None:
    """A DATA frame goes out, then its sender stops waiting (bellows' command timeout cancels
    it); the send goes on, as bellows keeps it (a send "cannot really be cancelled")."""
    sending = asyncio.ensure_future(proto.send_data(b"\x01\x02\x03"))
    await _sent(transport, 1)
    sending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sending
    assert proto._pending_data_frames  # still in flight


async def test_a_frame_nobody_waits_for_ends_quietly_when_the_link_closes(
    installed: type[Any], caplog: pytest.LogCaptureFixture
) -> None:
    proto, _, transport = protocol(installed)
    caplog.set_level(logging.DEBUG, logger=bellows_fastpath.LOGGER.name)
    with Unretrieved() as unretrieved:
        await _sender_stops_waiting(proto, transport)
        proto.close()
        await loop_turns(3)
        assert not proto._pending_data_frames
    assert unretrieved.contexts == []
    [record] = [r for r in caplog.records if r.name == bellows_fastpath.LOGGER.name]
    assert record.levelno == logging.DEBUG and "link closed" in record.getMessage()


async def test_a_frame_nobody_waits_for_that_gives_the_link_up_is_reported(
    installed: type[Any], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bellows_fastpath, "MAX_SENDS", 2)
    proto, _, transport = protocol(installed)
    with Unretrieved() as unretrieved:
        await _sender_stops_waiting(proto, transport)
        proto.data_received(_nak(0))
        await _sent(transport, 2)
        proto.data_received(_nak(0))  # the second send is the last: the link is given up
        await loop_turns(3)
        assert not proto._pending_data_frames
    assert unretrieved.contexts == []
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("given up" in line for line in warnings)
    assert any("NcpFailure" in line for line in warnings)  # what the unawaited send ended with


async def test_an_unexpected_error_of_a_frame_nobody_waits_for_is_logged_with_its_traceback(
    installed: type[Any], caplog: pytest.LogCaptureFixture
) -> None:
    proto, _, transport = protocol(installed)
    with Unretrieved() as unretrieved:
        await _sender_stops_waiting(proto, transport)

        def broken(data: bytes) -> None:
            raise OSError("the port went away")

        transport.write = broken  # type: ignore[method-assign]
        proto.data_received(_nak(0))  # the resend fails in the port
        await loop_turns(3)
    assert unretrieved.contexts == []
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.name == bellows_fastpath.LOGGER.name and record.exc_info is not None
    assert "the port went away" in str(record.exc_info[1])

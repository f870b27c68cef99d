"""The pieces of recovery from a lossy radio port that need no emulator: the resync fill, the
outcome of an unanswered PIN verification read from the PIN status, and a command re-sent only
when the device's state shows it undone."""

from __future__ import annotations

import asyncio
import math
from types import SimpleNamespace
from typing import Any

import pytest
import zigpy_znp.commands as c
import zigpy_znp.types as t

from fastpath import mt
from rigs.operations import (
    DeviceTimeout,
    PinCheck,
    PinStatus,
    PinVerification,
    TransferResult,
    TransferStatus,
)
from rigs.zigbee import rig as rig_module
from rigs.zigbee.rig import ZigbeeRig, _verification
from rigs.zigbee.znp_retries import RESYNC_FILL, resync_fill

REQUESTS = [
    c.SYS.OSALNVReadExt.Req(Id=0x0021, Offset=0),
    c.SYS.OSALNVWriteExt.Req(Id=0x0062, Offset=0, Value=t.LongBytes(bytes(16))),
    c.SYS.Ping.Req(),
    c.AF.DataRequestExt.Req(
        DstAddrModeAddress=t.AddrModeAddress(mode=t.AddrMode.NWK, address=0x1002),
        DstEndpoint=1,
        DstPanId=0x0000,
        SrcEndpoint=1,
        ClusterId=0x0019,
        TSN=7,
        Options=c.af.TransmitOptions.NONE,
        Radius=30,
        Data=t.ShortBytes(bytes(range(64))),
    ),
]


def _wire(request: Any) -> bytes:
    frame = request.to_frame()
    header = int(frame.header)
    return mt.encode(header & 0xFF, header >> 8, bytes(frame.data))


def _taken(damaged: bytes, fill: bytes) -> list[tuple[int, int, bytes]]:
    decoder = mt.Decoder()
    decoder.feed(damaged)
    return decoder.feed(fill)


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: type(r).__qualname__)
def test_the_fill_completes_no_copy_of_the_request_with_a_byte_lost(request_: Any) -> None:
    wire = _wire(request_)
    fill = resync_fill(wire)
    assert len(fill) == len(RESYNC_FILL) and mt.SOF not in fill
    for lost in range(1, len(wire)):
        assert _taken(wire[:lost] + wire[lost + 1 :], fill) == []


def test_zeros_would_complete_an_nv_read_that_lost_a_zero_byte() -> None:
    wire = _wire(REQUESTS[0])  # FE 04 21 1C 21 00 00 00 FCS
    damaged = wire[:5] + wire[6:]  # a zero of the item id lost
    assert _taken(damaged, RESYNC_FILL) != []  # the co-processor would act on it
    assert _taken(damaged, resync_fill(wire)) == []


def test_the_fill_completes_no_nv_read_that_lost_two_equal_bytes() -> None:
    wire = _wire(REQUESTS[0])
    for first in range(5, len(wire) - 1):
        for second in range(first + 1, len(wire) - 1):
            if wire[first] == wire[second]:
                damaged = wire[:first] + wire[first + 1 : second] + wire[second + 1 :]
                assert _taken(damaged, bytes((0x01,)) * 256) != []  # a constant fill would
                assert _taken(damaged, resync_fill(wire)) == []


def _status(left: int, *, locked: bool = False, default: bool = False) -> PinStatus:
    return PinStatus(is_default=default, locked=locked, attempts_left=left)


def test_an_unanswered_pin_verification_is_read_from_the_pin_status() -> None:
    assert _verification(_status(3), _status(3)) is None  # unchanged: not done, send again
    assert _verification(_status(0, locked=True), _status(0, locked=True)) is None
    assert _verification(_status(3), _status(2)) == PinVerification(PinCheck.WRONG, 2)
    assert _verification(_status(1), _status(0, locked=True)) == PinVerification(PinCheck.LOCKED, 0)
    assert _verification(_status(1), _status(3)) == PinVerification(PinCheck.CORRECT, 3)


class _Device:
    """A command's effect, and whether its answer reaches the rig."""

    def __init__(self, answers: list[bool]) -> None:
        self.answers = answers
        self.value = 0
        self.sends = 0

    async def send(self) -> str:
        self.sends += 1
        arrives, answered = self.answers.pop(0), True
        if arrives:
            self.value += 1
        if not answered or not arrives:
            await asyncio.Event().wait()  # no answer: the rig's wait ends it
        return "answered"

    async def state(self) -> int:
        return self.value


def _rig(loss: list[int] | None = None) -> ZigbeeRig:
    """A rig with no radio; ``loss`` (changed in place) stands for its LOSS_SIGNS counters."""
    rig = ZigbeeRig.__new__(ZigbeeRig)
    rig.commands_sent_again = rig.answers_read_from_state = rig.limits_extended = 0
    rig._signs_seen, rig._lossy_until = None, -math.inf
    rig._reconnecting, rig._initialized = None, SimpleNamespace(lost=None)  # type: ignore[assignment]
    signs = [0] if loss is None else loss
    rig._loss_signs = lambda: tuple(signs)  # type: ignore[method-assign]
    return rig


def _done(before: int, after: int) -> str | None:
    return "done (read from state)" if after != before else None


async def test_a_command_that_did_not_arrive_is_sent_again_and_one_that_did_is_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rig_module, "READ_ATTEMPT_MIN_S", 0.02)
    rig = _rig()
    lost_on_the_way = _Device([False, True])  # the first send never arrives, the second does
    result = await rig._unrepeated(
        "d", "cmd", 0.06, lost_on_the_way.send, lost_on_the_way.state, _done, before=0
    )
    assert result == "answered" and lost_on_the_way.sends == 2 and lost_on_the_way.value == 1
    assert rig.commands_sent_again == 1 and rig.answers_read_from_state == 0

    class AnswerLost(_Device):
        async def send(self) -> str:
            self.sends += 1
            self.value += 1  # it acts ...
            await asyncio.Event().wait()  # ... and its answer is lost
            return "unreachable"

    answer_lost = AnswerLost([])
    result = await rig._unrepeated(
        "d", "cmd", 0.06, answer_lost.send, answer_lost.state, _done, before=0
    )
    assert result == "done (read from state)"
    assert answer_lost.sends == 1 and answer_lost.value == 1  # never done twice
    assert rig.answers_read_from_state == 1


async def _within(rig: ZigbeeRig, limit: float, answer_s: float) -> str:
    """One operation of ``limit`` s whose answer is due ``answer_s`` s after it starts."""
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[str] = loop.create_future()

    def answered() -> None:
        if not answer.done():  # not given up on
            answer.set_result("answered")

    loop.call_later(answer_s, answered)
    async with rig._operation("d", "read", limit):
        return await answer


async def test_a_port_losing_bytes_gives_each_operation_a_longer_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Operations get LOSSY_LIMIT_FACTOR times their limit only while a loss counter has moved
    within LOSSY_WINDOW_S; the limit's message says so."""
    monkeypatch.setattr(rig_module, "LOSSY_LIMIT_FACTOR", 10.0)
    loss = [0]
    rig = _rig(loss)
    with pytest.raises(DeviceTimeout, match=r"no answer within 0\.05 s$"):
        await _within(rig, 0.05, 0.15)  # a clean port: the limit asked for
    assert rig.limits_extended == 0
    loss[0] += 1  # a frame went again: the port is losing bytes
    assert await _within(rig, 0.05, 0.15) == "answered"  # within 0.5 s
    assert rig.limits_extended == 1
    with pytest.raises(DeviceTimeout, match=r"within 0\.5 s \(0\.05 s x10 on a port losing"):
        await _within(rig, 0.05, 1.5)
    monkeypatch.setattr(rig_module, "LOSSY_WINDOW_S", 0.0)  # the window has passed ...
    loss[0] += 1
    with pytest.raises(DeviceTimeout, match=r"no answer within 0\.05 s$"):
        await _within(rig, 0.05, 0.15)  # ... so the limit is the one asked for again


async def test_a_command_is_sent_more_times_on_a_port_losing_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rig_module, "READ_ATTEMPT_MIN_S", 0.01)
    sends = rig_module.COMMAND_ATTEMPTS + 2
    clean = _Device([False] * sends)
    with pytest.raises(TimeoutError):
        await _rig()._unrepeated("d", "cmd", 0.03, clean.send, clean.state, _done, before=0)
    assert clean.sends == rig_module.COMMAND_ATTEMPTS
    lossy = _Device([False] * (sends - 1) + [True])  # the last send arrives
    rig = _rig([1])
    result = await rig._unrepeated("d", "cmd", 0.03, lossy.send, lossy.state, _done, before=0)
    assert result == "answered" and lossy.sends == sends and lossy.value == 1
    assert rig.commands_sent_again == sends - 1


def _retrying_znp(ceiling: float = 0.5) -> Any:
    import zigpy_znp.config as conf

    from rigs.zigbee import znp_retries

    config = conf.CONFIG_SCHEMA(
        {"device": {"path": "/dev/null"}, "znp_config": {"sync_request_timeout": ceiling}}
    )
    return znp_retries.retrying_class()(config)


def test_one_slow_srsp_does_not_hold_the_wait_at_its_ceiling() -> None:
    """The SRSP wait follows the 90th percentile of the last SRSP times, not the slowest: one
    SRSP held up by the host (193 ms among answers of about a millisecond, as measured at 1%
    loss) leaves the wait at its floor, where each lost request costs 0.15 s, not 0.5 s."""
    znp = _retrying_znp()
    assert znp.srsp_wait() == 0.15  # nothing seen yet: the floor
    for seconds in [0.001] * 40 + [0.193] + [0.001] * 40:
        znp.srsp_seen(seconds)
    assert znp.srsp_wait() == 0.15
    for _ in range(60):  # the port itself slows down: the wait follows it ...
        znp.srsp_seen(0.03)
    assert znp.srsp_wait() == pytest.approx(0.3)
    for _ in range(60):  # ... up to zigpy-znp's sync_request_timeout
        znp.srsp_seen(0.2)
    assert znp.srsp_wait() == 0.5


@pytest.mark.parametrize(
    ("data", "repeatable"),
    [
        (b"\x19\x21\x05\x00", True),  # Image Block Response
        (b"\x19\x21\x02\x00", True),  # Query Next Image Response
        (b"\x19\x21\x00\x00", True),  # Image Notify
        (b"\x1d\x1d\x12\x21\x05\x00", True),  # manufacturer-specific Image Block Response
        (b"\x19\x21\x07\x00", False),  # Upgrade End Response: it schedules the upgrade
        (b"\x11\x21\x05\x00", False),  # client to server
        (b"\x18\x21\x05\x00", False),  # a general command (0x05: Write Attributes No Response)
        (b"\x1d\x1d\x12", False),  # too short for its command
    ],
)
def test_only_an_ota_servers_repeatable_commands_go_again_at_once(
    data: bytes, repeatable: bool
) -> None:
    from rigs.zigbee.znp_retries import repeatable as is_repeatable

    assert is_repeatable(0x0019, data) is repeatable
    assert is_repeatable(0x0702, data) is False  # the same bytes to another cluster


class _Transfers:
    """distribute_image's pieces below the held-image check: each send's outcome, the loss
    counter it moves, and the SHA-256 of the copy the device then holds."""

    def __init__(self, outcomes: list[tuple[str, int, bytes]], lost_before: int = 0) -> None:
        self.outcomes = outcomes  # (status, bytes lost during the send, held copy)
        self.lost = lost_before
        self.held: bytes | None = None
        self.sends = 0
        self.time_left: list[float] = []  # the limit each send was given

    async def once(self, ieee: str, image: bytes, progress: Any, timeout: float) -> Any:
        status, lost, held = self.outcomes[self.sends]
        self.time_left.append(timeout)
        self.sends += 1
        self.lost += lost
        self.held = held
        reason = "refused" if status == "rejected" else ""
        return TransferResult(TransferStatus(status), len(image), 4, 2.0, 1, 0, reason)

    async def read_held(self, ieee: str, *, timeout: float) -> Any:
        import hashlib
        from types import SimpleNamespace

        return SimpleNamespace(sha256=hashlib.sha256(self.held or b"").digest())


def _transfer_rig(transfers: _Transfers) -> ZigbeeRig:
    rig = _rig()
    rig.images_checked = rig.images_sent_again = rig.refusals_sent_again = 0
    rig._distribute_once = transfers.once  # type: ignore[method-assign]
    rig.read_held_image = transfers.read_held  # type: ignore[method-assign,assignment]
    rig.recovery_counts = lambda: {"bad_fcs": transfers.lost}  # type: ignore[method-assign]
    del rig._loss_signs  # read from recovery_counts, as on a real rig
    return rig


IMAGE, DAMAGED = b"image" * 20, b"imagf" * 20


async def test_a_held_copy_damaged_on_a_lossy_port_is_replaced_by_sending_the_image_again() -> None:
    from rigs.operations import TransferStatus

    transfers = _Transfers([("ok", 3, DAMAGED), ("ok", 2, IMAGE)])
    rig = _transfer_rig(transfers)
    result = await rig.distribute_image("d", IMAGE, timeout=10)
    assert result.status is TransferStatus.OK and transfers.sends == 2
    assert (rig.images_checked, rig.images_sent_again) == (2, 1)
    assert (result.blocks, result.seconds, result.retries) == (8, 4.0, 2)  # both sends count
    assert result.reason == "sent 2 times on a lossy port"


async def test_a_held_copy_that_stays_damaged_is_sent_at_most_image_sends_times() -> None:
    transfers = _Transfers([("ok", 1, DAMAGED)] * 7)
    rig = _transfer_rig(transfers)
    await rig.distribute_image("d", IMAGE, timeout=10)
    assert transfers.sends == rig_module.IMAGE_SENDS == 5 and rig.images_sent_again == 4


async def test_a_refusal_on_a_lossy_port_is_sent_again_and_a_second_one_stands() -> None:
    """A device that refused an image a damaged frame reached gets it again; a device that
    refuses it twice in a row refuses the image itself, and that refusal stands."""
    from rigs.operations import TransferStatus

    transfers = _Transfers([("rejected", 2, IMAGE), ("ok", 1, IMAGE)])
    rig = _transfer_rig(transfers)
    assert (await rig.distribute_image("d", IMAGE, timeout=10)).status is TransferStatus.OK
    assert transfers.sends == 2 and rig.refusals_sent_again == 1
    transfers = _Transfers([("rejected", 2, IMAGE)] * 4)
    rig = _transfer_rig(transfers)
    result = await rig.distribute_image("d", IMAGE, timeout=10)
    assert result.status is TransferStatus.REJECTED and transfers.sends == 2
    assert result.reason == "refused"  # the device's own reason, as it gave it


@pytest.mark.parametrize(
    "outcome",
    [
        ("ok", 0, DAMAGED),  # nothing lost on the port: nothing read back, nothing sent again
        ("rejected", 0, DAMAGED),  # refused on a clean port: the refusal stands
        ("failed", 4, DAMAGED),  # broke off (the device stopped asking): not sent again here
        ("ok", 4, IMAGE),  # lossy, and the held copy is the image
    ],
)
async def test_the_image_goes_once_unless_a_lossy_port_left_a_damaged_copy(
    outcome: tuple[str, int, bytes],
) -> None:
    transfers = _Transfers([outcome, ("ok", 0, IMAGE)])
    rig = _transfer_rig(transfers)
    result = await rig.distribute_image("d", IMAGE, timeout=10)
    assert transfers.sends == 1 and rig.images_sent_again == rig.refusals_sent_again == 0
    assert result.status.value == outcome[0]
    assert rig.images_checked == (1 if outcome[0] == "ok" and outcome[1] else 0)


async def test_an_image_transfer_gets_a_longer_limit_on_a_port_losing_bytes() -> None:
    """The transfer's limit is LOSSY_LIMIT_FACTOR times longer when the port is losing bytes as
    it starts, or from the moment the image goes again because bytes were lost during it."""
    longer = 100 * rig_module.LOSSY_LIMIT_FACTOR
    transfers = _Transfers([("ok", 0, IMAGE)])  # a clean port
    rig = _transfer_rig(transfers)
    await rig.distribute_image("d", IMAGE, timeout=100)
    assert transfers.time_left == [pytest.approx(100, abs=1)] and rig.limits_extended == 0

    transfers = _Transfers([("ok", 0, IMAGE)], lost_before=5)  # lost bytes before it started
    rig = _transfer_rig(transfers)
    await rig.distribute_image("d", IMAGE, timeout=100)
    assert transfers.time_left == [pytest.approx(longer, abs=1)] and rig.limits_extended == 1

    transfers = _Transfers([("ok", 3, DAMAGED), ("ok", 0, IMAGE)])  # lost bytes during it
    rig = _transfer_rig(transfers)
    assert (await rig.distribute_image("d", IMAGE, timeout=100)).reason.startswith("sent 2")
    assert transfers.time_left == [pytest.approx(100, abs=1), pytest.approx(longer, abs=1)]
    assert rig.limits_extended == 1

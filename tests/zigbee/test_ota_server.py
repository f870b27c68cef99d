"""The OTA server at the radio boundary: a scripted device speaks ZCL OTA frames written from the
cluster's description (struct layouts here, not the server's codec), through a zigpy application
whose ``send_packet`` hands each answer back to the script."""

# zigpy's types are not typed for strict mypy.
# mypy: disable-error-code="no-untyped-call,attr-defined,union-attr"

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass, field

import pytest
import zigpy.device
import zigpy.types as t
from loopback_app import FrameLoopbackApplication, LoopbackApplication, loopback_app

from rigs.operations import TransferStatus
from rigs.zigbee.ota_server import HOLD, OtaDistribution, OtaSettings

MFR, ITYPE, VERSION = 0x121D, 0x0084, 0x01020304
SE_PROFILE = 0x0109


_frames: list[bool] = [False]


@pytest.fixture(autouse=True, params=["packets", "frames"])
def radio_path(request: pytest.FixtureRequest) -> str:
    """Every test twice: through zigpy packets (packet tap, ``send_packet``), and as a radio
    with frame taps (``send_frame_then``, as the emulated radio) serves the OTA server."""
    _frames[0] = request.param == "frames"
    return str(request.param)


async def _app() -> tuple[LoopbackApplication, zigpy.device.ZigbeeDevice]:
    return await loopback_app(frames=_frames[0])


def make_image(size: int) -> bytes:
    header = struct.pack("<IHHHHHI", 0x0BEEF11E, 0x0100, 56, 0, MFR, ITYPE, VERSION)
    body = bytes(i & 0xFF for i in range(size - len(header)))
    return header + body


def request(tsn: int, command: int, payload: bytes) -> bytes:
    return bytes((0x01, tsn, command)) + payload  # cluster-specific, client to server


@dataclass
class ScriptedDevice:
    """An OTA client: queries, fetches blocks (or pages), ends, and keeps what it was told."""

    app: LoopbackApplication
    max_block: int = 64
    page_size: int = 0  # 0: Image Block Requests; else Image Page Requests of this size
    data: bytearray = field(default_factory=bytearray)
    size: int = 0
    tsn: int = 0
    period_ms: int = -1  # minimum block period the server asked for
    responses: list[bytes] = field(default_factory=list)
    upgrade_time: int | None = None
    page_end: int = 0
    block_times: list[float] = field(default_factory=list)

    def send(self, command: int, payload: bytes) -> None:
        self.tsn = (self.tsn + 1) & 0xFF
        asyncio.get_running_loop().call_soon(self.app.deliver, request(self.tsn, command, payload))

    def ask_block(self) -> None:
        offset = len(self.data)
        if self.page_size:
            self.page_end = min(offset + self.page_size, self.size)
            payload = struct.pack(
                "<BHHIIBHH", 0, MFR, ITYPE, VERSION, offset, self.max_block, self.page_size, 0
            )
            self.send(0x04, payload)
            return
        if self.period_ms >= 0:
            payload = struct.pack(
                "<BHHIIBH", 0x02, MFR, ITYPE, VERSION, offset, self.max_block, self.period_ms
            )
            delay = self.period_ms / 1000
            asyncio.get_running_loop().call_later(delay, self.send, 0x03, payload)
            return
        self.send(0x03, struct.pack("<BHHIIB", 0, MFR, ITYPE, VERSION, offset, self.max_block))

    def __call__(self, packet: t.ZigbeePacket) -> None:
        frame = bytes(packet.data.value)
        assert packet.cluster_id == 0x0019 and packet.profile_id == SE_PROFILE
        assert packet.dst.address == 0x1234 and packet.dst_ep == 1
        self.responses.append(frame)
        fc, _, command = frame[:3]
        payload = frame[3:]
        if fc != 0x19:  # Default Response and the like: nothing to do
            return
        if command == 0x00:  # Image Notify
            self.send(0x01, struct.pack("<BHHIH", 1, MFR, ITYPE, 0x01000000, 1))
        elif command == 0x02 and payload[0] == 0:  # Query Next Image Response, SUCCESS
            self.size = struct.unpack_from("<I", payload, 9)[0]
            self.ask_block()
        elif command == 0x05:
            self.on_block(payload)
        elif command == 0x07:
            self.upgrade_time = struct.unpack_from("<I", payload, 12)[0]

    def on_block(self, payload: bytes) -> None:
        status = payload[0]
        if status == 0x97:  # WAIT_FOR_DATA
            now, at, self.period_ms = struct.unpack_from("<IIH", payload, 1)
            assert at >= now
            self.ask_block()
            return
        if status != 0:
            return
        offset, length = struct.unpack_from("<IB", payload, 9)
        assert offset == len(self.data)
        self.data += payload[14 : 14 + length]
        self.block_times.append(asyncio.get_running_loop().time())
        if len(self.data) >= self.size:
            self.send(0x06, struct.pack("<BHHI", 0, MFR, ITYPE, VERSION))
        elif not self.page_size or len(self.data) >= self.page_end:
            self.ask_block()


async def distribute(
    image: bytes, settings: OtaSettings | None = None, *, max_block: int = 64, page_size: int = 0
) -> tuple[ScriptedDevice, OtaDistribution, TransferStatus]:
    app, zdev = await _app()
    script = ScriptedDevice(app, max_block=max_block, page_size=page_size)
    app.sink = script
    distribution = OtaDistribution(zdev, image, settings or OtaSettings())
    result = await distribution.run(timeout=20)
    return script, distribution, result.status


async def test_blocks_are_served_and_the_image_is_held() -> None:
    image = make_image(1000)
    script, distribution, status = await distribute(image)
    assert status is TransferStatus.OK
    assert bytes(script.data) == image
    assert script.upgrade_time == HOLD
    assert distribution.blocks == 16 and distribution.retries == 0
    app = script.app
    if isinstance(app, FrameLoopbackApplication):
        # every request taken as a frame (query, 16 blocks, end); the answers to the query and
        # the blocks sent as frames (Image Notify and the Upgrade End Response wait for their
        # delivery through send_packet)
        assert (app.frames_tapped, app.frames_sent) == (18, 17)


async def test_block_cap_limits_what_the_device_asked_for() -> None:
    image = make_image(600)
    script, distribution, status = await distribute(image, OtaSettings(block_cap=40), max_block=64)
    assert status is TransferStatus.OK and bytes(script.data) == image
    assert distribution.blocks == 15  # 600 / 40


async def test_image_pages_are_served_as_runs_of_blocks() -> None:
    image = make_image(1000)
    script, distribution, status = await distribute(image, page_size=256, max_block=50)
    assert status is TransferStatus.OK and bytes(script.data) == image
    assert distribution.pages == 4  # 256 + 256 + 256 + 232
    blocks = [r for r in script.responses if r[2] == 0x05]
    page_tsns = [r[1] for r in blocks[:6]]
    assert page_tsns == [page_tsns[0]] * 6  # 256 bytes of 50-byte blocks: one page, one TSN


async def test_minimum_block_period_is_told_with_wait_for_data() -> None:
    image = make_image(400)
    script, distribution, status = await distribute(image, OtaSettings(min_block_period=30))
    assert status is TransferStatus.OK and bytes(script.data) == image
    assert script.period_ms == 30
    assert distribution.waits >= 1
    gaps = [b - a for a, b in zip(script.block_times, script.block_times[1:], strict=False)]
    assert min(gaps) >= 0.025


async def test_a_block_of_another_image_is_aborted() -> None:
    app, zdev = await _app()
    distribution = OtaDistribution(
        zdev, make_image(300), OtaSettings(stall_timeout=0.2, nudge_interval=0.1)
    )
    seen: list[bytes] = []
    app.sink = lambda packet: seen.append(bytes(packet.data.value))
    run = asyncio.create_task(distribution.run(timeout=5))
    await asyncio.sleep(0)
    app.deliver(request(9, 0x03, struct.pack("<BHHIIB", 0, MFR, ITYPE, VERSION + 1, 0, 64)))
    app.deliver(request(10, 0x03, struct.pack("<BHHIIB", 0, MFR, ITYPE, VERSION, 300, 64)))
    await asyncio.sleep(0.05)
    assert bytes((0x19, 9, 0x05, 0x95)) in seen
    assert bytes((0x19, 10, 0x05, 0x95)) in seen  # offset past the end of the image
    assert (await run).status is TransferStatus.FAILED


@pytest.mark.parametrize("disable_default_response", [False, True])
async def test_a_malformed_request_is_answered_and_counted(disable_default_response: bool) -> None:
    app, zdev = await _app()
    distribution = OtaDistribution(
        zdev, make_image(300), OtaSettings(stall_timeout=0.2, nudge_interval=0.1)
    )
    seen: list[bytes] = []
    app.sink = lambda packet: seen.append(bytes(packet.data.value))
    run = asyncio.create_task(distribution.run(timeout=5))
    await asyncio.sleep(0)
    fc = 0x11 if disable_default_response else 0x01
    app.deliver(bytes((fc, 33, 0x03)) + bytes(5))
    await asyncio.sleep(0.05)
    answer = bytes((0x18, 33, 0x0B, 0x03, 0x80))  # Default Response, MALFORMED_COMMAND
    assert (answer in seen) is not disable_default_response
    assert distribution.malformed == 1
    await run


async def test_a_rejected_image_names_both_identities() -> None:
    app, zdev = await _app()
    distribution = OtaDistribution(zdev, make_image(300), OtaSettings())
    run = asyncio.create_task(distribution.run(timeout=5))
    await asyncio.sleep(0)
    app.deliver(request(1, 0x01, struct.pack("<BHHI", 0, 0x1111, 0x0002, 0x01000000)))
    app.deliver(request(2, 0x06, struct.pack("<BHHI", 0x96, MFR, ITYPE, VERSION)))
    result = await run
    assert result.status is TransferStatus.REJECTED
    assert "INVALID_IMAGE" in result.reason and "device manufacturer 0x1111" in result.reason


async def test_a_block_asked_for_again_while_its_answer_is_in_flight_is_answered_once() -> None:
    """A device that asks again while the radio library is still sending the first answer (a
    co-processor's retries under way on a lossy line) gets no second copy queued behind it; once
    the radio has settled the first, the next request for that offset is answered."""
    app, zdev = await _app()
    loop = asyncio.get_running_loop()
    held: list[tuple[bytes, asyncio.Future[None]]] = []  # what the radio is still sending

    async def send_packet(packet: t.ZigbeePacket) -> None:
        settled = loop.create_future()
        held.append((bytes(packet.data.value), settled))
        await settled

    def send_frame_then(*args: object) -> None:
        data, done = args[5], args[6]
        assert isinstance(data, bytes) and callable(done)
        settled = loop.create_future()
        settled.add_done_callback(lambda _: done(None))
        held.append((data, settled))

    app.send_packet = send_packet
    app.send_frame_then = send_frame_then
    distribution = OtaDistribution(zdev, make_image(300), OtaSettings())
    run = asyncio.create_task(distribution.run(timeout=5))

    async def turns() -> None:
        for _ in range(3):
            await asyncio.sleep(0)

    def ask(tsn: int) -> None:
        app.deliver(request(tsn, 0x03, struct.pack("<BHHIIB", 0, MFR, ITYPE, VERSION, 0, 64)))

    def blocks() -> list[bytes]:
        return [data for data, _ in held if data[2] == 0x05]

    await turns()
    ask(1)
    await turns()
    assert len(blocks()) == 1
    ask(2)  # asked again: the first answer is still on its way
    await turns()
    assert len(blocks()) == 1 and distribution.answers_held == 1
    for data, settled in held:
        if data[2] == 0x05:
            settled.set_result(None)
    await turns()
    ask(3)
    await turns()
    assert [b[1] for b in blocks()] == [1, 3]  # answered again, with the new request's TSN
    assert distribution.answers_held == 1 and distribution.retries == 1
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run


async def test_an_answer_the_radio_library_failed_to_send_is_counted_and_its_error_read() -> None:
    """A link closed under a send (bellows raises RuntimeError there, not a zigpy error): the
    answer is counted as undelivered, the error is logged, and no task is left with an
    exception nobody read (asyncio's "Task exception was never retrieved")."""
    import gc

    app, zdev = await loopback_app(frames=False)  # answers go through send_packet tasks
    loop = asyncio.get_running_loop()
    unread: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _, context: unread.append(context))
    sends: list[bytes] = []

    async def send_packet(packet: t.ZigbeePacket) -> None:
        sends.append(bytes(packet.data.value))
        raise RuntimeError("Connection has been closed")

    app.send_packet = send_packet
    distribution = OtaDistribution(zdev, make_image(300), OtaSettings())
    run = asyncio.create_task(distribution.run(timeout=5))
    query = struct.pack("<BHHIH", 1, MFR, ITYPE, 0x01000000, 1)
    for tsn in range(1, 4):
        app.deliver(request(tsn, 0x01, query))  # Query Next Image, answered in vain
        for _ in range(3):
            await asyncio.sleep(0)  # the answer's send task runs and ends
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    gc.collect()
    await asyncio.sleep(0)
    assert len(sends) >= 3 and distribution.undelivered >= 3  # each answer failed, each read
    assert not [c for c in unread if "never retrieved" in str(c.get("message"))], unread

"""The co-processors' shared write side: frames made in one loop turn go out in one write."""

from __future__ import annotations

import asyncio

import pytest

from rigs.emulator.coprocessors.writer import CoalescingWriter
from rigs.link import Link, LinkClosed


class RecordingLink(Link):
    """A link that keeps every write as one entry; ``fail`` makes writes raise it."""

    def __init__(self, fail: Exception | None = None) -> None:
        super().__init__("recording://")
        self.writes: list[bytes] = []
        self.fail = fail
        self.written = asyncio.Event()

    async def read(self, max_bytes: int = 65536) -> bytes:
        raise LinkClosed("nothing to read")

    async def write(self, data: bytes) -> None:
        if self.fail is not None:
            raise self.fail
        self.writes.append(data)
        self.written.set()

    async def close(self) -> None:
        pass

    @property
    def closed(self) -> bool:
        return False


async def test_frames_of_one_turn_go_out_in_one_write_in_order() -> None:
    link = RecordingLink()
    writer = CoalescingWriter()
    writer.start(link)
    assert writer.active
    for frame in (b"\x01", b"\x02\x03", b"\x04"):
        writer.write(frame)
    await asyncio.wait_for(link.written.wait(), 5)
    assert link.writes == [b"\x01\x02\x03\x04"]
    link.written.clear()
    writer.write(b"\x05")
    await asyncio.wait_for(link.written.wait(), 5)
    assert link.writes == [b"\x01\x02\x03\x04", b"\x05"]
    await writer.stop()
    assert not writer.active


async def test_discard_and_start_forget_what_is_queued() -> None:
    link = RecordingLink()
    writer = CoalescingWriter()
    writer.write(b"before the host came")
    writer.start(link)
    writer.write(b"old session")
    writer.discard()
    writer.write(b"RSTACK")
    await asyncio.wait_for(link.written.wait(), 5)
    assert link.writes == [b"RSTACK"]
    await writer.stop()


async def test_a_failed_link_is_raised_by_check_and_stop_is_quiet_for_a_closed_one() -> None:
    writer = CoalescingWriter()
    writer.start(RecordingLink(fail=OSError("EIO")))
    writer.check()  # nothing written yet: nothing to report
    writer.write(b"x")
    for _ in range(10):
        await asyncio.sleep(0)
    with pytest.raises(OSError, match="EIO"):
        writer.check()
    await writer.stop()  # the task's failure was seen; stop still ends cleanly
    closed = CoalescingWriter()
    closed.start(RecordingLink(fail=LinkClosed("gone")))
    closed.write(b"x")
    for _ in range(10):
        await asyncio.sleep(0)
    await closed.stop()


async def test_one_host_at_a_time() -> None:
    writer = CoalescingWriter()
    writer.start(RecordingLink())
    with pytest.raises(RuntimeError):
        writer.start(RecordingLink())
    await writer.stop()
    writer.start(RecordingLink())  # a new host after the first left
    await writer.stop()


class NowaitLink(RecordingLink):
    """A link that takes ``take`` bytes at once (all when None) and the rest through write."""

    def __init__(self, take: int | None = None) -> None:
        super().__init__()
        self.take = take
        self.at_once: list[bytes] = []

    def write_nowait(self, data: bytes) -> int:
        taken = data if self.take is None else data[: self.take]
        if taken:
            self.at_once.append(taken)
        return len(taken)


async def test_a_batch_goes_out_at_its_end_in_one_write_without_the_task() -> None:
    link = NowaitLink()
    writer = CoalescingWriter()
    writer.start(link)
    with writer.batch():
        writer.write(b"\x01")
        with writer.batch():  # nested: the outer one writes
            writer.write(b"\x02")
        writer.write(b"\x03")
        assert link.at_once == []
    assert link.at_once == [b"\x01\x02\x03"]
    for _ in range(5):
        await asyncio.sleep(0)
    assert link.writes == []  # the task had nothing to write
    writer.write(b"\x04")  # outside a batch: the task, as before
    await asyncio.wait_for(link.written.wait(), 5)
    assert link.writes == [b"\x04"]
    await writer.stop()


async def test_what_the_link_does_not_take_at_once_follows_in_order() -> None:
    link = NowaitLink(take=2)
    writer = CoalescingWriter()
    writer.start(link)
    with writer.batch():
        writer.write(b"abc")
        writer.write(b"def")
    assert link.at_once == [b"ab"]
    await asyncio.wait_for(link.written.wait(), 5)
    assert link.writes == [b"cdef"]
    plain = RecordingLink()  # a link that takes nothing at once: all by the task
    other = CoalescingWriter()
    other.start(plain)
    with other.batch():
        other.write(b"xyz")
    await asyncio.wait_for(plain.written.wait(), 5)
    assert plain.writes == [b"xyz"]
    await writer.stop()
    await other.stop()


async def test_a_batch_before_start_keeps_its_frames_for_the_task() -> None:
    writer = CoalescingWriter()
    with writer.batch():
        writer.write(b"early")
    assert writer._pending == [b"early"]  # no link yet: kept (start discards it)

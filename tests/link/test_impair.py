"""Impaired links: settings, pacing arithmetic, loss, corruption, latency ordering, the relay."""

from __future__ import annotations

import asyncio

import pytest

from rigs.impair import ImpairedLink, Impairment, relay
from rigs.link import Link, open_link, open_pty_pair

pytestmark = pytest.mark.timeout(60)


def test_parse_settings() -> None:
    imp = Impairment.parse("baud=115200, latency=0.02,loss=0.01,corrupt=0.001,seed=7")
    assert imp == Impairment(baud=115200, latency_s=0.02, loss=0.01, corrupt=0.001, seed=7)
    assert imp.bytes_per_second == 11520.0
    assert Impairment.parse("").is_clear
    assert not Impairment(latency_s=0.1).is_clear


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("speed=9600", "unknown impairment setting 'speed=9600'"),
        ("baud=fast", "impairment setting baud needs a number"),
        ("loss=1.5", "loss must be a probability"),
        ("baud=0", "baud must be positive"),
        ("latency=-1", "latency_s must not be negative"),
    ],
)
def test_bad_settings_say_why(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Impairment.parse(text)


async def _pair() -> tuple[Link, Link]:
    master, path = open_pty_pair()
    return master, await open_link(path)


async def test_pacing_books_ten_bits_per_byte_of_line_time() -> None:
    master, client = await _pair()
    line = ImpairedLink(master, Impairment(baud=9600))
    try:
        await line.write(b"x" * 96)
        # 96 bytes at 960 bytes/s occupy the line for 0.1 s from when it was free
        booked = line.tx._free_at
        await line.write(b"y" * 48)
        assert line.tx._free_at == pytest.approx(booked + 0.05, abs=1e-9)
        assert await client.read_exactly(144, timeout=10) == b"x" * 96 + b"y" * 48
    finally:
        await line.close()
        await client.close()


async def test_loss_drops_bytes_reproducibly() -> None:
    results = []
    for _ in range(2):
        master, client = await _pair()
        line = ImpairedLink(master, Impairment(loss=0.1, seed=42))
        data = bytes(range(256)) * 40
        try:
            await line.write(data)
            await line.tx.wait_below(0)
            received = bytearray()
            while len(received) < len(data) - line.tx.lost:
                received += await asyncio.wait_for(client.read(), 5)
            assert 0 < line.tx.lost < len(data) * 0.2
            assert len(received) == len(data) - line.tx.lost
            results.append(bytes(received))
        finally:
            await line.close()
            await client.close()
    assert results[0] == results[1]  # same seed, same damage


async def test_corruption_flips_one_bit_per_damaged_byte() -> None:
    master, client = await _pair()
    line = ImpairedLink(master, Impairment(corrupt=0.05, seed=3))
    data = bytes(4000)
    try:
        await line.write(data)
        received = await client.read_exactly(len(data), timeout=10)
        damaged = [b for b in received if b]
        assert len(damaged) == line.tx.corrupted > 0
        assert all(b.bit_count() == 1 for b in damaged)
    finally:
        await line.close()
        await client.close()


async def test_reads_are_impaired_too_and_order_is_kept() -> None:
    master, client = await _pair()
    line = ImpairedLink(master, Impairment(latency_s=0.01))
    try:
        for i in range(20):
            await client.write(bytes([i]) * 10)
        assert await line.read_exactly(200, timeout=10) == b"".join(
            bytes([i]) * 10 for i in range(20)
        )
        assert line.stats.bytes_in == 200
    finally:
        await line.close()
        await client.close()


async def test_relay_copies_both_ways_until_one_side_closes() -> None:
    a_master, a_client = await _pair()
    b_master, b_client = await _pair()
    task = asyncio.create_task(relay(a_master, b_master, Impairment(latency_s=0.001)))
    try:
        await a_client.write(b"to b")
        assert await b_client.read_exactly(4, timeout=10) == b"to b"
        await b_client.write(b"to a")
        assert await a_client.read_exactly(4, timeout=10) == b"to a"
        await a_master.close()
        await asyncio.wait_for(task, 10)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        for link in (a_client, b_client, b_master):
            await link.close()

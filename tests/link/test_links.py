"""Links over every kind of URL: loop://, pty pairs both ways, socket://, and accepted TCP streams."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from rigs.link import Link, LinkClosed, LinkOpenError, link_from_streams, open_link, open_pty_pair
from rigs.trace import TraceWriter, read_trace

pytestmark = pytest.mark.timeout(60)


async def read_n(link: Link, count: int, timeout: float = 10.0) -> bytes:
    return await link.read_exactly(count, timeout=timeout)


async def test_loop_url_echoes() -> None:
    link = await open_link("loop://")
    try:
        await link.write(b"hello, loop")
        assert await read_n(link, 11) == b"hello, loop"
        assert link.stats.bytes_out == 11 and link.stats.bytes_in == 11
    finally:
        await link.close()
    assert link.closed
    with pytest.raises(LinkClosed, match="link closed"):
        await link.read()


async def test_pty_pair_both_ways() -> None:
    master, path = open_pty_pair()
    client = await open_link(path)
    try:
        assert path.startswith("/dev/")
        up = os.urandom(100_000)
        down = os.urandom(100_000)
        # both directions at once, every byte value (raw mode: no echo, no translation)
        sent = asyncio.gather(client.write(up), master.write(down))
        got_up, got_down = await asyncio.gather(read_n(master, len(up)), read_n(client, len(down)))
        await sent
        assert got_up == up and got_down == down
    finally:
        await client.close()
        await master.close()


async def test_pty_slave_may_be_reopened() -> None:
    master, path = open_pty_pair()
    try:
        for round_ in range(2):
            client = await open_link(path)
            await client.write(bytes([round_]) * 3)
            assert await read_n(master, 3) == bytes([round_]) * 3
            await client.close()
        assert not master.closed  # clients coming and going do not end the master side
    finally:
        await master.close()


async def test_pty_disappearing_is_link_closed_both_ways() -> None:
    master, path = open_pty_pair()
    client = await open_link(path)
    try:
        pending = asyncio.create_task(client.read())
        await master.close()
        with pytest.raises(LinkClosed, match="port gone"):
            await asyncio.wait_for(pending, 5)
        with pytest.raises(LinkClosed, match="port gone"):
            await client.write(b"x")
    finally:
        await client.close()


async def test_close_wakes_a_pending_read() -> None:
    master, _ = open_pty_pair()
    try:
        pending = asyncio.create_task(master.read())
        await master.close()
        with pytest.raises(LinkClosed, match="link closed"):
            await asyncio.wait_for(pending, 5)
    finally:
        await master.close()


async def test_socket_url_against_an_asyncio_server(tmp_path: Path) -> None:
    server_links: list[Link] = []

    async def echo_upper(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        link = link_from_streams(reader, writer, url="tcp-server")
        server_links.append(link)
        try:
            while True:
                await link.write((await link.read()).upper())
        except LinkClosed:
            await link.close()

    server = await asyncio.start_server(echo_upper, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    trace = TraceWriter(tmp_path / "socket.jsonl")
    link = await open_link(f"socket://127.0.0.1:{port}", trace=trace)
    try:
        await link.write(b"abc")
        assert await read_n(link, 3) == b"ABC"
        big = bytes(range(97, 123)) * 10_000
        writing = asyncio.create_task(link.write(big))
        assert await read_n(link, len(big)) == big.upper()
        await writing
        await server_links[0].close()
        with pytest.raises(LinkClosed, match="closed by the other end"):
            await asyncio.wait_for(link.read(), 5)
    finally:
        await link.close()
        server.close()
        await server.wait_closed()
        trace.close()
    records = read_trace(tmp_path / "socket.jsonl")
    directions = {r["dir"] for r in records[1:]}
    assert {"tx", "rx"} <= directions
    assert records[0]["trace"] == "smets1-hil-trace"


async def test_missing_port_is_one_clear_line(tmp_path: Path) -> None:
    missing = str(tmp_path / "ttyUSB9")
    with pytest.raises(LinkOpenError) as info:
        await open_link(missing)
    assert str(info.value) == f"cannot open {missing}: no such port"


@pytest.mark.parametrize("scheme", ["socket", "rfc2217"])
async def test_refused_connection_is_one_clear_line(scheme: str) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"{scheme}://127.0.0.1:{port}"
    with pytest.raises(LinkOpenError) as info:
        await open_link(url, timeout=5)
    assert str(info.value) == f"cannot open {url}: connection refused"


async def test_unknown_scheme_is_one_clear_line() -> None:
    with pytest.raises(LinkOpenError) as info:
        await open_link("nosuch://x")
    text = str(info.value)
    assert text.startswith("cannot open nosuch://x: ") and "\n" not in text


async def test_open_timeout_is_enforced() -> None:
    # a server that accepts but never speaks Telnet: the RFC 2217 negotiation cannot finish
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(LinkOpenError, match="no answer in time|RFC2217|rfc2217"):
            await open_link(f"rfc2217://127.0.0.1:{port}", timeout=0.5)
    finally:
        server.close()
        await server.wait_closed()


async def test_receiver_gets_bytes_without_read_and_hears_the_end() -> None:
    master, path = open_pty_pair()
    client = await open_link(path)
    chunks: list[bytes] = []
    ends: list[LinkClosed] = []
    try:
        assert master.write_nowait(b"early") == 5  # taken at once: nothing was queued
        async with asyncio.timeout(5):
            assert await client.read(5) == b"early"
        assert client.set_receiver(chunks.append, ends.append)
        await master.write(b"later")
        async with asyncio.timeout(5):
            while b"".join(chunks) != b"later":
                await asyncio.sleep(0.01)
        await master.close()  # the pty disappears: the client's link ends
        async with asyncio.timeout(5):
            while not ends:
                await asyncio.sleep(0.01)
        assert len(ends) == 1 and isinstance(ends[0], LinkClosed)
    finally:
        await master.close()
        await client.close()


async def test_write_nowait_is_zero_where_a_link_cannot_write_at_once() -> None:
    link = await open_link("loop://")
    try:
        assert link.write_nowait(b"abc") == 0  # a threaded port: the caller uses write()
        await link.write(b"abc")
        async with asyncio.timeout(5):
            assert await link.read(3) == b"abc"
    finally:
        await link.close()

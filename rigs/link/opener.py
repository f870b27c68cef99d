"""Open any pyserial URL as a :class:`Link`, with one clear line when it cannot be opened."""

from __future__ import annotations

import asyncio
import errno
import functools
import socket
import warnings
from typing import Any

import serial

from rigs.link.base import PEER_CLOSED, PORT_GONE, Link, LinkOpenError
from rigs.link.fd_link import FdLink
from rigs.link.thread_link import ThreadedSerialLink
from rigs.trace import TraceWriter

# pyserial classes whose descriptor can be watched by the event loop directly, and what their
# end of stream means
_FD_MODULE_EOF = {
    "serial.serialposix": PORT_GONE,
    "serial.urlhandler.protocol_socket": PEER_CLOSED,
    "rigs.link.urlhandler.protocol_fd": PEER_CLOSED,
}
if "rigs.link.urlhandler" not in serial.protocol_handler_packages:
    serial.protocol_handler_packages.append("rigs.link.urlhandler")  # fd://N


def _root_oserror(exc: BaseException) -> OSError | None:
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return None
        if isinstance(seen, OSError) and seen.errno is not None:
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def describe_open_error(url: str, exc: BaseException) -> str:
    """One line saying why ``url`` could not be opened."""
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError, socket.timeout)):
        return f"cannot open {url}: no answer in time"
    if isinstance(exc, ValueError):
        return f"cannot open {url}: {exc}"
    if isinstance(exc, socket.gaierror):
        return f"cannot open {url}: unknown host"
    code = getattr(exc, "errno", None)
    root = _root_oserror(exc)
    if not isinstance(code, int) and root is not None:
        code = root.errno
    reasons = {
        errno.ENOENT: "no such port",
        errno.ENODEV: "no such port",
        errno.ENXIO: "no such port",
        errno.EACCES: "permission denied (is the user in the dialout group?)",
        errno.EPERM: "permission denied",
        errno.EBUSY: "port busy (in use by another program)",
        errno.ECONNREFUSED: "connection refused",
        errno.EHOSTUNREACH: "host unreachable",
        errno.ENETUNREACH: "network unreachable",
        errno.ETIMEDOUT: "no answer in time",
    }
    if isinstance(code, int) and code in reasons:
        return f"cannot open {url}: {reasons[code]}"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "invalid URL" in text or "expected" in text:
        return f"cannot open {url}: unsupported or malformed URL ({text})"
    if "does not seem to support RFC2217" in text:
        return f"cannot open {url}: no RFC 2217 answer in time"
    if "timed out" in text.lower() or "timeout" in text.lower():
        return f"cannot open {url}: no answer in time"
    return f"cannot open {url}: {text}"


def _open_port(url: str, baudrate: int) -> Any:
    with warnings.catch_warnings():
        # pyserial's RFC 2217 client still calls Thread.setDaemon/setName
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"serial\.")
        return serial.serial_for_url(url, baudrate=baudrate)


async def open_link(
    url: str,
    *,
    baudrate: int = 115200,
    trace: TraceWriter | None = None,
    timeout: float = 5.0,
) -> Link:
    """Open ``url`` through pyserial's ``serial_for_url``: a device path, ``socket://``,
    ``rfc2217://``, ``loop://`` or any other pyserial URL.

    Raises :class:`LinkOpenError` with one clear line when the port cannot be opened in time.
    """
    loop = asyncio.get_running_loop()
    port_url = url
    if url.startswith("rfc2217://") and "timeout=" not in url:
        # pyserial's own negotiation wait (3 s by default) follows ours
        port_url += ("&" if "?" in url else "?") + f"timeout={timeout:g}"
    pending = loop.run_in_executor(None, functools.partial(_open_port, port_url, baudrate))
    try:
        port = await asyncio.wait_for(asyncio.shield(pending), timeout)
    except TimeoutError:
        pending.add_done_callback(_close_late_port)
        raise LinkOpenError(describe_open_error(url, TimeoutError())) from None
    except (serial.SerialException, OSError, ValueError, NotImplementedError) as exc:
        raise LinkOpenError(describe_open_error(url, exc)) from None
    if trace is not None:
        trace.note(f"opened {url}")
    eof = _FD_MODULE_EOF.get(type(port).__module__)
    if eof is not None:
        return FdLink(url, port.fileno(), on_close=port.close, trace=trace, eof_reason=eof)
    return ThreadedSerialLink(url, port, trace=trace)


def _close_late_port(future: asyncio.Future[Any]) -> None:
    """A port that opened after we gave up waiting is closed, not leaked."""
    if not future.cancelled() and future.exception() is None:
        try:
            future.result().close()
        except (serial.SerialException, OSError):
            pass

"""Links: async byte streams opened from pyserial URLs, pty pairs and accepted TCP connections.

``open_link(url)`` opens a real port (``/dev/ttyUSB0``), ``socket://host:port``,
``rfc2217://host:port`` or ``loop://`` through pyserial's ``serial_for_url``;
``open_pty_pair()`` makes a pty for an emulated device; ``link_from_streams`` wraps the server side
of a TCP connection. Every link can carry a :class:`~rigs.trace.TraceWriter`.
"""

from rigs.link.base import Link, LinkClosed, LinkOpenError, LinkStats
from rigs.link.opener import describe_open_error, open_link
from rigs.link.pty_pair import PtyMasterLink, open_pty_pair
from rigs.link.stream_link import link_from_streams
from rigs.trace import TraceWriter

__all__ = [
    "Link",
    "LinkClosed",
    "LinkOpenError",
    "LinkStats",
    "PtyMasterLink",
    "TraceWriter",
    "describe_open_error",
    "link_from_streams",
    "open_link",
    "open_pty_pair",
]

"""A pseudo-terminal pair: the master end for an emulated device, the slave path for clients.

The slave is put in raw mode (no echo, no line discipline) and kept open by the link itself, so
clients can open and close the path as they like without the master seeing an end of stream.
"""

from __future__ import annotations

import os
import termios
import tty

from rigs.link.fd_link import FdLink
from rigs.trace import TraceWriter


class PtyMasterLink(FdLink):
    """The master end of a pty; closing it makes the slave path disappear for its clients."""

    def __init__(
        self, master_fd: int, slave_fd: int, slave_path: str, *, trace: TraceWriter | None
    ) -> None:
        self.slave_path = slave_path
        self._slave_fd = slave_fd

        def _release() -> None:
            for fd in (master_fd, slave_fd):
                try:
                    os.close(fd)
                except OSError:
                    pass

        super().__init__(f"pty-master:{slave_path}", master_fd, on_close=_release, trace=trace)


def open_pty_pair(*, trace: TraceWriter | None = None) -> tuple[PtyMasterLink, str]:
    """Open a pty: (master-side :class:`Link` for the emulator, slave path such as ``/dev/pts/7``).

    Must be called with an event loop running.
    """
    master_fd, slave_fd = os.openpty()
    try:
        tty.setraw(slave_fd, termios.TCSANOW)
        attrs = termios.tcgetattr(slave_fd)
        attrs[3] &= ~(
            termios.ECHO | termios.ECHONL | termios.ICANON | termios.ISIG | termios.IEXTEN
        )
        termios.tcsetattr(slave_fd, termios.TCSANOW, attrs)
        slave_path = os.ttyname(slave_fd)
        link = PtyMasterLink(master_fd, slave_fd, slave_path, trace=trace)
    except BaseException:
        os.close(master_fd)
        os.close(slave_fd)
        raise
    return link, slave_path

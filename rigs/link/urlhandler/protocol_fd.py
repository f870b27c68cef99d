"""pyserial URL handler ``fd://N``: a byte stream this process already holds as descriptor N.

For the embedded emulator's radio link, which runs over one end of a socketpair (a real kernel byte
stream, cheaper per round trip than a pty, see docs/links.md): the handler works on its own
duplicate of N, so closing the port never closes a descriptor someone else owns. There is no line
to configure; baud rate and the like are accepted and ignored.
"""

from __future__ import annotations

import os
import select
from typing import Any

from serial.serialutil import PortNotOpenError, SerialBase, SerialException


class Serial(SerialBase):  # type: ignore[misc]
    """A pyserial port over an inherited descriptor (``fd://N``)."""

    _fd: int | None = None

    def open(self) -> None:
        if self._port is None:
            raise SerialException("fd:// needs a descriptor number")
        text = str(self._port)
        if not text.startswith("fd://") or not text[5:].isdigit():
            raise SerialException(f"expected fd://N, got {text!r}")
        try:
            self._fd = os.dup(int(text[5:]))
        except OSError as exc:
            raise SerialException(f"descriptor {text[5:]} is not open ({exc.strerror})") from exc
        self.is_open = True

    def _reconfigure_port(self, *args: Any, **kwargs: Any) -> None:
        """A socket has no line settings."""

    def fileno(self) -> int:
        if self._fd is None:
            raise PortNotOpenError()
        return self._fd

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self.is_open = False

    @property
    def in_waiting(self) -> int:
        ready, _, _ = select.select([self.fileno()], [], [], 0)
        return 1 if ready else 0

    def read(self, size: int = 1) -> bytes:
        return os.read(self.fileno(), size)

    def write(self, data: bytes) -> int:
        return os.write(self.fileno(), data)

    def reset_input_buffer(self) -> None:
        pass

    def reset_output_buffer(self) -> None:
        pass

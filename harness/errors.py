"""Errors that reach a user as one clear line rather than a traceback."""

from pathlib import Path


class UserError(Exception):
    """A mistake in what the user asked for or gave us (a bad file, option or request).

    The command line prints ``smets1-hil: error: <message>`` and exits non-zero.
    """

    exit_code: int = 2


class FileLineError(UserError):
    """A file the user gave that cannot be used; the message names the file and, if known, the line."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        where = f"{path}" if line is None else f"{path}:{line}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line

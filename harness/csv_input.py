"""A CSV file the user gives: its header row, then its rows with the line each ends on.

Every problem (unreadable file, no header, malformed CSV) is raised as the caller's
:class:`~harness.errors.FileLineError` subclass, naming the file and the line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import FileLineError

if TYPE_CHECKING:
    from _csv import Reader


def read_csv(
    path: Path, error: type[FileLineError], *, encoding: str = "utf-8"
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header row, and an iterator over the non-empty rows as (line, row).

    The file is UTF-8 (a leading byte order mark is skipped); UTF-16 text, NUL bytes and bytes that
    are not UTF-8 are refused naming the file (and the line, where there is one). Rows are read as the iterator goes, so a malformed line is reported when it is reached.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(path, None, f"cannot read: {exc.strerror or exc.__class__.__name__}") from None
    text = _text(path, raw, error, encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise error(path, 1, "empty file (no header)") from None
    except csv.Error as exc:
        raise error(path, 1, f"malformed CSV: {exc}") from None
    return header, _rows(path, reader, error)


def _text(path: Path, raw: bytes, error: type[FileLineError], encoding: str) -> str:
    """The file's text: UTF-8 (a byte order mark is allowed), without NUL bytes."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise error(path, None, "is UTF-16 text; save it as UTF-8")
    nul = raw.find(b"\x00")
    if nul >= 0:
        if raw.count(b"\x00") * 4 >= len(raw):
            raise error(path, None, "looks like UTF-16 text (NUL bytes); save it as UTF-8")
        raise error(path, raw.count(b"\n", 0, nul) + 1, "contains a NUL byte")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise error(path, line, f"not UTF-8 text (byte 0x{raw[exc.start]:02X})") from None
    return text.removeprefix("\ufeff")


def _rows(
    path: Path, reader: Reader, error: type[FileLineError]
) -> Iterator[tuple[int, list[str]]]:
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise error(path, reader.line_num, f"malformed CSV: {exc}") from None
        if row:
            yield reader.line_num, row

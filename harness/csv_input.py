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

    Rows are read as the iterator goes, so a malformed line is reported when it is reached.
    """
    try:
        text = path.read_text(encoding=encoding)
    except (OSError, UnicodeDecodeError) as exc:
        raise error(path, None, f"cannot read: {exc.__class__.__name__}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise error(path, 1, "empty file (no header)") from None
    except csv.Error as exc:
        raise error(path, 1, f"malformed CSV: {exc}") from None
    return header, _rows(path, reader, error)


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

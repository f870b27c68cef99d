"""Settings of the results database that are read without the database layer (SQLAlchemy is
imported only when a database is opened): where it is, and the defaults of regression detection
(our settings)."""

from __future__ import annotations

import os
from pathlib import Path

ENV = "SMETS1_HIL_DB"
OFF = "off"
DEFAULT_THRESHOLD_PERCENT = 10.0
DEFAULT_WINDOW = 7


def default_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "smets1-hil" / "results.sqlite"


def chosen(given: str | None) -> str | None:
    """The database the user chose (``--db``, then ``SMETS1_HIL_DB``, then the default), or None
    when recording is off."""
    text = given if given else os.environ.get(ENV) or str(default_path())
    return None if text.strip().lower() == OFF else text

"""The results database: every run's verdicts, scenarios, measurements and transfers, in SQLite
(the default) or PostgreSQL, for history, trends and regression detection (``docs/history.md``).

The names below are imported on first use, so that importing a light module of this package
(``harness.results.defaults``, read when the command line is built) does not load SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.results.database import open_database
    from harness.results.defaults import chosen, default_path
    from harness.results.errors import ResultsError
    from harness.results.ingest import Recorded, record_bench, record_bundle

_LAZY = {
    "chosen": "harness.results.defaults",
    "default_path": "harness.results.defaults",
    "open_database": "harness.results.database",
    "ResultsError": "harness.results.errors",
    "Recorded": "harness.results.ingest",
    "record_bench": "harness.results.ingest",
    "record_bundle": "harness.results.ingest",
}

__all__ = [
    "Recorded",
    "ResultsError",
    "chosen",
    "default_path",
    "open_database",
    "record_bench",
    "record_bundle",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

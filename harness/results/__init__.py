"""The results database: every run's verdicts, scenarios, measurements and transfers, in SQLite
(the default) or PostgreSQL, for history, trends and regression detection (``docs/history.md``).
"""

from harness.results.database import chosen, default_path, open_database
from harness.results.errors import ResultsError
from harness.results.ingest import Recorded, record_bench, record_bundle

__all__ = [
    "Recorded",
    "ResultsError",
    "chosen",
    "default_path",
    "open_database",
    "record_bench",
    "record_bundle",
]

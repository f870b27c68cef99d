"""Versioned schema: a small table of applied versions and an ordered list of migrations.

Opening a database applies every migration it lacks, each in its own transaction, and refuses a
database whose schema is newer than this tool knows. A migration is a version number, a
description and a function of a connection; a new one is appended to :data:`MIGRATIONS` and
never edits an earlier one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, inspect, select
from sqlalchemy.exc import IntegrityError

from harness.results import schema
from harness.results.errors import ResultsError


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _create_version_1(connection: Connection) -> None:
    schema.metadata.create_all(connection, tables=list(schema.VERSION_1_TABLES))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "runs, devices, requirements, scenarios, attempts, measurements, transfers",
        _create_version_1,
    ),
)

LATEST = MIGRATIONS[-1].version
assert LATEST == schema.SCHEMA_VERSION


def current_version(connection: Connection) -> int:
    if not inspect(connection).has_table(schema.schema_versions.name):
        return 0
    found = connection.execute(select(func.max(schema.schema_versions.c.version))).scalar()
    return int(found or 0)


def migrate(engine: Engine) -> int:
    """Bring the database to :data:`LATEST`; returns the version it was at."""
    with engine.begin() as connection:
        schema.schema_versions.create(connection, checkfirst=True)
    with engine.connect() as connection:
        start = current_version(connection)
    if start > LATEST:
        raise ResultsError(
            f"the results database is at schema version {start}; this smets1-hil knows up to "
            f"{LATEST} (upgrade smets1-hil)"
        )
    for migration in MIGRATIONS:
        if migration.version <= start:
            continue
        try:
            with engine.begin() as connection:
                if current_version(connection) >= migration.version:
                    continue  # another process applied it meanwhile
                migration.apply(connection)
                connection.execute(
                    schema.schema_versions.insert().values(
                        version=migration.version,
                        applied_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                        description=migration.description,
                    )
                )
        except IntegrityError:
            continue  # applied concurrently by another host
    return start

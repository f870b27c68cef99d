"""Where the results database is and how it is opened.

``--db`` names it: a path (an SQLite file, created with its directory) or a URL
(``postgresql://user@host:5432/results``, ``sqlite:///abs/path.sqlite``); without ``--db`` the
``SMETS1_HIL_DB`` environment variable does; without either it is
``$XDG_DATA_HOME/smets1-hil/results.sqlite`` (``~/.local/share/...`` when XDG_DATA_HOME is unset).
``off`` turns recording off.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from harness.results.defaults import ENV, OFF, chosen, default_path
from harness.results.errors import ResultsError
from harness.results.migrations import migrate

__all__ = ["ENV", "OFF", "chosen", "default_path", "open_database", "to_url"]


def to_url(text: str) -> str:
    """An SQLAlchemy URL for a path or URL; PostgreSQL goes through psycopg 3."""
    if "://" not in text:
        path = Path(text).expanduser().resolve()
        return f"sqlite:///{path}"
    scheme, _, rest = text.partition("://")
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    return text


def shown(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def open_database(text: str) -> Engine:
    """Open (creating and migrating as needed) the database at a path or URL."""
    url = to_url(text)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ResultsError(f"--db {text}: not a path or a database URL") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ResultsError(f"--db {shown(url)}: only SQLite and PostgreSQL are supported")
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        try:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ResultsError(
                f"--db {parsed.database}: cannot create its directory: {exc.strerror}"
            ) from None
        connect_args["timeout"] = 30  # several runs on one host may finish together
    elif parsed.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = 10
    try:
        engine = create_engine(url, connect_args=connect_args)
    except (ArgumentError, ImportError) as exc:
        raise ResultsError(f"--db {shown(url)}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        migrate(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise ResultsError(f"results database {shown(url)}: {_first_line(exc)}") from None
    return engine


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

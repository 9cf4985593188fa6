"""What a driver error means to the application: the database is not there, or not migrated.

Reported with where (host, port and database, or the SQLite file) and the driver's own words,
on one line, never with the password.
"""

from __future__ import annotations

import re
import sqlite3

import psycopg
from psycopg import errors as pg_errors
from sqlalchemy import exc
from sqlalchemy.engine import URL

from application.errors import ApplicationError, SchemaOutdated, StorageUnavailable

# From the pool, SQLAlchemy or psycopg: the database cannot be reached, or did not answer in time.
UNAVAILABLE = (
    TimeoutError,
    exc.OperationalError,
    exc.InterfaceError,
    exc.TimeoutError,
    psycopg.OperationalError,
)
# A table or column the code needs is not there: the migrations have not been run.
_PG_NOT_MIGRATED = (pg_errors.UndefinedTable, pg_errors.UndefinedColumn)
_SQLITE_NOT_MIGRATED = ("no such table", "no such column", "table tasks has no column")
_BACKGROUND = re.compile(r"\(Background on this error at: [^)]*\)")


def translated(
    url: URL, error: BaseException, timeout_seconds: float | None = None
) -> ApplicationError | None:
    """SchemaOutdated, StorageUnavailable, or None for an error that is ours to surface as it is."""
    cause = _cause(error)
    if isinstance(cause, _PG_NOT_MIGRATED) or (
        isinstance(cause, sqlite3.OperationalError) and str(cause).startswith(_SQLITE_NOT_MIGRATED)
    ):
        return SchemaOutdated(_reason(url, cause, timeout_seconds))
    if isinstance(error, UNAVAILABLE) or (isinstance(error, exc.DBAPIError) and error.connection_invalidated):
        return StorageUnavailable(_reason(url, cause, timeout_seconds))
    return None


def storage_unavailable(
    url: URL, error: BaseException, timeout_seconds: float | None = None
) -> StorageUnavailable:
    return StorageUnavailable(_reason(url, _cause(error), timeout_seconds))


def where(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    host = url.host or url.query.get("host") or "localhost"
    return f"{host}:{url.port or 5432}/{url.database or ''}"


def _cause(error: BaseException) -> BaseException:
    return error.orig if isinstance(error, exc.DBAPIError) and error.orig is not None else error


def _reason(url: URL, cause: BaseException, timeout_seconds: float | None) -> str:
    words = " ".join(_BACKGROUND.sub("", str(cause)).split())
    if isinstance(cause, TimeoutError) and not words and timeout_seconds is not None:
        words = f"no answer within {timeout_seconds:g} s"
    return f"{where(url)}: {words or type(cause).__name__}"

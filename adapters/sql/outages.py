"""What a driver error means to the application: the database is not there.

Reported with where (host, port and database, or the SQLite file) and the driver's own words,
on one line, never with the password.
"""

from __future__ import annotations

import re

import psycopg
from sqlalchemy import exc
from sqlalchemy.engine import URL

from application.errors import ApplicationError, StorageUnavailable

# From the pool, SQLAlchemy or psycopg: the database cannot be reached, or did not answer in time.
UNAVAILABLE = (
    TimeoutError,
    exc.OperationalError,
    exc.InterfaceError,
    exc.TimeoutError,
    psycopg.OperationalError,
)
_BACKGROUND = re.compile(r"\(Background on this error at: [^)]*\)")


def translated(
    url: URL, error: BaseException, timeout_seconds: float | None = None
) -> ApplicationError | None:
    """StorageUnavailable, or None for an error that is ours to surface as it is."""
    cause = _cause(error)
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

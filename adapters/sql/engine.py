"""Turns DATABASE_URL into an async SQLAlchemy engine for PostgreSQL (psycopg 3) or SQLite."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psycopg import ProgrammingError
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.sql.tables import SQLITE_CASEFOLD
from application.errors import StorageUnavailable

# What DATABASE_URL may start with: the server picks its own drivers (psycopg 3, sqlite3).
POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
SQLITE_SCHEME = "sqlite"
SUPPORTED_FORMS = "postgresql://, postgres://, postgresql+psycopg:// or sqlite:///"
# libpq's limit per connection attempt: below the call's own, so the log gets the driver's reason.
CONNECT_TIMEOUT_SECONDS = 3
# A pooled connection is replaced after this long (the pool's recycling; the runner's
# checkouts without the greenlet keep clear of it, adapters.sql.runner).
RECYCLE_SECONDS = 1800


class UnsupportedDatabaseUrl(ValueError):
    """What is wrong with DATABASE_URL, in words that never repeat the password."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolSettings:
    # The longest a caller waits for a connection (or, on SQLite, for a lock); no default here:
    # the configuration's DATABASE_TIMEOUT_SECONDS is the one place that picks it.
    timeout_seconds: float
    size: int = 20
    max_overflow: int = 0
    connect_timeout_seconds: int = CONNECT_TIMEOUT_SECONDS
    prepared_statements: bool = True


def normalise_url(raw: str, *, asynchronous: bool) -> URL:
    """Accept what Neon, Heroku-style hosts and SQLAlchemy users hand out; pick our drivers."""
    scheme, separator, rest = raw.partition("://")
    scheme = scheme.lower()
    if not separator or (scheme not in POSTGRES_SCHEMES and scheme != SQLITE_SCHEME):
        raise UnsupportedDatabaseUrl(_scheme_problem(scheme if separator else ""))
    try:
        url = make_url(f"{'postgresql' if scheme in POSTGRES_SCHEMES else scheme}://{rest}")
    except (ArgumentError, ValueError):
        raise UnsupportedDatabaseUrl(f"is not a URL of the form {SUPPORTED_FORMS}") from None
    if is_sqlite(url):
        if not url.database:
            raise UnsupportedDatabaseUrl("needs a file path after sqlite:///, like sqlite:///./data/todo.db")
        if url.query:
            raise UnsupportedDatabaseUrl(f"sqlite:/// takes no options, but has ?{'&'.join(url.query)}")
        return url.set(drivername="sqlite+aiosqlite" if asynchronous else "sqlite+pysqlite")
    _check_postgres_url(url)
    return url.set(drivername="postgresql+psycopg")


def _scheme_problem(scheme: str) -> str:
    base, _, driver = scheme.partition("+")
    if driver and (base in POSTGRES_SCHEMES or base == SQLITE_SCHEME):
        return f"names the {driver} driver; write {base}:// without it (the server picks its own driver)"
    return f"must start with {SUPPORTED_FORMS}"


def _check_postgres_url(url: URL) -> None:
    """An unencoded @ and options libpq does not know, named before anything connects."""
    if url.host and "@" in url.host:
        raise UnsupportedDatabaseUrl("has an '@' in the user name or password: write it as %40")
    try:
        # libpq's own parser: it knows every connection option (sslmode=, options=, ...).
        conninfo_to_dict(url.render_as_string(hide_password=False))
    except ProgrammingError as error:
        # Its words name the option; the user name and password were re-encoded above, so parse.
        raise UnsupportedDatabaseUrl(f"is refused by libpq: {' '.join(str(error).split())}") from None


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def ensure_sqlite_directory(url: URL) -> None:
    if is_sqlite(url) and url.database and url.database != ":memory:":
        try:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageUnavailable(f"{url.database}: {error.strerror}") from error


def create_engine(raw_url: str, pool: PoolSettings) -> AsyncEngine:
    url = normalise_url(raw_url, asynchronous=True)
    if is_sqlite(url):
        ensure_sqlite_directory(url)
        # Autocommit: a read is one statement; a write opens BEGIN IMMEDIATE itself (runner.py).
        engine = create_async_engine(
            url, isolation_level="AUTOCOMMIT", connect_args={"timeout": pool.timeout_seconds}
        )
        event.listen(engine.sync_engine, "connect", _tune_sqlite)
        return engine
    connect_args: dict[str, Any] = {"application_name": "todo-api"}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = pool.connect_timeout_seconds
    if not pool.prepared_statements:
        # PgBouncer in transaction mode (before 1.21) cannot keep server-side prepared statements.
        connect_args["prepare_threshold"] = None
    engine = create_async_engine(
        url,
        # A read is a single statement, atomic on its own: autocommit saves the BEGIN and COMMIT
        # round trips, and the pool has no transaction to roll back. Writes open one (runner.py).
        isolation_level="AUTOCOMMIT",
        pool_reset_on_return=None,
        pool_size=pool.size,
        max_overflow=pool.max_overflow,
        pool_timeout=pool.timeout_seconds,
        pool_recycle=RECYCLE_SECONDS,
        connect_args=connect_args,
    )
    if pool.prepared_statements:
        event.listen(engine.sync_engine, "connect", _keep_generic_plans)
    return engine


def _keep_generic_plans(dbapi_connection: Any, _record: Any) -> None:
    """A prepared statement keeps its one generic plan. Left to choose, PostgreSQL compares that
    plan's estimate with the average of the custom plans it has made (the first five runs always
    get one): once users have a few hundred tasks, `LIMIT $1`'s default estimate tips the list to
    custom plans, and every list is planned again (a lab copy of make bench's data at 330 tasks a
    user: 0.20 instead of 0.07 ms of PostgreSQL CPU a list). Statements marked plan_each_time do
    not use the plan cache at all (adapters.sql.runner)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("SET plan_cache_mode = force_generic_plan")
    cursor.close()


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.create_function(SQLITE_CASEFOLD, 1, _casefold, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleting a task deletes its task_tags rows (ON DELETE CASCADE), as on PostgreSQL.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _casefold(value: str | None) -> str | None:
    return None if value is None else value.lower()

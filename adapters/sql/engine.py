"""Turns DATABASE_URL into an async SQLAlchemy engine for PostgreSQL (psycopg 3) or SQLite."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.sql.tables import SQLITE_CASEFOLD

DEFAULT_SQLITE_URL = "sqlite:///./data/todo.db"
_POSTGRES_SCHEMES = {"postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg_async"}


class UnsupportedDatabaseUrl(ValueError):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolSettings:
    size: int = 20
    max_overflow: int = 0
    timeout_seconds: float = 3.0
    connect_timeout_seconds: int = 3
    prepared_statements: bool = True


def normalise_url(raw: str, *, asynchronous: bool) -> URL:
    """Accept what Neon, Heroku-style hosts and SQLAlchemy users hand out; pick our drivers."""
    scheme = raw.split("://", 1)[0].lower() if "://" in raw else ""
    if scheme in _POSTGRES_SCHEMES:
        url = make_url("postgresql://" + raw.split("://", 1)[1])
        return url.set(drivername="postgresql+psycopg")
    if scheme in {"sqlite", "sqlite+aiosqlite", "sqlite+pysqlite"}:
        url = make_url("sqlite://" + raw.split("://", 1)[1])
        return url.set(drivername="sqlite+aiosqlite" if asynchronous else "sqlite+pysqlite")
    raise UnsupportedDatabaseUrl(
        "DATABASE_URL must start with postgresql://, postgres://, postgresql+psycopg:// or sqlite:///"
    )


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def ensure_sqlite_directory(url: URL) -> None:
    if is_sqlite(url) and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


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
    return create_async_engine(
        url,
        # A read is a single statement, atomic on its own: autocommit saves the BEGIN and COMMIT
        # round trips, and the pool has no transaction to roll back. Writes open one (runner.py).
        isolation_level="AUTOCOMMIT",
        pool_reset_on_return=None,
        pool_size=pool.size,
        max_overflow=pool.max_overflow,
        pool_timeout=pool.timeout_seconds,
        pool_recycle=1800,
        connect_args=connect_args,
    )


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

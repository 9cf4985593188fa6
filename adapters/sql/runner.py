"""Runs one prebuilt SQLAlchemy Core statement per call, in autocommit, and returns its rows.

On PostgreSQL the statement is compiled once and sent on psycopg's own connection, taken
from SQLAlchemy's pool: the pool keeps its fail-fast and recycling behaviour, and a request
skips the execution-context and result layers, which cost several times the query itself
(see `python -m bench.layers`). SQLite keeps SQLAlchemy's full path, whose type processing
its text-stored datetimes need.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy import exc
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.expression import Executable
from sqlalchemy.util import greenlet_spawn

from adapters.sql.outages import UNAVAILABLE, translated

Rows = Sequence[Sequence[Any]]


class StatementRunner(Protocol):
    async def rows(self, statement: Executable, parameters: Mapping[str, Any]) -> Rows:
        """Run the statement on its own, atomically; StorageUnavailable if the database is not there."""
        ...


def statement_runner(
    engine: AsyncEngine, *, timeout_seconds: float, max_connections: int = 20
) -> StatementRunner:
    if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
        return PsycopgRunner(engine, timeout_seconds=timeout_seconds, max_connections=max_connections)
    return EngineRunner(engine, timeout_seconds=timeout_seconds, max_connections=max_connections)


class _Runner:
    """A time limit on the whole call, a first-come-first-served turn at the pool, and outages
    reported as StorageUnavailable (a database without the migrations as SchemaOutdated).

    asyncio.Queue (behind the pool) lets a newcomer take a connection from a woken waiter,
    which can starve a request for seconds under load; a Semaphore serves in arrival order.
    """

    def __init__(self, engine: AsyncEngine, timeout_seconds: float, max_connections: int) -> None:
        self.engine = engine
        self._timeout = timeout_seconds
        self._turns = asyncio.Semaphore(max_connections)

    async def rows(self, statement: Executable, parameters: Mapping[str, Any]) -> Rows:
        try:
            async with asyncio.timeout(self._timeout), self._turns:
                return await self._execute(statement, parameters)
        except (*UNAVAILABLE, exc.DBAPIError, psycopg.Error) as error:
            meaning = translated(self.engine.url, error, self._timeout)
            if meaning is None:
                raise
            raise meaning from error

    async def _execute(self, statement: Executable, parameters: Mapping[str, Any]) -> Rows:
        raise NotImplementedError


class EngineRunner(_Runner):
    """SQLAlchemy's whole execution path: any dialect, results type-processed."""

    async def _execute(self, statement: Executable, parameters: Mapping[str, Any]) -> Rows:
        async with self.engine.connect() as connection:
            result = await connection.execute(statement, dict(parameters))
            rows = result.all() if result.returns_rows else []
            await connection.commit()
        return rows


class PsycopgRunner(_Runner):
    """Compiled SQL on the pooled psycopg connection; the engine is in AUTOCOMMIT.

    Every statement the repository sends returns rows (a SELECT or a RETURNING).
    """

    def __init__(self, engine: AsyncEngine, timeout_seconds: float, max_connections: int) -> None:
        super().__init__(engine, timeout_seconds, max_connections)
        self._compiled: dict[Executable, _Compiled] = {}

    async def _execute(self, statement: Executable, parameters: Mapping[str, Any]) -> Rows:
        compiled = self._compiled.get(statement)
        if compiled is None:
            compiled = self._compiled[statement] = _Compiled.of(statement, self.engine.dialect)
        values = {**compiled.fixed, **parameters} if compiled.fixed else parameters
        pooled = await self.engine.raw_connection()
        connection: psycopg.AsyncConnection[Any] = pooled.driver_connection  # type: ignore[assignment]
        try:
            rows = await (await connection.execute(compiled.sql, values)).fetchall()
        except BaseException:
            await _give_back(pooled, connection)
            raise
        pooled.close()
        return rows


class _Compiled:
    __slots__ = ("fixed", "sql")

    def __init__(self, sql: str, fixed: dict[str, Any]) -> None:
        self.sql = sql
        # Values written into the statement itself, e.g. the 1 of `version + 1`.
        self.fixed = fixed

    @classmethod
    def of(cls, statement: Executable, dialect: Dialect) -> _Compiled:
        compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        required = {name for name, bind in compiled.binds.items() if bind.required}
        fixed = {name: value for name, value in compiled.params.items() if name not in required}
        return cls(compiled.string, fixed)


async def _give_back(pooled: PoolProxiedConnection, connection: psycopg.AsyncConnection[Any]) -> None:
    """After an error: back to the pool if the connection is clean, otherwise closed for good."""
    if connection.broken or connection.info.transaction_status is not TransactionStatus.IDLE:
        # The adapter closes psycopg's connection through SQLAlchemy's greenlet bridge.
        await greenlet_spawn(pooled.invalidate)
    else:
        pooled.close()

"""Runs prebuilt SQLAlchemy Core statements: one on its own, several in one turn at the pool, or
several in one transaction.

On PostgreSQL the statement is compiled once and sent on psycopg's own connection, taken
from SQLAlchemy's pool: the pool keeps its fail-fast and recycling behaviour, and a request
skips the execution-context and result layers, which cost several times the query itself
(docs/decisions/0001-request-path-layers.md), and a checkout skips the greenlet SQLAlchemy's
async pool starts for each one when the pool needs no I/O (_PoolWatch). SQLite keeps
SQLAlchemy's full path, whose type processing its text-stored datetimes and JSON need.

A read marked `pipelined` (a short read-only statement) does not take a connection of its own on
PostgreSQL: the marked reads of one turn of the event loop go out together on one connection, in
libpq's pipeline mode (_ReadPipeline).

Both engines run in autocommit (adapters.sql.engine): a single statement is atomic on its own,
and `transaction` opens one explicitly. On SQLite it is BEGIN IMMEDIATE, which takes the write
lock up front: two deferred transactions that both read and then want to write would otherwise
fail on each other at once instead of waiting their turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import re
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from typing import Any, Protocol, TypeVar
from weakref import WeakKeyDictionary, WeakSet

import psycopg
from psycopg import abc as psycopg_abc
from psycopg import errors as pg_errors
from psycopg.adapt import PyFormat, Transformer
from psycopg.pq import DiagnosticField, ExecStatus, PipelineStatus, TransactionStatus
from psycopg.pq.abc import PGresult
from sqlalchemy import Engine, event, exc
from sqlalchemy.engine.interfaces import Dialect, ExceptionContext
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection, QueuePool
from sqlalchemy.sql.expression import Executable
from sqlalchemy.util import greenlet_spawn

from adapters.sql.engine import RECYCLE_SECONDS
from adapters.sql.outages import UNAVAILABLE, translated

Rows = Sequence[Sequence[Any]]
T = TypeVar("T")


class Transaction(Protocol):
    async def rows(self, statement: Executable, parameters: Mapping[str, Any]) -> Rows:
        """Run one statement of the transaction; a statement without a result gives no rows."""
        ...


class StatementRunner(Protocol):
    dialect: str  # "postgresql" or "sqlite"

    async def rows(self, statement: Executable, parameters: Mapping[str, Any]) -> Rows:
        """Run the statement on its own, atomically; StorageUnavailable if the database is not there."""
        ...

    async def transaction(
        self, work: Callable[[Transaction], Awaitable[T]], *, timeout_seconds: float | None = None
    ) -> T:
        """Run `work` in one transaction: committed when it returns, rolled back when it raises
        (its exception passes through). The time limit (the runner's, unless given) covers it all."""
        ...

    async def in_one_turn(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        """Run `work`'s statements on one connection, each atomic on its own as with `rows`: one
        turn at the pool for all of them, under the runner's time limit."""
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
        self.dialect = engine.dialect.name
        self._timeout = timeout_seconds
        self._turns = asyncio.Semaphore(max_connections)

    async def rows(self, statement: Executable, parameters: Mapping[str, Any]) -> Rows:
        return await self._guarded(self._timeout, self._execute, statement, parameters)

    async def transaction(
        self, work: Callable[[Transaction], Awaitable[T]], *, timeout_seconds: float | None = None
    ) -> T:
        return await self._guarded(timeout_seconds or self._timeout, self._transact, work)

    async def in_one_turn(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        return await self._guarded(self._timeout, self._in_one_turn, work)

    async def _guarded(
        self, seconds: float, call: Callable[..., Awaitable[T]], *arguments: Any, turn: bool = True
    ) -> T:
        """`call` under the time limit, in its turn at the pool unless `turn` is False (it has one)."""
        try:
            async with asyncio.timeout(seconds), self._turns if turn else contextlib.nullcontext():
                return await call(*arguments)
        except (*UNAVAILABLE, exc.DBAPIError, psycopg.Error) as error:
            meaning = translated(self.engine.url, error, self._timeout)
            if meaning is None:
                raise
            raise meaning from error

    async def _execute(self, statement: Executable, parameters: Mapping[str, Any]) -> Rows:
        raise NotImplementedError

    async def _transact(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        raise NotImplementedError

    async def _in_one_turn(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        raise NotImplementedError


class EngineRunner(_Runner):
    """SQLAlchemy's whole execution path: any dialect, results type-processed."""

    async def _execute(self, statement: Executable, parameters: Mapping[str, Any]) -> Rows:
        async with self.engine.connect() as connection:
            return await _EngineTransaction(connection).rows(statement, parameters)

    async def _in_one_turn(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        async with self.engine.connect() as connection:
            return await work(_EngineTransaction(connection))

    async def _transact(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        begin = "BEGIN IMMEDIATE" if self.engine.dialect.name == "sqlite" else "BEGIN"
        async with self.engine.connect() as connection:
            await connection.exec_driver_sql(begin)
            try:
                result = await work(_EngineTransaction(connection))
            except BaseException:
                # A connection that cannot even roll back is closed by the pool; the first error counts.
                with contextlib.suppress(exc.DBAPIError):
                    await connection.exec_driver_sql("ROLLBACK")
                raise
            await connection.exec_driver_sql("COMMIT")
        return result


class _EngineTransaction:
    __slots__ = ("_connection",)

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def rows(self, statement: Executable, parameters: Mapping[str, Any]) -> Rows:
        result = await self._connection.execute(statement, dict(parameters))
        return result.all() if result.returns_rows else []


class PsycopgRunner(_Runner):
    """Compiled SQL on the pooled psycopg connection; the engine is in AUTOCOMMIT."""

    def __init__(self, engine: AsyncEngine, timeout_seconds: float, max_connections: int) -> None:
        super().__init__(engine, timeout_seconds, max_connections)
        self._compiled: dict[Executable, _Compiled] = {}
        self._sync_engine = engine.sync_engine
        self._pool_watch = _PoolWatch(engine.sync_engine)
        self._reads = _ReadPipeline(self)

    def compiled(self, statement: Executable) -> _Compiled:
        compiled = self._compiled.get(statement)
        if compiled is None:
            compiled = self._compiled[statement] = _Compiled.of(statement, self.engine.dialect)
        return compiled

    async def rows(self, statement: Executable, parameters: Mapping[str, Any]) -> Rows:
        read = self.compiled(statement).pipelined
        if read is None:
            return await super().rows(statement, parameters)
        return await self._guarded(self._timeout, self._reads.rows, read, statement, parameters, turn=False)

    async def _checkout(self) -> PoolProxiedConnection:
        """A connection from SQLAlchemy's pool; without the greenlet when it holds an open one
        that needs no I/O. Otherwise the greenlet's path waits for one, or opens one."""
        pooled = self._checkout_at_once()
        return pooled if pooled is not None else await self.engine.raw_connection()

    def _checkout_at_once(self) -> PoolProxiedConnection | None:
        """An open connection the pool holds, if taking it needs no I/O."""
        pool = self._sync_engine.pool
        if isinstance(pool, QueuePool) and pool.checkedin() and self._pool_watch.quiet():
            with contextlib.suppress(exc.MissingGreenlet):  # I/O the watch did not foresee
                return pool.connect()
        return None

    async def _execute(self, statement: Executable, parameters: Mapping[str, Any]) -> Rows:
        pooled = await self._checkout()
        connection: psycopg.AsyncConnection[Any] = pooled.driver_connection  # type: ignore[assignment]
        try:
            rows = await _PsycopgTransaction(self, _cursor(pooled, connection)).rows(statement, parameters)
        except BaseException:
            await _give_back(pooled, connection)
            raise
        pooled.close()
        return rows

    async def _transact(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        async def in_transaction(statements: _PsycopgTransaction) -> T:
            try:
                async with statements.connection.transaction():
                    return await work(statements)
            except BaseException:
                await self._reads.after_rollback(statements.connection)
                raise

        return await self._in_one_turn(in_transaction)

    async def _in_one_turn(self, work: Callable[[_PsycopgTransaction], Awaitable[T]]) -> T:
        pooled = await self._checkout()
        connection: psycopg.AsyncConnection[Any] = pooled.driver_connection  # type: ignore[assignment]
        try:
            result = await work(_PsycopgTransaction(self, _cursor(pooled, connection)))
        except BaseException:
            await _give_back(pooled, connection)
            raise
        pooled.close()
        return result


class _ReadPipeline:
    """The pipelined reads of one turn of the event loop, sent to PostgreSQL together: one turn at
    the pool, one write and one wait for all their results, where each read alone would pay for
    each (lab, docs/performance.md: at 64 connections 7,000 lists a second against 4,900, at 0.12
    against 0.17 ms of server CPU and 0.07 against 0.14 ms of PostgreSQL's a list).

    The first read of a turn opens a batch on a connection; the reads after it in the same turn
    join it, each buffered by libpq. The batch goes out when the loop next polls its sockets, and
    each read is answered as soon as its rows are in, from the socket's own callback: a read waits
    for the loop no more often than a lone statement does.

    Up to the Sync that ends the batch the reads share PostgreSQL's implicit transaction, each with
    its own snapshot, as in autocommit. A read that fails fails alone: the reads after it, which
    PostgreSQL then skipped, are each run again on their own.
    """

    def __init__(self, runner: PsycopgRunner) -> None:
        self._runner = runner
        self._open: _Batch | None = None  # the batch that reads join until it is sent
        # asyncio keeps only weak references to tasks: these are kept until they end.
        self._tasks: set[asyncio.Task[None]] = set()
        self._prepared: WeakKeyDictionary[psycopg.AsyncConnection[Any], set[bytes]] = WeakKeyDictionary()

    def forget(self, connection: psycopg.AsyncConnection[Any]) -> None:
        """The connection's prepared statements are gone."""
        self._prepared.pop(connection, None)

    def prepared(self, connection: psycopg.AsyncConnection[Any]) -> set[bytes]:
        return self._prepared.setdefault(connection, set())

    async def after_rollback(self, connection: psycopg.AsyncConnection[Any]) -> None:
        """psycopg forgets its own prepared statements on a rollback, and deallocates every one on
        the connection if it had any (DEALLOCATE ALL): these go too, so that both know none is."""
        if not self._prepared.pop(connection, None):
            return
        if connection.broken or connection.info.transaction_status is not TransactionStatus.IDLE:
            return  # the connection is closed for good (_give_back)
        with contextlib.suppress(psycopg.Error):  # the rollback's own error is the one to raise
            await connection.execute("DEALLOCATE ALL")

    async def rows(self, read: _PipelinedRead, statement: Executable, parameters: Mapping[str, Any]) -> Rows:
        waiting = _WaitingRead(read, parameters, asyncio.get_running_loop().create_future())
        batch = self._open
        if batch is None:
            batch = self._open = _Batch(self)
            try:
                await self._start(batch)
            except BaseException:
                self.closed(batch)
                raise
        batch.add(waiting)
        rows: Rows | _Skipped = await waiting.outcome
        if isinstance(rows, _Skipped):  # under the caller's time limit still
            async with self._runner._turns:
                return await self._runner._execute(statement, parameters)
        return rows

    async def _start(self, batch: _Batch) -> None:
        """A free turn and an open connection now, or a task that waits for them."""
        turns = self._runner._turns
        if turns.locked():
            self.spawn(batch.open_when_connected(have_turn=False))
            return
        await turns.acquire()  # free: returns at once
        try:
            pooled = self._runner._checkout_at_once()
        except BaseException:
            turns.release()
            raise
        if pooled is None:
            self.spawn(batch.open_when_connected(have_turn=True))
        else:
            batch.open(pooled)

    def closed(self, batch: _Batch) -> None:
        """No more reads join `batch`: it is being sent, or has failed."""
        if self._open is batch:
            self._open = None

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


class _Batch:
    """One pipeline on one connection: its reads, in the order of their results, and its
    progress through them. Its callbacks run on the event loop; what fails there fails its reads."""

    def __init__(self, pipeline: _ReadPipeline) -> None:
        self._pipeline = pipeline
        self._runner = pipeline._runner
        self._loop = asyncio.get_running_loop()
        self._unsent: list[_WaitingRead] = []  # joined before the batch had its connection
        # In the order of their results: a read, or the name of a statement being prepared.
        self._expected: list[_WaitingRead | bytes] = []
        self._answered = 0
        self._partial: list[PGresult] = []
        self._preparing: set[bytes] = set()
        self._deallocated = False
        self._pooled: PoolProxiedConnection | None = None
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self._fileno = -1
        self._deadline: asyncio.TimerHandle | None = None
        self._done = False

    def add(self, waiting: _WaitingRead) -> None:
        if self._done:
            waiting.answer(_SKIPPED)  # its batch failed before it could be sent
        elif self._connection is None:
            self._unsent.append(waiting)
        else:
            self._send(waiting)

    async def open_when_connected(self, *, have_turn: bool) -> None:
        """The slow way in: waiting for a turn at the pool, or for the pool to open a connection."""
        runner = self._runner
        try:
            async with asyncio.timeout(runner._timeout):
                if not have_turn:
                    await runner._turns.acquire()
                    have_turn = True
                pooled = await runner._checkout()
        except Exception as error:
            if have_turn:
                runner._turns.release()
            self._fail_reads(error)
            return
        self.open(pooled)

    def open(self, pooled: PoolProxiedConnection) -> None:
        """With the connection (and the turn it came with): send what joined so far, and send it
        all when the loop next polls its sockets."""
        self._pooled = pooled
        connection: psycopg.AsyncConnection[Any] = pooled.driver_connection  # type: ignore[assignment]
        self._connection = connection
        try:
            self._named = connection.prepare_threshold is not None  # False behind an old PgBouncer
            self._prepared = self._pipeline.prepared(connection)
            self._dumper = Transformer(connection)
            self._loader = Transformer(connection)
            self._encoding = connection.info.encoding
            self._fileno = connection.pgconn.socket
            self._deadline = self._loop.call_later(self._runner._timeout, self._timed_out)
            connection.pgconn.enter_pipeline_mode()
            unsent, self._unsent = self._unsent, []
            for waiting in unsent:
                self._send(waiting)
            if not self._done:  # a send may have failed the batch
                self._loop.add_writer(self._fileno, self._flush)
        except Exception as error:
            self._fail(error)

    def _send(self, waiting: _WaitingRead) -> None:
        if self._done:
            waiting.answer(_SKIPPED)  # its batch failed before it could be sent
            return
        read = waiting.read
        try:
            values = self._dumper.dump_sequence(read.values(waiting.parameters), read.formats)
        except Exception as error:  # this read's values alone: the others go on
            waiting.answer(error)
            return
        pgconn = self._connection.pgconn  # type: ignore[union-attr]
        try:
            if not self._named:
                pgconn.send_query_params(read.sql, values)
            else:
                if read.name not in self._prepared and read.name not in self._preparing:
                    pgconn.send_prepare(read.name, read.sql)
                    self._preparing.add(read.name)
                    self._expected.append(read.name)
                pgconn.send_query_prepared(read.name, values)
        except Exception as error:
            self._expected.append(waiting)
            self._fail(error)
            return
        self._expected.append(waiting)

    def _flush(self) -> None:
        """The socket is writable: the batch is complete; the Sync ends it and sends it."""
        self._loop.remove_writer(self._fileno)
        self._pipeline.closed(self)
        if self._done:
            return
        try:
            pgconn = self._connection.pgconn  # type: ignore[union-attr]
            pgconn.pipeline_sync()
            if pgconn.flush():  # more than the socket took at once
                self._loop.add_writer(self._fileno, self._flush_rest)
            self._loop.add_reader(self._fileno, self._readable)
        except Exception as error:
            self._fail(error)

    def _flush_rest(self) -> None:
        try:
            if not self._connection.pgconn.flush():  # type: ignore[union-attr]
                self._loop.remove_writer(self._fileno)
        except Exception as error:
            self._fail(error)

    def _readable(self) -> None:
        """What has come in: each read whose results are complete gets them now."""
        try:
            pgconn = self._connection.pgconn  # type: ignore[union-attr]
            pgconn.consume_input()
            while not pgconn.is_busy():
                result = pgconn.get_result()
                if result is None:
                    if not self._partial:
                        break
                    self._arrived(self._partial)
                    self._partial = []
                elif result.status == ExecStatus.PIPELINE_SYNC:
                    self._finish()
                    return
                else:
                    self._partial.append(result)
        except Exception as error:
            self._fail(error)

    def _arrived(self, results: list[PGresult]) -> None:
        result, awaited = results[-1], self._expected[self._answered]
        self._answered += 1
        if isinstance(awaited, bytes):
            if result.status == ExecStatus.COMMAND_OK or _state(result) == _ALREADY_PREPARED:
                self._prepared.add(awaited)
            return
        outcome = _outcome(result, self._loader, self._encoding)
        if isinstance(outcome, pg_errors.InvalidSqlStatementName):
            # Deallocated behind our back: it runs again on its own, and is prepared anew.
            self._deallocated, outcome = True, _SKIPPED
        awaited.answer(outcome)

    def _finish(self) -> None:
        pooled, connection = self._pooled, self._connection
        assert pooled is not None and connection is not None
        try:
            connection.pgconn.exit_pipeline_mode()
        except Exception as error:
            self._fail(error)
            return
        self._stop_watching()
        if self._deallocated:
            self._pipeline.forget(connection)
        self._fail_reads(psycopg.InternalError("no result for this read"))  # none, if all went well
        try:
            pooled.close()
        finally:
            self._runner._turns.release()

    def _timed_out(self) -> None:
        self._fail(TimeoutError())

    def _fail(self, error: Exception) -> None:
        """The connection's error or the time limit: every read still waiting gets it, and the
        connection is closed for good."""
        if self._done:
            return
        self._stop_watching()
        self._fail_reads(error)
        pooled, connection = self._pooled, self._connection
        assert pooled is not None and connection is not None

        async def give_back() -> None:
            try:
                await _give_back(pooled, connection)
            finally:
                self._runner._turns.release()

        self._pipeline.spawn(give_back())

    def _stop_watching(self) -> None:
        self._done = True
        self._pipeline.closed(self)
        if self._deadline is not None:
            self._deadline.cancel()
        if self._fileno >= 0:
            self._loop.remove_writer(self._fileno)
            self._loop.remove_reader(self._fileno)

    def _fail_reads(self, error: BaseException) -> None:
        self._done = True
        self._pipeline.closed(self)
        for waiting in (*self._unsent, *self._expected[self._answered :]):
            if isinstance(waiting, _WaitingRead):
                waiting.answer(error)
        self._unsent = []
        self._answered = len(self._expected)


_ALREADY_PREPARED = pg_errors.DuplicatePreparedStatement.sqlstate


def _state(result: PGresult) -> str | None:
    state = result.error_field(DiagnosticField.SQLSTATE)
    return None if state is None else state.decode()


class _WaitingRead:
    __slots__ = ("outcome", "parameters", "read")

    def __init__(
        self, read: _PipelinedRead, parameters: Mapping[str, Any], outcome: asyncio.Future[Any]
    ) -> None:
        self.read = read
        self.parameters = parameters
        self.outcome = outcome

    def answer(self, outcome: Rows | BaseException | _Skipped) -> None:
        if self.outcome.done():  # its caller ran out of time, or it has its answer
            return
        if isinstance(outcome, BaseException):
            self.outcome.set_exception(outcome)
        else:
            self.outcome.set_result(outcome)


class _Skipped:
    """A read PostgreSQL skipped, after an earlier one in its pipeline failed."""


_SKIPPED = _Skipped()


def _outcome(
    result: PGresult, loader: psycopg_abc.Transformer, encoding: str
) -> Rows | BaseException | _Skipped:
    if result.status == ExecStatus.TUPLES_OK:
        loader.set_pgresult(result)
        rows: Rows = loader.load_rows(0, result.ntuples, tuple)
        return rows
    if result.status == ExecStatus.PIPELINE_ABORTED:
        return _SKIPPED
    if result.status == ExecStatus.FATAL_ERROR:
        return pg_errors.error_from_result(result, encoding=encoding)
    return []


class _PoolWatch:
    """Whether SQLAlchemy's pool could need I/O for its next checkout, told by the pool's events.

    Its async pool runs every checkout in a new greenlet, in case the checkout must connect (to
    replace a connection that was invalidated or is due for recycling, or to open one more): 8.7
    of a checkout's 13 us here, most of it the frame stack Python maps for each greenlet
    (`python -m tests.perf.overheads`). While no pooled connection is invalid or near its
    recycling age, a synchronous checkout of a connection the pool holds does no I/O. A disconnect
    invalidates its own connection, not the whole pool, as the runner's own errors always did
    (_give_back).
    """

    # Ahead of the pool's own clock: a connection's age is counted from just before it connects.
    RECYCLE_MARGIN_SECONDS = 1.0

    def __init__(self, engine: Engine) -> None:
        self._connecting: WeakKeyDictionary[ConnectionPoolEntry, float] = WeakKeyDictionary()
        self._opened: WeakKeyDictionary[ConnectionPoolEntry, float] = WeakKeyDictionary()
        self._invalid: WeakSet[ConnectionPoolEntry] = WeakSet()
        self._quiet_until = math.inf
        event.listen(engine, "do_connect", self._connecting_now)
        event.listen(engine, "connect", self._connected)
        event.listen(engine, "close", self._closed)
        for spoiled in ("invalidate", "soft_invalidate", "detach"):
            event.listen(engine, spoiled, self._spoiled)
        event.listen(engine, "handle_error", _one_connection_per_disconnect)

    def quiet(self) -> bool:
        return not self._invalid and time.time() < self._quiet_until

    def _connecting_now(self, _dialect: Dialect, record: ConnectionPoolEntry, *_: Any) -> None:
        self._connecting[record] = time.time()

    def _connected(self, _connection: Any, record: ConnectionPoolEntry) -> None:
        # Without a stamp from do_connect its age is unknown: counted as due, so checkouts take the
        # greenlet's path until the pool recycles it.
        self._opened[record] = self._connecting.pop(record, -math.inf)
        self._invalid.discard(record)
        self._recount()

    def _closed(self, _connection: Any, record: ConnectionPoolEntry) -> None:
        self._opened.pop(record, None)
        self._recount()

    def _spoiled(self, _connection: Any, record: ConnectionPoolEntry, *_: Any) -> None:
        self._invalid.add(record)

    def _recount(self) -> None:
        oldest = min(self._opened.values(), default=math.inf)
        self._quiet_until = oldest + RECYCLE_SECONDS - self.RECYCLE_MARGIN_SECONDS


def _one_connection_per_disconnect(context: ExceptionContext) -> None:
    context.invalidate_pool_on_disconnect = False


_CURSOR = "todo_api_cursor"  # its key in the pooled connection's `info`


def _cursor(
    pooled: PoolProxiedConnection, connection: psycopg.AsyncConnection[Any]
) -> psycopg.AsyncCursor[Any]:
    """The connection's own cursor, kept beside it in the pool (its `info` goes with the connection):
    a new cursor per statement cost 7 of a prepared statement's 45 us of client CPU."""
    cursor: psycopg.AsyncCursor[Any] | None = pooled.info.get(_CURSOR)
    if cursor is None or cursor.connection is not connection:
        cursor = pooled.info[_CURSOR] = connection.cursor()
    return cursor


class _PsycopgTransaction:
    __slots__ = ("_cursor", "_runner")

    def __init__(self, runner: PsycopgRunner, cursor: psycopg.AsyncCursor[Any]) -> None:
        self._runner = runner
        self._cursor = cursor

    @property
    def connection(self) -> psycopg.AsyncConnection[Any]:
        return self._cursor.connection

    async def rows(self, statement: Executable, parameters: Mapping[str, Any]) -> Rows:
        compiled = self._runner.compiled(statement)
        values = {**compiled.fixed, **parameters} if compiled.fixed else parameters
        cursor: psycopg.AsyncCursor[Any]
        if compiled.plan_each_time:
            # The simple query protocol, its values bound by psycopg: planned for those values
            # every time, whatever the session's plan_cache_mode (adapters.sql.engine).
            cursor = await psycopg.AsyncClientCursor(self._cursor.connection).execute(compiled.sql, values)
        else:
            cursor = await self._cursor.execute(compiled.sql, values)
        # The status, not cursor.description: building the description costs more than the check.
        result = cursor.pgresult
        if result is None or result.status != ExecStatus.TUPLES_OK:
            return []
        return await cursor.fetchall()


class _Compiled:
    __slots__ = ("fixed", "pipelined", "plan_each_time", "sql")

    def __init__(
        self, sql: str, fixed: dict[str, Any], plan_each_time: bool, pipelined: _PipelinedRead | None
    ) -> None:
        self.sql = sql
        # Values written into the statement itself, e.g. the 1 of `version + 1`.
        self.fixed = fixed
        # False: psycopg prepares it after a few runs, and PostgreSQL keeps one generic plan.
        self.plan_each_time = plan_each_time
        # The statement for _ReadPipeline, for a read marked `pipelined`.
        self.pipelined = pipelined

    @classmethod
    def of(cls, statement: Executable, dialect: Dialect) -> _Compiled:
        compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        required = {name for name, bind in compiled.binds.items() if bind.required}
        fixed = {name: value for name, value in compiled.params.items() if name not in required}
        options = statement.get_execution_options()
        plan_each_time = options.get("plan_each_time", False)
        pipelined = None
        if options.get("pipelined") and not plan_each_time:
            pipelined = _PipelinedRead(compiled.string, fixed)
        return cls(compiled.string, fixed, plan_each_time, pipelined)


class _PipelinedRead:
    """A read in libpq's own form: numbered parameters, each sent as text for PostgreSQL to read
    by the statement's own casts, prepared under a name of its own."""

    __slots__ = ("fixed", "formats", "name", "positions", "sql")
    _PLACEHOLDER = re.compile(r"%\(([^)]+)\)s|%%")
    _names = itertools.count(1)

    def __init__(self, sql: str, fixed: dict[str, Any]) -> None:
        positions: list[str] = []

        def numbered(match: re.Match[str]) -> str:
            name = match.group(1)
            if name is None:
                return "%"
            if name not in positions:
                positions.append(name)
            return f"${positions.index(name) + 1}"

        self.sql = self._PLACEHOLDER.sub(numbered, sql).encode()
        self.positions = positions
        self.fixed = fixed
        self.formats = [PyFormat.TEXT] * len(positions)
        self.name = f"todo_api_read_{next(self._names)}".encode()

    def values(self, parameters: Mapping[str, Any]) -> list[Any]:
        fixed = self.fixed
        return [parameters[name] if name in parameters else fixed[name] for name in self.positions]


async def _give_back(pooled: PoolProxiedConnection, connection: psycopg.AsyncConnection[Any]) -> None:
    """After an error: back to the pool if the connection is clean, otherwise closed for good."""
    if (
        connection.broken
        or connection.info.transaction_status is not TransactionStatus.IDLE
        or connection.pgconn.pipeline_status != PipelineStatus.OFF  # a pipeline cut short
    ):
        # The adapter closes psycopg's connection through SQLAlchemy's greenlet bridge.
        await greenlet_spawn(pooled.invalidate)
    else:
        pooled.close()

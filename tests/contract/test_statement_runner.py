"""The runner behind the SQL store: rows, transactions, and a call that runs out of time is a 503
that spoils no connection."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator

import psycopg
import pytest
from sqlalchemy import literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection

from adapters.sql import engine as engine_module
from adapters.sql import runner as runner_module
from adapters.sql.engine import PoolSettings, create_engine
from adapters.sql.runner import PsycopgRunner, StatementRunner, Transaction, statement_runner
from adapters.sql.task_render import SqlTaskRenderer
from application.errors import StorageUnavailable
from domain.query import TaskQuery
from entrypoints.settings import DATABASE_TIMEOUT_SECONDS

ONE = select(literal_column("1"))


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_a_statement_returns_its_rows(backend: str, request: pytest.FixtureRequest) -> None:
    engine = create_engine(
        request.getfixturevalue(f"{backend}_url"),
        PoolSettings(size=2, timeout_seconds=DATABASE_TIMEOUT_SECONDS),
    )
    try:
        runner = statement_runner(engine, timeout_seconds=DATABASE_TIMEOUT_SECONDS, max_connections=2)
        assert isinstance(runner, PsycopgRunner) == (backend == "postgres")
        for _ in range(7):  # past psycopg's prepare threshold of 5
            assert [tuple(row) for row in await runner.rows(ONE, {})] == [(1,)]
    finally:
        await engine.dispose()


async def test_a_query_cut_off_by_the_time_limit_leaves_the_pool_usable(postgres_url: str) -> None:
    engine = create_engine(postgres_url, PoolSettings(size=1, timeout_seconds=DATABASE_TIMEOUT_SECONDS))
    try:
        runner = statement_runner(engine, timeout_seconds=0.3, max_connections=1)
        started = time.monotonic()
        with pytest.raises(StorageUnavailable):
            await runner.rows(text("SELECT pg_sleep(5)"), {})
        assert time.monotonic() - started < 2
        # The only connection was mid-query: it must not come back from the pool busy.
        for _ in range(3):
            assert [tuple(row) for row in await runner.rows(ONE, {})] == [(1,)]
    finally:
        await engine.dispose()


class Refused(Exception):
    pass


@pytest.fixture(params=["sqlite", "postgres"])
async def runner(request: pytest.FixtureRequest) -> AsyncIterator[StatementRunner]:
    """A runner of two connections, on each backend."""
    engine = create_engine(
        request.getfixturevalue(f"{request.param}_url"),
        PoolSettings(timeout_seconds=DATABASE_TIMEOUT_SECONDS, size=2),
    )
    try:
        yield statement_runner(engine, timeout_seconds=DATABASE_TIMEOUT_SECONDS, max_connections=2)
    finally:
        await engine.dispose()


COUNTED = text("SELECT total FROM task_counts WHERE user_id = :owner")


async def test_a_transaction_commits_together_or_not_at_all(runner: StatementRunner) -> None:
    owner = f"runner-{uuid.uuid4()}"
    lock = text("INSERT INTO task_counts (user_id, total, completed) VALUES (:owner, 0, 0) RETURNING total")

    async def refused(transaction: Transaction) -> None:
        assert [tuple(row) for row in await transaction.rows(lock, {"owner": owner})] == [(0,)]
        raise Refused

    with pytest.raises(Refused):
        await runner.transaction(refused)
    assert await runner.rows(COUNTED, {"owner": owner}) == []

    async def kept(transaction: Transaction) -> int:
        await transaction.rows(lock, {"owner": owner})
        # A statement without a result gives no rows.
        assert (
            await transaction.rows(
                text("UPDATE task_counts SET total = 7 WHERE user_id = :owner"), {"owner": owner}
            )
            == []
        )
        return 42

    assert await runner.transaction(kept) == 42
    assert [tuple(row) for row in await runner.rows(COUNTED, {"owner": owner})] == [(7,)]


async def test_statements_in_one_turn_each_commit_on_their_own(runner: StatementRunner) -> None:
    owner = f"runner-{uuid.uuid4()}"
    insert = text("INSERT INTO task_counts (user_id, total, completed) VALUES (:owner, 3, 0)")

    async def insert_then_fail(statements: Transaction) -> None:
        await statements.rows(insert, {"owner": owner})
        assert [tuple(row) for row in await statements.rows(COUNTED, {"owner": owner})] == [(3,)]
        raise Refused

    with pytest.raises(Refused):
        await runner.in_one_turn(insert_then_fail)
    # Not a transaction: the insert before the failure stays, and the pool serves on.
    assert [tuple(row) for row in await runner.rows(COUNTED, {"owner": owner})] == [(3,)]


async def test_a_transaction_cut_off_by_the_time_limit_rolls_back_and_leaves_the_pool_usable(
    postgres_url: str,
) -> None:
    engine = create_engine(postgres_url, PoolSettings(timeout_seconds=DATABASE_TIMEOUT_SECONDS, size=1))
    owner = f"runner-{uuid.uuid4()}"
    try:
        runner = statement_runner(engine, timeout_seconds=0.3, max_connections=1)

        async def slow(transaction: Transaction) -> None:
            insert = text("INSERT INTO task_counts (user_id, total, completed) VALUES (:owner, 0, 0)")
            await transaction.rows(insert, {"owner": owner})
            await transaction.rows(text("SELECT pg_sleep(5)"), {})

        started = time.monotonic()
        with pytest.raises(StorageUnavailable):
            await runner.transaction(slow)
        assert time.monotonic() - started < 2
        for _ in range(3):
            assert [tuple(row) for row in await runner.rows(ONE, {})] == [(1,)]
        counted = text("SELECT count(*) FROM task_counts WHERE user_id = :owner")
        assert [tuple(row) for row in await runner.rows(counted, {"owner": owner})] == [(0,)]
    finally:
        await engine.dispose()


async def test_a_statement_marked_plan_each_time_is_never_prepared(postgres_url: str) -> None:
    engine = create_engine(postgres_url, PoolSettings(timeout_seconds=DATABASE_TIMEOUT_SECONDS, size=1))
    prepared = text("SELECT statement FROM pg_prepared_statements")
    kept = select(literal_column("'kept prepared'"))
    planned = select(literal_column("'planned each time'")).execution_options(plan_each_time=True)
    try:
        runner = statement_runner(engine, timeout_seconds=DATABASE_TIMEOUT_SECONDS, max_connections=1)
        for _ in range(7):  # past psycopg's prepare threshold of 5
            await runner.rows(kept, {})
            await runner.rows(planned, {})
        statements = " ".join(row[0] for row in await runner.rows(prepared, {}))
        assert "kept prepared" in statements
        assert "planned each time" not in statements
    finally:
        await engine.dispose()


async def test_a_prepared_list_keeps_one_generic_plan_once_users_have_hundreds_of_tasks(
    postgres_url: str,
) -> None:
    """Left to choose, PostgreSQL planned the list afresh on every run once users had a few hundred
    tasks each (`LIMIT $1`'s default estimate makes the generic plan look dearer than a custom one),
    and the list's database CPU tripled. The API's sessions keep the generic plan."""
    engine = create_engine(postgres_url, PoolSettings(timeout_seconds=DATABASE_TIMEOUT_SECONDS, size=1))
    prefix = f"runner-{uuid.uuid4()}-"
    many = text(
        "INSERT INTO tasks (user_id, title, created_at, updated_at, tags) "
        "SELECT :prefix || (i % 40), 'task ' || i, now(), now(), '{}' FROM generate_series(1, 16000) AS i"
    )
    plans = text(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%string_agg%'"
    )
    try:
        runner = statement_runner(engine, timeout_seconds=DATABASE_TIMEOUT_SECONDS, max_connections=1)
        await runner.rows(many, {"prefix": prefix})
        await runner.rows(text("ANALYZE tasks, rendered_tasks, task_counts"), {})
        renderer = SqlTaskRenderer(runner)
        for n in range(30):
            assert (await renderer.page(f"{prefix}{n % 40}", TaskQuery(limit=20))).total == 400
        ((generic, custom),) = await runner.rows(plans, {})
        assert (generic, custom) == (30, 0)  # a pipelined read is prepared on its first run
    finally:
        await engine.dispose()


BACKEND = text("SELECT pg_backend_pid()")


async def _backend_pids(runner: StatementRunner, statements: int) -> set[int]:
    return {row[0] for _ in range(statements) for row in await runner.rows(BACKEND, {})}


def _terminate(postgres_url: str, pids: set[int]) -> None:
    """Kills those backends from the server's side, as a restart or an idle timeout would."""
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [list(pids)])


async def test_a_warm_pool_hands_out_its_connections_without_the_greenlet_hop(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLAlchemy's async checkout starts a greenlet per call, in case it must connect: 20 of a
    prepared SELECT 1's 80 us of client CPU here. The runner takes an open connection without it."""
    engine = create_engine(postgres_url, PoolSettings(timeout_seconds=DATABASE_TIMEOUT_SECONDS, size=2))
    through_greenlet = 0
    checkout = AsyncEngine.raw_connection

    async def counted(self: AsyncEngine) -> PoolProxiedConnection:
        nonlocal through_greenlet
        through_greenlet += 1
        return await checkout(self)

    monkeypatch.setattr(AsyncEngine, "raw_connection", counted)
    try:
        runner = statement_runner(engine, timeout_seconds=DATABASE_TIMEOUT_SECONDS, max_connections=2)
        await asyncio.gather(*(runner.rows(ONE, {}) for _ in range(2)))  # opens both connections
        opened = through_greenlet
        assert len(await _backend_pids(runner, 10)) == 2
        await asyncio.gather(*(runner.rows(ONE, {}) for _ in range(10)))
        assert (opened, through_greenlet) == (2, 2)
    finally:
        await engine.dispose()


async def test_connections_killed_on_the_server_are_reopened_and_nothing_is_logged_as_an_error(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine(postgres_url, PoolSettings(timeout_seconds=DATABASE_TIMEOUT_SECONDS, size=2))
    try:
        runner = statement_runner(engine, timeout_seconds=DATABASE_TIMEOUT_SECONDS, max_connections=2)
        first = await _backend_pids(runner, 4)
        _terminate(postgres_url, first)
        failed = 0
        for _ in range(4):  # each dead connection fails one statement (a 503), then is replaced
            try:
                await runner.rows(ONE, {})
            except StorageUnavailable:
                failed += 1
        assert failed <= len(first)
        assert not first & await _backend_pids(runner, 6)
        assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    finally:
        await engine.dispose()


async def test_a_connection_due_for_recycling_is_replaced_and_nothing_is_logged_as_an_error(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Replacing one is I/O, which the checkout without the greenlet cannot do: the runner must
    see it coming and take the greenlet's path, or the pool logs the close it could not make."""
    recycle_seconds = 2
    monkeypatch.setattr(engine_module, "RECYCLE_SECONDS", recycle_seconds)
    monkeypatch.setattr(runner_module, "RECYCLE_SECONDS", recycle_seconds)
    engine = create_engine(postgres_url, PoolSettings(timeout_seconds=DATABASE_TIMEOUT_SECONDS, size=1))
    try:
        runner = statement_runner(engine, timeout_seconds=DATABASE_TIMEOUT_SECONDS, max_connections=1)
        first = await _backend_pids(runner, 3)
        await asyncio.sleep(recycle_seconds + 0.5)
        later = await _backend_pids(runner, 3)
        assert len(later) == 1 and not first & later
        assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    finally:
        await engine.dispose()


# Its value, and the clock of the transaction it ran in.
CLOCKED = text("SELECT CAST(:n AS int), now()").execution_options(pipelined=True)


@pytest.mark.parametrize("backend", ["postgres", "pgbouncer"])
async def test_reads_marked_pipelined_at_one_moment_go_to_postgresql_together(
    backend: str, request: pytest.FixtureRequest
) -> None:
    """In one pipeline, so in PostgreSQL's one implicit transaction: one clock for all of them.
    Each still gets its own rows, though they are different users' reads."""
    engine = create_engine(
        request.getfixturevalue(f"{backend}_url"),
        PoolSettings(timeout_seconds=DATABASE_TIMEOUT_SECONDS, size=2),
    )
    try:
        runner = statement_runner(engine, timeout_seconds=DATABASE_TIMEOUT_SECONDS, max_connections=2)
        for _ in range(2):  # the second time prepared on the connection already
            answers = await asyncio.gather(*(runner.rows(CLOCKED, {"n": n}) for n in range(50)))
            assert [rows[0][0] for rows in answers] == list(range(50))
            assert len({rows[0][1] for rows in answers}) == 1
        # One by one, each in a pipeline of its own.
        alone = [(await runner.rows(CLOCKED, {"n": n}))[0] for n in range(3)]
        assert [n for n, _ in alone] == [0, 1, 2]
        assert len({clock for _, clock in alone}) == 3
    finally:
        await engine.dispose()


DIVIDED = text("SELECT 12 / CAST(:n AS int)").execution_options(pipelined=True)


async def test_a_pipelined_read_that_fails_fails_alone(postgres_url: str) -> None:
    """PostgreSQL skips the rest of a pipeline after an error: the reads after it run again."""
    engine = create_engine(postgres_url, PoolSettings(timeout_seconds=DATABASE_TIMEOUT_SECONDS, size=1))
    try:
        runner = statement_runner(engine, timeout_seconds=DATABASE_TIMEOUT_SECONDS, max_connections=1)
        values: list[object] = [4, 0, 3, object(), 0, 2]  # an object psycopg cannot send, too
        outcomes = await asyncio.gather(
            *(runner.rows(DIVIDED, {"n": n}) for n in values), return_exceptions=True
        )
        assert [tuple(outcomes[n][0]) for n in (0, 2, 5)] == [(3,), (4,), (6,)]  # type: ignore[index]
        assert all(isinstance(outcomes[n], psycopg.errors.DivisionByZero) for n in (1, 4))
        assert isinstance(outcomes[3], psycopg.ProgrammingError)
        assert [tuple(row) for row in await runner.rows(DIVIDED, {"n": 6})] == [(2,)]
    finally:
        await engine.dispose()


async def test_a_pipelined_read_cut_off_by_the_time_limit_leaves_the_pool_usable(postgres_url: str) -> None:
    engine = create_engine(postgres_url, PoolSettings(size=1, timeout_seconds=DATABASE_TIMEOUT_SECONDS))
    slow = text("SELECT pg_sleep(5)").execution_options(pipelined=True)
    try:
        runner = statement_runner(engine, timeout_seconds=0.3, max_connections=1)
        started = time.monotonic()
        outcomes = await asyncio.gather(
            runner.rows(slow, {}), runner.rows(CLOCKED, {"n": 1}), return_exceptions=True
        )
        # The quick read waited behind the slow one, in the same pipeline.
        assert all(isinstance(outcome, StorageUnavailable) for outcome in outcomes)
        assert time.monotonic() - started < 2
        for n in range(3):
            assert (await runner.rows(CLOCKED, {"n": n}))[0][0] == n
            assert [tuple(row) for row in await runner.rows(ONE, {})] == [(1,)]
    finally:
        await engine.dispose()


async def test_pipelined_reads_on_connections_killed_on_the_server_are_a_503_and_the_pool_recovers(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine(postgres_url, PoolSettings(timeout_seconds=DATABASE_TIMEOUT_SECONDS, size=2))
    try:
        runner = statement_runner(engine, timeout_seconds=DATABASE_TIMEOUT_SECONDS, max_connections=2)
        first = await _backend_pids(runner, 4)
        _terminate(postgres_url, first)
        failed = 0
        for _ in range(4):  # each dead connection fails one pipeline, then is replaced
            outcomes = await asyncio.gather(
                *(runner.rows(CLOCKED, {"n": n}) for n in range(5)), return_exceptions=True
            )
            if any(isinstance(outcome, StorageUnavailable) for outcome in outcomes):
                assert all(isinstance(outcome, StorageUnavailable) for outcome in outcomes)
                failed += 1
        assert failed <= len(first)
        assert not first & await _backend_pids(runner, 6)
        assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    finally:
        await engine.dispose()


async def test_pipelined_reads_without_prepared_statements_prepare_none(postgres_url: str) -> None:
    """As behind a PgBouncer older than 1.21 (DATABASE_PREPARED_STATEMENTS=false)."""
    settings = PoolSettings(timeout_seconds=DATABASE_TIMEOUT_SECONDS, size=1, prepared_statements=False)
    engine = create_engine(postgres_url, settings)
    try:
        runner = statement_runner(engine, timeout_seconds=DATABASE_TIMEOUT_SECONDS, max_connections=1)
        for _ in range(3):
            answers = await asyncio.gather(*(runner.rows(CLOCKED, {"n": n}) for n in range(10)))
            assert [rows[0][0] for rows in answers] == list(range(10))
        prepared = await runner.rows(text("SELECT count(*) FROM pg_prepared_statements"), {})
        assert [tuple(row) for row in prepared] == [(0,)]
    finally:
        await engine.dispose()


@pytest.mark.parametrize("backend", ["postgres", "pgbouncer"])
@pytest.mark.parametrize("psycopg_prepared", [True, False], ids=["psycopg-prepared", "nothing-prepared"])
async def test_pipelined_reads_go_on_after_a_transaction_rolls_back(
    backend: str, psycopg_prepared: bool, request: pytest.FixtureRequest
) -> None:
    """A rollback makes psycopg deallocate every prepared statement of its connection, if it had
    prepared any itself: the pipelined reads must not count on theirs (PgBouncer closes a client
    that names a statement it does not have)."""
    engine = create_engine(
        request.getfixturevalue(f"{backend}_url"),
        PoolSettings(timeout_seconds=DATABASE_TIMEOUT_SECONDS, size=1),
    )
    owner = f"runner-{uuid.uuid4()}"

    async def refused(transaction: Transaction) -> None:
        await transaction.rows(COUNTED, {"owner": owner})
        raise Refused

    try:
        runner = statement_runner(engine, timeout_seconds=DATABASE_TIMEOUT_SECONDS, max_connections=1)
        for _ in range(7 if psycopg_prepared else 0):  # past psycopg's prepare threshold of 5
            await runner.rows(COUNTED, {"owner": owner})
        for round_ in range(3):
            answers = await asyncio.gather(*(runner.rows(CLOCKED, {"n": n}) for n in range(5)))
            assert [rows[0][0] for rows in answers] == list(range(5)), round_
            with pytest.raises(Refused):
                await runner.transaction(refused)
            assert await runner.rows(COUNTED, {"owner": owner}) == []
    finally:
        await engine.dispose()

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
        assert custom == 0
        assert generic >= 20  # psycopg prepares a statement on its sixth run
    finally:
        await engine.dispose()


BACKEND = text("SELECT pg_backend_pid()")


async def _backend_pids(runner: StatementRunner, statements: int) -> set[int]:
    return {row[0] for _ in range(statements) for row in await runner.rows(BACKEND, {})}


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
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [list(first)])
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

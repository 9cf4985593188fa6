"""The runner behind the SQL store: rows, transactions, and a call that runs out of time is a 503
that spoils no connection."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import literal_column, select, text

from adapters.sql.engine import PoolSettings, create_engine
from adapters.sql.runner import PsycopgRunner, Transaction, statement_runner
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


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_a_transaction_commits_together_or_not_at_all(
    backend: str, request: pytest.FixtureRequest
) -> None:
    engine = create_engine(
        request.getfixturevalue(f"{backend}_url"),
        PoolSettings(timeout_seconds=DATABASE_TIMEOUT_SECONDS, size=2),
    )
    owner = f"runner-{uuid.uuid4()}"
    lock = text("INSERT INTO task_counts (user_id, total, completed) VALUES (:owner, 0, 0) RETURNING total")
    counted = text("SELECT total FROM task_counts WHERE user_id = :owner")
    try:
        runner = statement_runner(engine, timeout_seconds=DATABASE_TIMEOUT_SECONDS, max_connections=2)

        async def refused(transaction: Transaction) -> None:
            assert [tuple(row) for row in await transaction.rows(lock, {"owner": owner})] == [(0,)]
            raise Refused

        with pytest.raises(Refused):
            await runner.transaction(refused)
        assert await runner.rows(counted, {"owner": owner}) == []

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
        assert [tuple(row) for row in await runner.rows(counted, {"owner": owner})] == [(7,)]
    finally:
        await engine.dispose()


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

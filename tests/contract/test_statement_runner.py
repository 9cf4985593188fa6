"""The runner behind SqlTaskRepo: a call that runs out of time is a 503 and spoils no connection."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import literal_column, select, text

from adapters.sql.engine import PoolSettings, create_engine
from adapters.sql.runner import PsycopgRunner, statement_runner
from application.errors import StorageUnavailable
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

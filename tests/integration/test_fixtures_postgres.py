"""Checks that the PostgreSQL and PgBouncer test helpers give working servers."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import TypeVar

import psycopg
import pytest
from psycopg import sql

from tests.support.pgbouncer import pgbouncer
from tests.support.postgres import PostgresServer, docker_available, postgres_server

pytestmark = pytest.mark.timeout(180)

T = TypeVar("T")
POOL_SIZE = 4


@pytest.fixture(scope="module")
def pg_server() -> Iterator[PostgresServer]:
    with postgres_server() as running:
        yield running


@pytest.fixture(scope="module")
def bouncer_url(pg_server: PostgresServer) -> Iterator[str]:
    with pgbouncer(pg_server, pool_mode="transaction", default_pool_size=POOL_SIZE) as url:
        yield url


def needs_restart(pg_server: PostgresServer) -> None:
    if not pg_server.supports_restart:
        pytest.skip("stop()/start() only work for a locally launched server")


def retry(action: Callable[[], T], seconds: float = 10.0) -> T:
    """Run action until it stops raising OperationalError (PgBouncer backs off after an outage)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return action()
        except psycopg.OperationalError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.1)


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def test_server_answers_select_one(pg_server: PostgresServer) -> None:
    with psycopg.connect(pg_server.url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_url_is_plain_libpq_with_app_credentials(pg_server: PostgresServer) -> None:
    assert pg_server.url.startswith("postgresql://")
    assert "+" not in pg_server.url.split("://", 1)[0]
    assert pg_server.url.endswith(f"/{pg_server.dbname}")
    with psycopg.connect(pg_server.url) as conn:
        row = conn.execute("SELECT current_user, current_database()").fetchone()
    assert row == (pg_server.user, pg_server.dbname)


def test_create_and_drop_database(pg_server: PostgresServer) -> None:
    name = unique("fixture_db")
    url = pg_server.create_database(name)
    try:
        with psycopg.connect(url) as conn:
            conn.execute("CREATE TABLE t (id int PRIMARY KEY)")
            conn.execute("INSERT INTO t VALUES (1)")
            row = conn.execute("SELECT current_database(), count(*) FROM t").fetchone()
        assert row == (name, 1)
    finally:
        pg_server.drop_database(name)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=5).close()


def test_stop_refuses_connections_and_start_keeps_committed_data(pg_server: PostgresServer) -> None:
    needs_restart(pg_server)
    table = sql.Identifier(unique("survivor"))
    with psycopg.connect(pg_server.url) as conn:
        conn.execute(sql.SQL("CREATE TABLE {} (id int PRIMARY KEY, note text)").format(table))
        conn.execute(sql.SQL("INSERT INTO {} VALUES (1, 'committed before the stop')").format(table))

    pg_server.stop()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(pg_server.url, connect_timeout=2).close()

    pg_server.start()
    with psycopg.connect(pg_server.url) as conn:
        rows = conn.execute(sql.SQL("SELECT id, note FROM {}").format(table)).fetchall()
        conn.execute(sql.SQL("DROP TABLE {}").format(table))
    assert rows == [(1, "committed before the stop")]


def test_stop_and_start_are_refused_for_an_external_server(
    pg_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "TEST_DATABASE_URL", pg_server.url.replace("postgresql://", "postgresql+psycopg://", 1)
    )
    with postgres_server() as external:
        assert external.url == pg_server.url
        assert not external.supports_restart
        with pytest.raises(RuntimeError, match="stop"):
            external.stop()
        with pytest.raises(RuntimeError, match="start"):
            external.start()
        with psycopg.connect(external.url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        name = unique("external_db")
        url = external.create_database(name)
        try:
            with psycopg.connect(url) as conn:
                assert conn.execute("SELECT current_database()").fetchone() == (name,)
        finally:
            external.drop_database(name)


def test_docker_probe_is_fast() -> None:
    started = time.monotonic()
    docker_available()
    assert time.monotonic() - started < 3


def test_pgbouncer_is_in_transaction_mode(bouncer_url: str) -> None:
    # In session mode the extra idle client would wait for a free server
    # connection until query_wait_timeout and fail.
    conns = [
        psycopg.connect(bouncer_url, autocommit=True, prepare_threshold=None) for _ in range(POOL_SIZE + 1)
    ]
    try:
        for conn in conns:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        for conn in conns:
            conn.close()


def test_pgbouncer_forwards_created_databases(pg_server: PostgresServer, bouncer_url: str) -> None:
    name = unique("bounced_db")
    pg_server.create_database(name)
    try:
        url = bouncer_url.rsplit("/", 1)[0] + f"/{name}"
        with psycopg.connect(url, prepare_threshold=None) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == (name,)
    finally:
        pg_server.drop_database(name)


def test_pgbouncer_recovers_after_upstream_restart(pg_server: PostgresServer, bouncer_url: str) -> None:
    needs_restart(pg_server)
    with psycopg.connect(bouncer_url, prepare_threshold=None) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)

    pg_server.stop()
    pg_server.start()

    def query() -> tuple[int, ...] | None:
        with psycopg.connect(bouncer_url, prepare_threshold=None, connect_timeout=5) as conn:
            return conn.execute("SELECT 1").fetchone()

    assert retry(query) == (1,)

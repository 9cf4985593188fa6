"""Server-side prepared statements through PgBouncer in transaction mode, as through Neon's pooler.

PgBouncer 1.18 fails these: clients sharing a server connection collide on psycopg's
statement names ('prepared statement "_pg3_0" already exists' or 'does not exist').
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from tests.support.pgbouncer import pgbouncer
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.timeout(120)

CLIENTS = 6
RUNS = 10
QUERY = "SELECT %s::int * 1000 + %s::int AS answer"


@pytest.fixture(scope="module")
def shared_bouncer_url(postgres: PostgresServer) -> Iterator[str]:
    # One server connection: every client shares it, so PgBouncer must track each client's statements.
    with pgbouncer(postgres, pool_mode="transaction", default_pool_size=1) as url:
        yield url


def test_psycopg_default_prepares_through_pgbouncer(shared_bouncer_url: str) -> None:
    def client(worker: int) -> None:
        with psycopg.connect(shared_bouncer_url, autocommit=True) as conn:
            assert conn.prepare_threshold == 5  # psycopg's default: prepare after 5 runs
            for n in range(RUNS):
                assert conn.execute(QUERY, (worker, n)).fetchone() == (worker * 1000 + n,)
            for n in range(RUNS):
                with conn.transaction():
                    assert conn.execute(QUERY, (worker, n)).fetchone() == (worker * 1000 + n,)

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(client, range(CLIENTS)))

    # The only server connection holds the statement, under PgBouncer's own name.
    with psycopg.connect(shared_bouncer_url, autocommit=True, prepare_threshold=None) as conn:
        rows = conn.execute("SELECT name, statement FROM pg_prepared_statements").fetchall()
    statements = [statement for _, statement in rows]
    assert any("::int * 1000 +" in statement for statement in statements), rows

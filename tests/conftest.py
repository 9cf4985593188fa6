"""Session-wide real parts (one PostgreSQL server, migrated databases, running API servers),
and the composition root with in-memory parts for the fast tiers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.sql.migrate import upgrade_to_latest
from entrypoints.container import Container
from tests.support.api_server import ApiServer, api_server
from tests.support.memory import FixedClock, build_memory_container
from tests.support.pgbouncer import find_pgbouncer, pgbouncer, supports_prepared_statements
from tests.support.postgres import PostgresServer, postgres_server


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_url(postgres: PostgresServer) -> str:
    """A migrated database shared by the session; tests keep apart by using fresh user ids."""
    url = postgres.create_database(f"todo_{uuid.uuid4().hex[:12]}")
    upgrade_to_latest(url)
    return url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'todo.db'}"
    upgrade_to_latest(url)
    return url


@pytest.fixture(scope="session")
def pgbouncer_url(postgres: PostgresServer, postgres_url: str) -> Iterator[str]:
    """The shared database through PgBouncer in transaction mode, as Neon's pooled URLs are.

    With server-side prepared statements on (max_prepared_statements), as Neon's pooler has them.
    """
    binary = find_pgbouncer()
    if not supports_prepared_statements(binary):
        # No fallback to prepare_threshold=None: the suite must test prepared statements through a pooler.
        pytest.fail(
            f"{binary} is older than PgBouncer 1.21 and cannot keep prepared statements in "
            "transaction mode; build 1.24 with: bash scripts/build-pgbouncer.sh (make system-packages)"
        )
    with pgbouncer(postgres, pool_mode="transaction") as url:
        yield url.rsplit("/", 1)[0] + "/" + postgres_url.rsplit("/", 1)[1]


# Extra server settings per backend. None for "pgbouncer": it runs with the default,
# DATABASE_PREPARED_STATEMENTS on (psycopg prepares a statement after 5 runs), which
# pgbouncer_url makes sure its PgBouncer (>= 1.21) supports.
_BACKEND_SETTINGS: dict[str, dict[str, str]] = {}


@pytest.fixture(scope="session", params=["postgres", "sqlite", "pgbouncer"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """The real server over real HTTP: on PostgreSQL, on the embedded SQLite, and through PgBouncer."""
    backend = request.param
    database_url = request.getfixturevalue(f"{backend}_url")
    settings = _BACKEND_SETTINGS.get(backend, {})
    with api_server(database_url, tmp_path_factory.mktemp(f"server-{backend}"), **settings) as running:
        yield running


@pytest.fixture
def user_id() -> str:
    return f"user-{uuid.uuid4()}"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def fixed_clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def memory_container(fixed_clock: FixedClock) -> Container:
    """The production container, its task repository in memory and its clock at `fixed_clock`."""
    return build_memory_container(fixed_clock)

"""Session-wide real parts: one PostgreSQL server, migrated databases, and running API servers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.sql.migrate import upgrade_to_latest
from tests.support.api_server import ApiServer, api_server
from tests.support.postgres import PostgresServer, postgres_server


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_url(postgres: PostgresServer) -> str:
    """A migrated database shared by the session; tests keep apart by using fresh user ids."""
    url = postgres.create_database("todo_shared")
    upgrade_to_latest(url)
    return url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'todo.db'}"
    upgrade_to_latest(url)
    return url


@pytest.fixture(scope="session", params=["postgres", "sqlite"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiServer]:
    """The real server over real HTTP, once on PostgreSQL and once on the embedded SQLite."""
    database_url = request.getfixturevalue(f"{request.param}_url")
    with api_server(database_url, tmp_path_factory.mktemp(f"server-{request.param}")) as running:
        yield running


@pytest.fixture
def user_id() -> str:
    return f"user-{uuid.uuid4()}"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path

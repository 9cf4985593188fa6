"""/readyz tells the truth about the schema: 503 naming `todo-api migrate` until it is migrated."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import httpx
import pytest
from alembic import command

from adapters.sql.migrate import alembic_config
from tests.api.helpers import assert_problem
from tests.support.api_server import TODO_API, api_server

MIGRATE_HINT = "todo-api migrate"


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database no migration has touched."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'never-migrated.db'}"
    postgres = request.getfixturevalue("postgres")
    url: str = postgres.create_database(f"todo_unmigrated_{uuid.uuid4().hex[:12]}")
    return url


def _assert_not_ready(client: httpx.Client) -> None:
    body = assert_problem(client.get("/readyz"), 503)
    assert MIGRATE_HINT in body["detail"]


def test_readyz_says_to_migrate_until_the_schema_is_current(empty_database: str, tmp_path: Path) -> None:
    with (
        api_server(empty_database, tmp_path, migrate=False) as server,
        httpx.Client(base_url=server.base_url, timeout=10) as client,
    ):
        # serve said so at start-up, as a warning, and served anyway.
        warnings = [record for record in server.log_records() if record["level"] == "warning"]
        assert any(MIGRATE_HINT in record["message"] for record in warnings), server.log()
        _assert_not_ready(client)
        # Any other route on the missing tables says the same, rather than a 500.
        with server.client("reader") as reader:
            assert MIGRATE_HINT in assert_problem(reader.get("/api/tasks"), 503)["detail"]

        migrated = subprocess.run([TODO_API, "migrate"], env=server.env, cwd=tmp_path, capture_output=True)
        assert migrated.returncode == 0, migrated.stderr
        assert client.get("/readyz").status_code == 200  # no restart needed

        command.downgrade(alembic_config(empty_database), "-1")
        _assert_not_ready(client)

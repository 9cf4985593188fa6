"""A server whose PostgreSQL database went away: alive, not ready, and honest about it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from adapters.sql.migrate import upgrade_to_latest
from tests.api.helpers import api_client, assert_problem
from tests.support.api_server import ApiServer, api_server
from tests.support.postgres import PostgresServer

ANSWER_WITHIN_SECONDS = 5


@pytest.fixture(scope="module")
def orphan_server(postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """Started on a migrated database (serve refuses to start without one), which is then dropped."""
    name = f"todo_orphan_{uuid.uuid4().hex[:12]}"
    database_url = postgres.create_database(name)
    upgrade_to_latest(database_url)
    with api_server(database_url, tmp_path_factory.mktemp("database-down"), migrate=False) as running:
        postgres.drop_database(name)
        running.extra["database"] = name
        yield running


@pytest.fixture
def orphan_client(orphan_server: ApiServer, user_id: str) -> Iterator[httpx.Client]:
    with api_client(orphan_server, user_id) as client:
        yield client


def _timed(client: httpx.Client, method: str, url: str) -> httpx.Response:
    started = time.monotonic()
    response = client.request(method, url, json={"title": "x"} if method == "POST" else None)
    assert time.monotonic() - started < ANSWER_WITHIN_SECONDS
    return response


def test_healthz_does_not_touch_the_database(orphan_client: httpx.Client) -> None:
    response = _timed(orphan_client, "GET", "/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("method", "url"),
    [("GET", "/readyz"), ("GET", "/api/tasks"), ("POST", "/api/tasks"), ("GET", "/api/tasks/1")],
)
def test_without_a_database_the_answer_is_503_with_retry_after(
    orphan_client: httpx.Client, method: str, url: str
) -> None:
    response = _timed(orphan_client, method, url)
    assert_problem(response, 503)
    assert int(response.headers["retry-after"]) > 0


def test_authentication_is_still_checked_first(orphan_server: ApiServer) -> None:
    with api_client(orphan_server) as anonymous:
        assert _timed(anonymous, "GET", "/api/tasks").status_code == 401


def test_the_log_says_which_database_failed_and_why(
    postgres: PostgresServer, orphan_server: ApiServer, orphan_client: httpx.Client
) -> None:
    assert _timed(orphan_client, "GET", "/readyz").status_code == 503
    name = orphan_server.extra["database"]
    messages = [record["message"] for record in orphan_server.log_records()]
    failures = [message for message in messages if message.startswith("database unavailable")]
    assert failures, orphan_server.log()
    # The host, port and database, and PostgreSQL's own words; never the URL with its credentials.
    assert f"{postgres.host}:{postgres.port}/{name}" in failures[-1]
    assert f'database "{name}" does not exist' in failures[-1]
    assert "://" not in failures[-1]

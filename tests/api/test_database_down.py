"""A server whose PostgreSQL does not answer: alive, not ready, and honest about it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.api.helpers import api_client, assert_problem
from tests.support.api_server import ApiServer, api_server
from tests.support.net import free_port

ANSWER_WITHIN_SECONDS = 5


@pytest.fixture(scope="module")
def orphan_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    unreachable = f"postgresql://todo:todo@127.0.0.1:{free_port()}/todo"
    workdir = tmp_path_factory.mktemp("database-down")
    with api_server(unreachable, workdir, migrate=False) as running:
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

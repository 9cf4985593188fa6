"""MAX_TASKS_PER_USER over real HTTP: a create or a recurring completion past it is 409, changing nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.api.helpers import api_client, assert_problem, create_task, fetch
from tests.support.api_server import ApiServer, api_server

LIMIT = 3
RECURRING: dict[str, Any] = {"due": {"date": "2030-01-07"}, "recurrence": "FREQ=WEEKLY"}


@pytest.fixture(scope="module", params=["postgres", "sqlite", "pgbouncer"])
def small_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiServer]:
    """A server of its own on each backend, allowing each user three tasks."""
    database_url = request.getfixturevalue(f"{request.param}_url")
    workdir = tmp_path_factory.mktemp(f"quota-{request.param}")
    with api_server(database_url, workdir, MAX_TASKS_PER_USER=str(LIMIT)) as running:
        yield running


@pytest.fixture
def client(small_server: ApiServer, user_id: str) -> Iterator[httpx.Client]:
    with api_client(small_server, user_id) as signed_in:
        yield signed_in


def fill(client: httpx.Client, count: int, **fields: Any) -> list[dict[str, Any]]:
    return [create_task(client, **{"title": f"task {n}", **fields}) for n in range(count)]


def assert_quota_exceeded(response: httpx.Response) -> None:
    body = assert_problem(response, 409)
    assert body["type"].endswith("/quota-exceeded"), body


def test_me_tells_the_limit(client: httpx.Client) -> None:
    assert client.get("/api/me").json()["tasks"] == {"total": 0, "completed": 0, "limit": LIMIT}


def test_a_create_past_the_limit_is_409_and_creates_nothing(client: httpx.Client) -> None:
    fill(client, LIMIT)
    assert_quota_exceeded(client.post("/api/tasks", json={"title": "one too many"}))
    assert client.get("/api/tasks").headers["x-total-count"] == str(LIMIT)


def test_the_limit_is_per_user(client: httpx.Client, small_server: ApiServer, stranger_id: str) -> None:
    fill(client, LIMIT)
    with api_client(small_server, stranger_id) as other:
        assert other.post("/api/tasks", json={"title": "mine"}).status_code == 201


def test_deleting_makes_room_again(client: httpx.Client) -> None:
    first, *_ = fill(client, LIMIT)
    assert client.delete(f"/api/tasks/{first['id']}").status_code == 204
    assert client.post("/api/tasks", json={"title": "fits"}).status_code == 201


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/api/tasks/{id}", {"completed": True}),
        ("PUT", "/api/tasks/{id}", {"completed": True}),
        ("PATCH", "/api/tasks/{id}/complete", {"completed": True}),
        ("PATCH", "/api/tasks/{id}/complete", None),
    ],
    ids=["PATCH", "PUT", "complete", "complete-toggle"],
)
def test_a_recurring_completion_past_the_limit_is_409_and_changes_nothing(
    client: httpx.Client, method: str, path: str, body: dict[str, Any] | None
) -> None:
    recurring, *_ = fill(client, LIMIT, **RECURRING)
    assert_quota_exceeded(client.request(method, path.format(id=recurring["id"]), json=body))
    assert fetch(client, recurring["id"]).json() == recurring
    assert client.get("/api/tasks").headers["x-total-count"] == str(LIMIT)


def test_a_plain_completion_at_the_limit_is_fine(client: httpx.Client) -> None:
    plain, *_ = fill(client, LIMIT)
    assert client.patch(f"/api/tasks/{plain['id']}", json={"completed": True}).status_code == 200


def test_complete_all_is_never_refused_and_may_pass_the_limit(client: httpx.Client) -> None:
    fill(client, LIMIT, **RECURRING)
    assert client.post("/api/tasks/complete-all").json() == {"completed": LIMIT}
    assert client.get("/api/me").json()["tasks"] == {"total": 2 * LIMIT, "completed": LIMIT, "limit": LIMIT}
    assert_quota_exceeded(client.post("/api/tasks", json={"title": "still over"}))

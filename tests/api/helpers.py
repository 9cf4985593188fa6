"""Assertions and small actions shared by the HTTP API tests."""

from __future__ import annotations

import re
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.support.api_server import TEST_SECRET, ApiServer

PROBLEM_JSON = "application/problem+json"
V1_TASK_FIELDS = {"id", "title", "description", "completed", "created_at", "updated_at"}
V2_TASK_FIELDS = {
    "priority",
    "tags",
    "due",
    "recurrence",
    "repeat_from",
    "remind_at",
    "completed_at",
    "next_occurrence_id",
}
TASK_FIELDS = V1_TASK_FIELDS | V2_TASK_FIELDS
# What a task created with only v1 fields reads as in v2.
V2_DEFAULTS = {
    "priority": "none",
    "tags": [],
    "due": None,
    "recurrence": None,
    "repeat_from": "due",
    "remind_at": None,
    "next_occurrence_id": None,
}
WEAK_ETAG = re.compile(r'W/"([0-9]+)"')
# The largest id a BIGINT holds; no test ever creates that many tasks.
MISSING_TASK_ID = 2**63 - 1
# What must never reach a client: traces, SQL, driver names, the secret.
LEAK_MARKERS = (
    "Traceback",
    'File "',
    "sqlalchemy",
    "psycopg",
    "sqlite3",
    "SELECT ",
    "INSERT INTO",
    "UPDATE tasks",
    "DELETE FROM",
    TEST_SECRET,
)
JsonBody = dict[str, Any] | None

# Building an SSL context costs ~0.1 s per client; every client here speaks plain HTTP anyway.
_SHARED_SSL_CONTEXT = ssl.create_default_context()

one_backend = pytest.mark.parametrize("server", ["sqlite"], indirect=True)
"""For behaviour settled before any database is reached: running it per backend would prove nothing more."""


@dataclass(frozen=True)
class Operation:
    """One request on a single task; `path` is formatted with the task id."""

    method: str
    path: str
    body: JsonBody = None

    def send(self, client: httpx.Client, task_id: int | str, **headers: str) -> httpx.Response:
        url = self.path.format(id=task_id)
        return client.request(self.method, url, json=self.body, headers=headers)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


GET_ONE = Operation("GET", "/api/tasks/{id}")
PUT = Operation("PUT", "/api/tasks/{id}", {"title": "changed by put"})
PATCH = Operation("PATCH", "/api/tasks/{id}", {"title": "changed by patch"})
COMPLETE_SET = Operation("PATCH", "/api/tasks/{id}/complete", {"completed": True})
COMPLETE_TOGGLE = Operation("PATCH", "/api/tasks/{id}/complete")
DELETE = Operation("DELETE", "/api/tasks/{id}")
ONE_TASK_OPERATIONS = [GET_ONE, PUT, PATCH, COMPLETE_SET, COMPLETE_TOGGLE, DELETE]
WRITE_OPERATIONS = [PUT, PATCH, COMPLETE_SET, COMPLETE_TOGGLE, DELETE]
EVERY_API_ROUTE = [
    Operation("GET", "/api/tasks"),
    Operation("POST", "/api/tasks", {"title": "x"}),
    *ONE_TASK_OPERATIONS,
    Operation("GET", "/api/me"),
    Operation("GET", "/api/tags"),
    Operation("POST", "/api/tasks/clear-completed"),
    Operation("POST", "/api/tasks/complete-all"),
]


def api_client(server: ApiServer, user_id: str | None = None, **claims: object) -> httpx.Client:
    """Like `server.client`, without the cost of a fresh SSL context per client."""
    headers = {"Authorization": f"Bearer {server.token(user_id, **claims)}"} if user_id else {}
    return httpx.Client(base_url=server.base_url, headers=headers, timeout=10, verify=_SHARED_SSL_CONTEXT)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def media_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip()


def assert_leaks_nothing(response: httpx.Response) -> None:
    for marker in LEAK_MARKERS:
        assert marker not in response.text, f"{marker!r} leaked to the client: {response.text}"


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """An RFC 9457 body with the four members, the right status, and nothing leaked."""
    assert response.status_code == status, response.text
    assert media_type(response) == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status
    for member in ("type", "title", "detail"):
        assert isinstance(body[member], str) and body[member].strip(), f"{member} is empty: {body}"
    assert_leaks_nothing(response)
    return body


def assert_invalid(response: httpx.Response, field: str | None = None) -> list[dict[str, Any]]:
    """A 422 problem whose `errors` list each problem (and names `field`, when given)."""
    body = assert_problem(response, 422)
    errors = body["errors"]
    assert isinstance(errors, list) and errors, body
    for error in errors:
        assert isinstance(error["loc"], list) and isinstance(error["msg"], str) and error["msg"], error
    if field is not None:
        assert any(field in error["loc"] for error in errors), f"no error names {field!r}: {errors}"
    return errors


def assert_unauthorized(response: httpx.Response, *, token_presented: bool) -> None:
    assert_problem(response, 401)
    challenge = response.headers.get("www-authenticate", "")
    assert challenge.lower().startswith("bearer"), challenge
    if token_presented:
        assert 'error="invalid_token"' in challenge, challenge


def create_task(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/tasks", json={"title": "a task", **fields})
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


def fetch(client: httpx.Client, task_id: int) -> httpx.Response:
    response = client.get(f"/api/tasks/{task_id}")
    assert response.status_code == 200, response.text
    return response


def list_tasks(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/tasks", params=params)
    assert response.status_code == 200, response.text
    tasks: list[dict[str, Any]] = response.json()
    return tasks


def titles(tasks: list[dict[str, Any]]) -> list[str]:
    return [task["title"] for task in tasks]


def parse_time(value: str) -> datetime:
    """An RFC 3339 UTC time as the contract shows it: ending in Z."""
    assert isinstance(value, str) and value.endswith("Z"), value
    moment = datetime.fromisoformat(value)
    assert moment.utcoffset() == timedelta(0), value
    return moment


def assert_recent(value: str) -> None:
    """Within a minute of now: a local time mislabelled as UTC would be hours off."""
    assert abs(parse_time(value) - datetime.now(UTC)) < timedelta(minutes=1), value


def next_millisecond() -> None:
    """Stored times have millisecond resolution; let one pass so an edit gets a later time."""
    time.sleep(0.005)

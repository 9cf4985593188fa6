"""Every route's status codes and problem bodies, in process on the in-memory container."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from entrypoints.http.app import create_app
from tests.api.helpers import (
    EVERY_API_ROUTE,
    MISSING_TASK_ID,
    ONE_TASK_OPERATIONS,
    TASK_FIELDS,
    WRITE_OPERATIONS,
    Operation,
    assert_invalid,
    assert_problem,
    assert_unauthorized,
    bearer,
    media_type,
)
from tests.support.memory import FixedClock, build_memory_container, memory_settings

JSON = {"Content-Type": "application/json"}
OVER_64_KIB = b" " * (64 * 1024 + 1)


async def send(
    client: httpx.AsyncClient, operation: Operation, task_id: int | str, **headers: str
) -> httpx.Response:
    url = operation.path.format(id=task_id)
    return await client.request(operation.method, url, json=operation.body, headers=headers)


async def create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/api/tasks", json={"title": "a task", **fields})
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


async def test_create_is_201_with_the_task(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/tasks", json={"title": " Buy milk ", "description": "2 l"})
    assert response.status_code == 201, response.text
    assert media_type(response) == "application/json"
    task = response.json()
    assert set(task) == TASK_FIELDS
    assert (task["title"], task["description"], task["completed"]) == ("Buy milk", "2 l", False)
    assert task["created_at"] == task["updated_at"] == "2026-11-26T10:00:00.000Z"


async def test_reads_are_200(client: httpx.AsyncClient) -> None:
    task = await create(client, title="read me")
    one = await client.get(f"/api/tasks/{task['id']}")
    assert one.status_code == 200
    assert one.json() == task
    listed = await client.get("/api/tasks")
    assert listed.status_code == 200
    assert listed.json() == [task]


@pytest.mark.parametrize("operation", WRITE_OPERATIONS[:-1], ids=str)
async def test_writes_are_200_with_the_changed_task(client: httpx.AsyncClient, operation: Operation) -> None:
    task = await create(client, title="before")
    response = await send(client, operation, task["id"])
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["id"] == task["id"]
    assert changed != task
    assert (await client.get(f"/api/tasks/{task['id']}")).json() == changed


async def test_delete_is_204_with_no_body_and_the_task_is_gone(client: httpx.AsyncClient) -> None:
    task = await create(client)
    response = await client.delete(f"/api/tasks/{task['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(await client.get(f"/api/tasks/{task['id']}"), 404)


async def test_me_is_200_with_the_callers_id(client: httpx.AsyncClient, user_id: str) -> None:
    response = await client.get("/api/me")
    assert response.status_code == 200
    assert response.json() == {
        "user_id": user_id,
        "email": None,
        "name": None,
        "tasks": {"total": 0, "completed": 0, "limit": 10000},
    }


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
async def test_health_is_200_without_a_token(anonymous: httpx.AsyncClient, path: str) -> None:
    response = await anonymous.get(path)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("operation", ONE_TASK_OPERATIONS, ids=str)
async def test_no_such_task_is_404(client: httpx.AsyncClient, operation: Operation) -> None:
    body = assert_problem(await send(client, operation, MISSING_TASK_ID), 404)
    assert body["detail"] == "No such task."


# Only digits name a task; an integer out of range (1 to 2**63 - 1) is a 422 naming the id.
@pytest.mark.parametrize(
    ("task_id", "status"), [("abc", 404), ("-1", 404), ("1.5", 404), ("0", 422), (str(2**63), 422)]
)
@pytest.mark.parametrize("operation", ONE_TASK_OPERATIONS, ids=str)
async def test_a_path_id_that_is_not_a_task_id_is_404_or_422(
    client: httpx.AsyncClient, operation: Operation, task_id: str, status: int
) -> None:
    response = await send(client, operation, task_id)
    assert_problem(response, status)
    if status == 422:
        assert_invalid(response, "task_id")


@pytest.mark.parametrize("path", ["/api/tasks/clear-completed", "/api/tasks/complete-all"])
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
async def test_the_bulk_routes_take_only_post(client: httpx.AsyncClient, path: str, method: str) -> None:
    response = await client.request(method, path)
    assert_problem(response, 405)
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize("operation", ONE_TASK_OPERATIONS, ids=str)
async def test_another_users_task_is_the_same_404(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient, operation: Operation
) -> None:
    task = await create(client, title="mine")
    body = assert_problem(await send(stranger, operation, task["id"]), 404)
    assert body["detail"] == "No such task."
    assert (await client.get(f"/api/tasks/{task['id']}")).json() == task


@pytest.mark.parametrize("if_match", ['W/"2"', '"9"', "garbage", 'W/"0"'])
@pytest.mark.parametrize("operation", WRITE_OPERATIONS, ids=str)
async def test_a_stale_or_malformed_if_match_is_412_and_changes_nothing(
    client: httpx.AsyncClient, operation: Operation, if_match: str
) -> None:
    task = await create(client)
    assert_problem(await send(client, operation, task["id"], **{"If-Match": if_match}), 412)
    assert (await client.get(f"/api/tasks/{task['id']}")).json() == task


@pytest.mark.parametrize("operation", WRITE_OPERATIONS, ids=str)
async def test_the_current_if_match_is_honoured(client: httpx.AsyncClient, operation: Operation) -> None:
    task = await create(client)
    response = await send(client, operation, task["id"], **{"If-Match": 'W/"1"'})
    assert response.status_code in {200, 204}, response.text


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/api/tasks", {"title": ""}, "title"),
        ("POST", "/api/tasks", {"title": "x" * 201}, "title"),
        ("POST", "/api/tasks", {"title": "t", "completed": "yes"}, "completed"),
        ("PUT", "/api/tasks/{id}", {"title": "   "}, "title"),
        ("PATCH", "/api/tasks/{id}", {"title": None}, "title"),
        ("PATCH", "/api/tasks/{id}/complete", {"completed": "maybe"}, "completed"),
        ("GET", "/api/tasks?limit=0", None, "limit"),
        ("GET", "/api/tasks?status=done", None, "status"),
        ("GET", "/api/tasks?sort=owner", None, "sort"),
    ],
)
async def test_invalid_input_is_422_naming_the_field(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None, field: str
) -> None:
    task = await create(client)
    response = await client.request(method, path.format(id=task["id"]), json=body)
    assert_invalid(response, field)


@pytest.mark.parametrize("raw", [b'{"title": "unclosed', b"\xff\xfe", b"[]", b""])
async def test_a_body_that_is_not_a_task_object_is_422(client: httpx.AsyncClient, raw: bytes) -> None:
    assert_invalid(await client.post("/api/tasks", content=raw, headers=JSON))


@pytest.mark.parametrize("operation", EVERY_API_ROUTE, ids=str)
async def test_no_token_is_401(anonymous: httpx.AsyncClient, operation: Operation) -> None:
    assert_unauthorized(await send(anonymous, operation, 1), token_presented=False)


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c"])
@pytest.mark.parametrize("operation", EVERY_API_ROUTE, ids=str)
async def test_a_bad_token_is_401(anonymous: httpx.AsyncClient, operation: Operation, token: str) -> None:
    assert_unauthorized(await send(anonymous, operation, 1, **bearer(token)), token_presented=True)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/tasks"),
        ("PUT", "/api/tasks/1"),
        ("PATCH", "/api/tasks/1"),
        ("PATCH", "/api/tasks/1/complete"),
    ],
)
async def test_a_bad_token_with_a_malformed_body_is_401_not_422(
    anonymous: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await anonymous.request(
        method, path, content=b'{"title": ', headers={**JSON, **bearer("x.y.z")}
    )
    assert_unauthorized(response, token_presented=True)


async def test_no_token_with_an_invalid_query_is_401_not_422(anonymous: httpx.AsyncClient) -> None:
    assert_unauthorized(await anonymous.get("/api/tasks?limit=0"), token_presented=False)


async def test_a_body_over_64_kib_is_413_and_stores_nothing(client: httpx.AsyncClient) -> None:
    assert_problem(await client.post("/api/tasks", content=OVER_64_KIB, headers=JSON), 413)
    assert (await client.get("/api/tasks")).json() == []


async def test_a_streamed_body_over_64_kib_is_413(client: httpx.AsyncClient) -> None:
    async def chunks() -> Any:
        for _ in range(65):
            yield b" " * 1024

    assert_problem(await client.post("/api/tasks", content=chunks(), headers=JSON), 413)


async def test_a_body_of_64_kib_is_read(client: httpx.AsyncClient) -> None:
    body = b'{"title": "t"}'
    padded = body + b" " * (64 * 1024 - len(body))
    assert (await client.post("/api/tasks", content=padded, headers=JSON)).status_code == 201


async def test_a_body_over_64_kib_is_413_before_the_token_is_checked(anonymous: httpx.AsyncClient) -> None:
    assert_problem(await anonymous.post("/api/tasks", content=OVER_64_KIB, headers=JSON), 413)


@pytest.mark.parametrize(("method", "path"), [("POST", "/api/tasks/1"), ("POST", "/healthz")])
async def test_a_wrong_method_is_405(client: httpx.AsyncClient, method: str, path: str) -> None:
    assert_problem(await client.request(method, path), 405)


@pytest.mark.parametrize("path", ["/api/nothing-here", "/nothing-here"])
async def test_an_unknown_path_is_404(client: httpx.AsyncClient, path: str) -> None:
    assert_problem(await client.get(path), 404)


async def test_building_and_serving_opens_no_database(tmp_path: Path, user_id: str) -> None:
    database = tmp_path / "todo.db"
    container = build_memory_container(FixedClock(), memory_settings(f"sqlite:///{database}"))
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as anonymous:
        assert (await anonymous.get("/readyz")).status_code == 200
    assert not database.exists()

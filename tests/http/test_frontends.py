"""What public Next.js + Better Auth frontends send, served as it comes; in process."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.api.helpers import assert_invalid, assert_problem, assert_unauthorized
from tests.support.frontends import (
    COMPLETE_SET,
    COMPLETE_TOGGLE,
    DELETE,
    EVERY_CALL,
    GET_ONE,
    LIST,
    LIST_PARAMETERS,
    ONE_TASK_CALLS,
    PARTIAL_PUT,
    QUERY_HINTS,
    Call,
    problem_type,
    tasks_prefix,
)
from tests.support.memory import asgi_client


async def create(client: httpx.AsyncClient, prefix: str = "/api", **fields: Any) -> dict[str, Any]:
    response = await client.post(f"{prefix}/tasks", json={"title": "a task", **fields})
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


async def send(
    client: httpx.AsyncClient, call: Call, prefix: str, task_id: int | str = "", *, slash: bool = False
) -> httpx.Response:
    return await client.request(call.method, call.url(prefix, task_id, slash=slash), json=call.body)


async def the_same_call_on_api_tasks(client: httpx.AsyncClient, call: Call) -> httpx.Response:
    """The answer `/api/tasks…` gives to the same call, on a task made the same way."""
    task = await create(client, title="twin")
    return await send(client, call, "/api", task["id"])


def comparable(response: httpx.Response) -> tuple[int, Any]:
    body = response.json() if response.content else None
    if isinstance(body, dict):
        body = {key: value for key, value in body.items() if key not in {"id", "title", "created_at"}}
    return response.status_code, body


@pytest.mark.parametrize("call", ONE_TASK_CALLS, ids=str)
async def test_each_call_on_the_hackathon_path_acts_as_on_api_tasks(
    client: httpx.AsyncClient, user_id: str, call: Call
) -> None:
    task = await create(client)
    response = await send(client, call, tasks_prefix(user_id), task["id"])
    assert response.status_code == call.status, response.text
    twin = await the_same_call_on_api_tasks(client, call)
    assert comparable(response) == comparable(twin)
    after = await client.get(f"/api/tasks/{task['id']}")
    assert after.status_code == (404 if call is DELETE else 200)


async def test_the_list_on_the_hackathon_path_is_the_callers(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient, user_id: str
) -> None:
    mine = [await create(client, title=title) for title in ("one", "two")]
    await create(stranger, title="theirs")
    response = await client.get(f"{tasks_prefix(user_id)}/tasks", params={"sort": "title", "limit": 1})
    assert response.status_code == 200
    assert response.json() == [mine[0]]
    assert response.headers["x-total-count"] == "2"


async def test_a_create_on_the_hackathon_path_answers_a_location_in_that_form(
    client: httpx.AsyncClient, user_id: str
) -> None:
    prefix = tasks_prefix(user_id)
    response = await client.post(f"{prefix}/tasks", json={"title": "from the spec"})
    assert response.status_code == 201, response.text
    task = response.json()
    assert response.headers["location"] == f"{prefix}/tasks/{task['id']}"
    assert (await client.get(response.headers["location"])).json() == task
    assert (await client.get(f"/api/tasks/{task['id']}")).json() == task


async def test_a_user_id_that_needs_escaping_is_matched_decoded(app: FastAPI) -> None:
    user_id = "team/alice smith+1@example.com"
    async with asgi_client(app, user_id) as client:
        prefix = tasks_prefix(user_id)
        assert "%2F" in prefix
        created = await client.post(f"{prefix}/tasks", json={"title": "escaped"})
        assert created.status_code == 201, created.text
        assert created.headers["location"] == f"{prefix}/tasks/{created.json()['id']}"
        listed = await client.get(f"{prefix}/tasks")
        assert listed.json() == [created.json()]


@pytest.mark.parametrize("call", EVERY_CALL, ids=str)
async def test_another_user_id_in_the_path_is_the_404_of_a_missing_task(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient, user_id: str, call: Call
) -> None:
    task = await create(client, title="mine")
    missing = assert_problem(await send(client, GET_ONE, "/api", 2**63 - 1), 404)
    for prefix in (tasks_prefix("someone-else"), tasks_prefix(""), "/api/undefined"):
        body = assert_problem(await send(client, call, prefix, task["id"]), 404)
        assert body == missing
        assert body["type"] == problem_type("not-found")
    # The stranger naming the owner's id in the path gets no further than naming their own.
    assert assert_problem(await send(stranger, call, tasks_prefix(user_id), task["id"]), 404) == missing
    assert (await client.get("/api/tasks")).json() == [task]


@pytest.mark.parametrize("call", EVERY_CALL, ids=str)
async def test_a_token_problem_on_the_hackathon_path_is_still_401_first(
    anonymous: httpx.AsyncClient, call: Call
) -> None:
    response = await send(anonymous, call, tasks_prefix("someone"), 1)
    assert_unauthorized(response, token_presented=False)


async def test_a_user_literally_named_tasks_keeps_the_plain_form(app: FastAPI) -> None:
    """`/api/tasks/tasks` is always the task id "tasks" of the plain form, never a user's list."""
    async with asgi_client(app, "tasks") as client:
        await create(client)
        response = await client.get("/api/tasks/tasks")
        assert response.status_code in {404, 422}, response.text
        assert response.json() == (await client.get("/api/tasks/other")).json()
        assert len((await client.get("/api/tasks")).json()) == 1


def test_the_router_never_redirects_a_trailing_slash(app: FastAPI) -> None:
    assert app.router.redirect_slashes is False


@pytest.mark.parametrize("hackathon", [False, True], ids=["api", "hackathon"])
@pytest.mark.parametrize("call", EVERY_CALL, ids=str)
async def test_a_trailing_slash_is_the_same_route_with_no_redirect(
    client: httpx.AsyncClient, user_id: str, call: Call, hackathon: bool
) -> None:
    prefix = tasks_prefix(user_id) if hackathon else "/api"
    task = await create(client)
    response = await send(client, call, prefix, task["id"], slash=True)
    assert response.status_code == call.status, response.text
    if call is LIST:
        assert response.json() == (await send(client, LIST, "/api")).json() == [task]
    else:
        twin = await the_same_call_on_api_tasks(client, call)
        assert comparable(response) == comparable(twin)


async def test_a_trailing_slash_on_me_is_served_too(client: httpx.AsyncClient, user_id: str) -> None:
    assert (await client.get("/api/me/")).json()["user_id"] == user_id


@pytest.mark.parametrize(("name", "ours"), QUERY_HINTS.items())
async def test_another_apis_query_parameter_is_422_naming_ours(
    client: httpx.AsyncClient, name: str, ours: str
) -> None:
    response = await client.get("/api/tasks", params={name: "1"})
    errors = assert_invalid(response, name)
    assert errors[0]["loc"] == ["query", name]
    detail = response.json()["detail"]
    assert repr(name) in detail and f"use {ours}" in detail, detail
    assert response.json()["type"] == problem_type("validation")


async def test_an_unknown_query_parameter_is_422_with_what_the_route_takes(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/tasks", params={"colour": "red", "q": "x"})
    errors = assert_invalid(response, "colour")
    assert errors == [{"loc": ["query", "colour"], "msg": "unknown query parameter"}]
    assert "limit" in response.json()["detail"]


@pytest.mark.parametrize("call", [GET_ONE, COMPLETE_TOGGLE, DELETE], ids=str)
async def test_a_route_without_query_parameters_refuses_any_and_hints_none(
    client: httpx.AsyncClient, call: Call
) -> None:
    task = await create(client)
    response = await client.request(call.method, call.url("/api", task["id"]), params={"search": "x"})
    assert_invalid(response, "search")
    assert "use q" not in response.json()["detail"]
    assert (await client.get(f"/api/tasks/{task['id']}")).json() == task


async def test_the_query_check_comes_after_the_token_and_before_the_change(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, user_id: str
) -> None:
    assert_unauthorized(await anonymous.get("/api/tasks", params={"search": "x"}), token_presented=False)
    refused = await client.post(f"{tasks_prefix(user_id)}/tasks", params={"skip": "1"}, json={"title": "x"})
    assert_invalid(refused, "skip")
    assert (await client.get("/api/tasks")).json() == []


@pytest.mark.parametrize(("name", "value"), LIST_PARAMETERS.items())
async def test_every_contract_list_parameter_is_still_taken(
    client: httpx.AsyncClient, user_id: str, name: str, value: str
) -> None:
    for prefix in ("/api", tasks_prefix(user_id)):
        response = await client.get(f"{prefix}/tasks", params={name: value})
        assert response.status_code == 200, response.text


async def test_a_partial_put_keeps_what_it_omits(client: httpx.AsyncClient, user_id: str) -> None:
    task = await create(client, title="keep me", description="and me")
    response = await send(client, PARTIAL_PUT, tasks_prefix(user_id), task["id"])
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["title"], changed["description"], changed["completed"]) == ("keep me", "and me", True)


@pytest.mark.parametrize("call", [COMPLETE_SET, COMPLETE_TOGGLE], ids=str)
async def test_complete_with_and_without_a_body_on_the_hackathon_path(
    client: httpx.AsyncClient, user_id: str, call: Call
) -> None:
    task = await create(client)
    once = await send(client, call, tasks_prefix(user_id), task["id"])
    twice = await send(client, call, tasks_prefix(user_id), task["id"])
    assert once.json()["completed"] is True
    # Setting twice keeps it completed; toggling twice brings it back.
    assert twice.json()["completed"] is (call is COMPLETE_SET)

"""What public Next.js + Better Auth frontends send, over real HTTP on every backend."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.helpers import (
    MISSING_TASK_ID,
    api_client,
    assert_invalid,
    assert_problem,
    assert_unauthorized,
    create_task,
    one_backend,
)
from tests.support.api_server import ALLOWED_ORIGIN, ApiServer, api_server
from tests.support.frontends import (
    COMPLETE_SET,
    COMPLETE_TOGGLE,
    CREATE,
    DELETE,
    EVERY_CALL,
    GET_ONE,
    LIST,
    LIST_PARAMETERS,
    ONE_TASK_CALLS,
    PARTIAL_PUT,
    PATCH,
    PUT,
    QUERY_HINTS,
    Call,
    problem_type,
    tasks_prefix,
)

# What each call leaves behind, read back through the plain path.
EXPECTED_AFTER: dict[Call, dict[str, Any] | None] = {
    GET_ONE: {"title": "a task", "completed": False},
    PUT: {"title": "put", "description": "d", "completed": True},
    PARTIAL_PUT: {"title": "a task", "description": "kept", "completed": True},
    PATCH: {"title": "patched", "completed": False},
    COMPLETE_SET: {"completed": True},
    COMPLETE_TOGGLE: {"completed": True},
    DELETE: None,
}


def send(
    client: httpx.Client, call: Call, prefix: str, task_id: int | str = "", *, slash: bool = False
) -> httpx.Response:
    return client.request(call.method, call.url(prefix, task_id, slash=slash), json=call.body)


@pytest.mark.parametrize("slash", [False, True], ids=["", "trailing-slash"])
@pytest.mark.parametrize("call", ONE_TASK_CALLS, ids=str)
def test_each_call_on_the_hackathon_path(client: httpx.Client, user_id: str, call: Call, slash: bool) -> None:
    task = create_task(client, description="kept")
    response = send(client, call, tasks_prefix(user_id), task["id"], slash=slash)
    assert response.status_code == call.status, response.text
    after = client.get(f"/api/tasks/{task['id']}")
    expected = EXPECTED_AFTER[call]
    if expected is None:
        assert after.status_code == 404
        return
    assert response.json() == after.json()
    assert response.headers["etag"] == after.headers["etag"]
    assert {key: after.json()[key] for key in expected} == expected


@pytest.mark.parametrize("slash", [False, True], ids=["", "trailing-slash"])
@pytest.mark.parametrize("prefix_of", [lambda _: "/api", tasks_prefix], ids=["api", "hackathon"])
def test_create_and_list_keep_the_path_form(
    client: httpx.Client, user_id: str, prefix_of: Any, slash: bool
) -> None:
    prefix = prefix_of(user_id)
    created = send(client, CREATE, prefix, slash=slash)
    assert created.status_code == 201, created.text
    task = created.json()
    assert created.headers["location"] == f"{prefix}/tasks/{task['id']}"
    assert client.get(created.headers["location"]).json() == task
    listed = send(client, LIST, prefix, slash=slash)
    assert listed.status_code == 200
    assert listed.json() == [task]
    assert listed.headers["x-total-count"] == "1"


@pytest.mark.parametrize("call", EVERY_CALL, ids=str)
def test_another_user_id_in_the_path_is_the_404_of_a_missing_task(
    client: httpx.Client, stranger: httpx.Client, user_id: str, stranger_id: str, call: Call
) -> None:
    task = create_task(client)
    missing = assert_problem(client.get(f"/api/tasks/{MISSING_TASK_ID}"), 404)
    assert missing["type"] == problem_type("not-found")
    assert assert_problem(send(client, call, tasks_prefix(stranger_id), task["id"]), 404) == missing
    assert assert_problem(send(stranger, call, tasks_prefix(user_id), task["id"]), 404) == missing
    assert client.get("/api/tasks").json() == [task]


@one_backend
def test_a_user_id_that_needs_escaping_is_matched_decoded(server: ApiServer) -> None:
    user_id = "team/alice smith"
    with api_client(server, user_id) as client:
        created = send(client, CREATE, tasks_prefix(user_id))
        assert created.status_code == 201, created.text
        assert created.headers["location"] == f"/api/team%2Falice%20smith/tasks/{created.json()['id']}"
        assert send(client, LIST, tasks_prefix(user_id)).json() == [created.json()]


@one_backend
def test_a_token_problem_on_the_hackathon_path_is_401(anonymous: httpx.Client) -> None:
    assert_unauthorized(anonymous.get("/api/someone/tasks"), token_presented=False)


@one_backend
@pytest.mark.parametrize(("name", "ours"), QUERY_HINTS.items())
def test_another_apis_query_parameter_is_422_naming_ours(
    client: httpx.Client, user_id: str, name: str, ours: str
) -> None:
    for prefix in ("/api", tasks_prefix(user_id)):
        response = client.get(f"{prefix}/tasks/", params={name: "1"})
        assert_invalid(response, name)
        body = response.json()
        assert body["type"] == problem_type("validation")
        assert f"use {ours}" in body["detail"], body


@one_backend
def test_every_contract_list_parameter_is_taken(client: httpx.Client) -> None:
    response = client.get("/api/tasks", params=LIST_PARAMETERS)
    assert response.status_code == 200, response.text


@one_backend
@pytest.mark.parametrize("content_type", [None, "text/plain;charset=UTF-8"])
def test_a_body_not_sent_as_json_is_told_the_header_to_send(
    client: httpx.Client, user_id: str, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post(f"{tasks_prefix(user_id)}/tasks", content=b'{"title": "x"}', headers=headers)
    assert_invalid(response, "Content-Type")
    assert "Content-Type: application/json" in response.json()["detail"]
    assert client.get("/api/tasks").json() == []


@one_backend
@pytest.mark.parametrize(
    ("path", "status", "name"),
    [
        ("/api/nothing-here", 404, "no-such-path"),
        (f"/api/tasks/{MISSING_TASK_ID}", 404, "not-found"),
        ("/api/someone-else/tasks", 404, "not-found"),
        ("/api/tasks?completed=true", 422, "validation"),
    ],
)
def test_problems_carry_their_type(client: httpx.Client, path: str, status: int, name: str) -> None:
    assert assert_problem(client.get(path), status)["type"] == problem_type(name)
    page = client.get(problem_type(name))
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]


def test_the_task_limit_is_a_409_quota_exceeded(
    sqlite_url: str, tmp_path_factory: pytest.TempPathFactory, user_id: str
) -> None:
    workdir = tmp_path_factory.mktemp("quota")
    with (
        api_server(sqlite_url, workdir, MAX_TASKS_PER_USER="1") as server,
        api_client(server, user_id) as client,
    ):
        create_task(client)
        body = assert_problem(send(client, CREATE, tasks_prefix(user_id)), 409)
        assert len(client.get("/api/tasks").json()) == 1
    assert body["type"] == problem_type("quota-exceeded")


@one_backend
def test_cors_v2_preflight_and_exposed_headers(client: httpx.Client, user_id: str) -> None:
    preflight = client.options(
        f"{tasks_prefix(user_id)}/tasks/1/",
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization,content-type,if-match,idempotency-key",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-credentials"] == "true"
    allowed = {item.strip().lower() for item in preflight.headers["access-control-allow-headers"].split(",")}
    assert {"if-match", "idempotency-key"} <= allowed
    response = client.post(
        f"{tasks_prefix(user_id)}/tasks", json={"title": "x"}, headers={"Origin": ALLOWED_ORIGIN}
    )
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    exposed = {item.strip().lower() for item in response.headers["access-control-expose-headers"].split(",")}
    assert {"location", "etag", "link", "idempotency-replayed"} <= exposed
    refused = client.get("/api/tasks", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in refused.headers

"""Problem types a client can switch on, what a body not sent as JSON hears, CORS v2; in process."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from dependency_injector import providers

from adapters.memory.task_repo import InMemoryTaskRepo
from application.errors import StorageUnavailable
from domain.task import Task
from entrypoints.http.app import create_app
from entrypoints.http.problem_types import PROBLEM_TYPES
from tests.api.helpers import assert_invalid, assert_problem, bearer, media_type
from tests.support.api_server import ALLOWED_ORIGIN
from tests.support.frontends import JSON, problem_type
from tests.support.memory import asgi_client, build_memory_container, memory_settings

README = Path(__file__).resolve().parents[2] / "README.md"
Provoke = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


async def _stale(client: httpx.AsyncClient) -> httpx.Response:
    created = await client.post("/api/tasks", json={"title": "t"})
    return await client.patch(created.headers["location"], json={"title": "u"}, headers={"If-Match": 'W/"9"'})


PROVOKED: list[tuple[str, int, Provoke]] = [
    ("validation", 422, lambda c: c.post("/api/tasks", json={"title": ""})),
    ("validation", 422, lambda c: c.get("/api/tasks", params={"search": "x"})),
    ("not-found", 404, lambda c: c.get(f"/api/tasks/{2**63 - 1}")),
    ("not-found", 404, lambda c: c.get("/api/someone-else/tasks")),
    ("no-such-path", 404, lambda c: c.get("/api/nothing-here")),
    ("no-such-path", 404, lambda c: c.get("/nothing-here")),
    ("unauthorized", 401, lambda c: c.get("/api/tasks", headers=bearer("not-a-jwt"))),
    ("precondition-failed", 412, _stale),
    ("method-not-allowed", 405, lambda c: c.post("/api/tasks/1", json={"title": "x"})),
    ("payload-too-large", 413, lambda c: c.post("/api/tasks", content=b" " * (65 * 1024), headers=JSON)),
    ("headers-too-large", 431, lambda c: c.get("/api/tasks", headers={"X-Big": "x" * 17 * 1024})),
]


@pytest.mark.parametrize(("name", "status", "provoke"), PROVOKED, ids=[f"{n}-{s}" for n, s, _ in PROVOKED])
async def test_each_error_has_its_own_problem_type(
    client: httpx.AsyncClient, name: str, status: int, provoke: Provoke
) -> None:
    body = assert_problem(await provoke(client), status)
    assert body["type"] == problem_type(name)
    assert body["title"] == PROBLEM_TYPES[name].title


class _FullRepo(InMemoryTaskRepo):
    """A store that is down (StorageUnavailable) or broken (anything else) on every create."""

    def __init__(self, failure: Exception) -> None:
        super().__init__()
        self.failure = failure

    async def add(self, *_: object, **__: object) -> Task:
        raise self.failure


@pytest.mark.parametrize(
    ("failure", "name", "status"),
    [(StorageUnavailable("down"), "service-unavailable", 503), (RuntimeError("bug"), "internal-error", 500)],
)
async def test_a_store_that_fails_is_a_typed_problem(
    user_id: str, failure: Exception, name: str, status: int
) -> None:
    container = build_memory_container()
    container.task_repo.override(providers.Singleton(_FullRepo, failure))
    async with asgi_client(create_app(container), user_id) as client:
        body = assert_problem(await client.post("/api/tasks", json={"title": "t"}), status)
    assert body["type"] == problem_type(name)


async def test_the_task_limit_is_a_409_quota_exceeded(user_id: str) -> None:
    settings = memory_settings().model_copy(update={"max_tasks_per_user": 1})
    async with asgi_client(create_app(build_memory_container(settings=settings)), user_id) as client:
        assert (await client.post("/api/tasks", json={"title": "the one"})).status_code == 201
        body = assert_problem(await client.post("/api/tasks", json={"title": "one too many"}), 409)
        assert len((await client.get("/api/tasks")).json()) == 1
    assert body["type"] == problem_type("quota-exceeded")
    assert "1 tasks" in body["detail"] and "delete" in body["detail"]


@pytest.mark.parametrize("name", PROBLEM_TYPES)
async def test_each_problem_type_dereferences_to_a_page_about_it(
    anonymous: httpx.AsyncClient, name: str
) -> None:
    kind = PROBLEM_TYPES[name]
    response = await anonymous.get(kind.uri)
    assert response.status_code == 200
    assert media_type(response) == "text/html"
    assert kind.title in response.text and str(kind.status) in response.text
    index = await anonymous.get("/problems")
    assert f'href="{kind.uri}"' in index.text


async def test_an_unknown_problem_page_is_no_such_path(anonymous: httpx.AsyncClient) -> None:
    body = assert_problem(await anonymous.get("/problems/nonsense"), 404)
    assert body["type"] == problem_type("no-such-path")


def test_the_readme_documents_every_problem_type_and_no_other() -> None:
    documented = set(re.findall(r"^\| `/problems/([a-z-]+)` \|", README.read_text(), flags=re.MULTILINE))
    assert documented == set(PROBLEM_TYPES)


BODY_ROUTES = [
    ("POST", "/api/tasks", 201),
    ("PUT", "/api/tasks/{id}", 200),
    ("PATCH", "/api/tasks/{id}", 200),
]


async def _task_url(client: httpx.AsyncClient, path: str) -> str:
    task: dict[str, Any] = (await client.post("/api/tasks", json={"title": "t"})).json()
    return path.format(id=task["id"])


@pytest.mark.parametrize(
    "content_type", [None, "text/plain;charset=UTF-8", "application/x-www-form-urlencoded"]
)
@pytest.mark.parametrize(("method", "path", "ok"), BODY_ROUTES)
async def test_a_body_not_sent_as_json_is_told_the_header_to_send(
    client: httpx.AsyncClient, method: str, path: str, ok: int, content_type: str | None
) -> None:
    url = await _task_url(client, path)
    headers = {"Content-Type": content_type} if content_type else {}
    response = await client.request(method, url, content=b'{"title": "sent as text"}', headers=headers)
    assert_invalid(response, "Content-Type")
    assert "Content-Type: application/json" in response.json()["detail"]
    assert response.json()["type"] == problem_type("validation")


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/merge-patch+json"])
@pytest.mark.parametrize(("method", "path", "ok"), BODY_ROUTES)
async def test_json_and_json_suffixed_media_types_are_read(
    client: httpx.AsyncClient, method: str, path: str, ok: int, content_type: str
) -> None:
    url = await _task_url(client, path)
    response = await client.request(
        method, url, content=b'{"title": "json"}', headers={"Content-Type": content_type}
    )
    assert response.status_code == ok, response.text


async def test_a_json_body_with_a_wrong_field_keeps_the_usual_detail(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/tasks", json={"title": 5})
    assert_invalid(response, "title")
    assert "Content-Type" not in response.json()["detail"]


def _comma_list(value: str | None) -> set[str]:
    return {item.strip().lower() for item in (value or "").split(",") if item.strip()}


async def test_a_preflight_allows_if_match_and_idempotency_key_with_credentials(
    anonymous: httpx.AsyncClient,
) -> None:
    response = await anonymous.options(
        "/api/someone/tasks/1",
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization, content-type, if-match, idempotency-key",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    allowed = _comma_list(response.headers.get("access-control-allow-headers"))
    assert {"authorization", "content-type", "if-match", "idempotency-key"} <= allowed


async def test_the_allowed_origin_reads_link_and_idempotency_replayed(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/tasks", headers={"Origin": ALLOWED_ORIGIN})
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    exposed = _comma_list(response.headers.get("access-control-expose-headers"))
    assert {"location", "x-total-count", "x-request-id", "etag", "link", "idempotency-replayed"} <= exposed


async def test_a_disallowed_origin_still_gets_no_allow_origin(client: httpx.AsyncClient) -> None:
    preflight = await client.options(
        "/api/tasks",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
    )
    response = await client.get("/api/tasks", headers={"Origin": "http://evil.example"})
    for answer in (preflight, response):
        assert "access-control-allow-origin" not in answer.headers

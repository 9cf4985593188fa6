"""What every response carries: problem bodies, request ids, caching and security headers, CORS."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest

from tests.api.helpers import (
    MISSING_TASK_ID,
    assert_leaks_nothing,
    assert_problem,
    bearer,
    create_task,
    media_type,
    one_backend,
)
from tests.support.api_server import ALLOWED_ORIGIN

JSON = {"Content-Type": "application/json"}
CORS_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
EXPOSED_HEADERS = ["Location", "X-Total-Count", "X-Request-ID", "ETag"]


@dataclass(frozen=True)
class Probe:
    """One kind of response, and how an authenticated client provokes it."""

    name: str
    status: int
    send: Callable[[httpx.Client], httpx.Response]

    @property
    def is_api(self) -> bool:
        return self.name.startswith("api")


def _stale_write(client: httpx.Client) -> httpx.Response:
    task_id = create_task(client)["id"]
    return client.put(f"/api/tasks/{task_id}", json={"title": "x"}, headers={"If-Match": 'W/"999"'})


ERRORS = [
    Probe("api-401", 401, lambda c: c.get("/api/tasks", headers=bearer("not-a-jwt"))),
    Probe("api-404-task", 404, lambda c: c.get(f"/api/tasks/{MISSING_TASK_ID}")),
    Probe("api-404-path", 404, lambda c: c.get("/api/nothing-here")),
    Probe("api-405", 405, lambda c: c.post("/api/tasks/1", json={"title": "x"})),
    Probe("api-412", 412, _stale_write),
    Probe("api-413", 413, lambda c: c.post("/api/tasks", content=b" " * (65 * 1024), headers=JSON)),
    Probe("api-422", 422, lambda c: c.post("/api/tasks", json={"title": ""})),
    Probe("api-422-json", 422, lambda c: c.post("/api/tasks", content=b'{"title": "unclosed', headers=JSON)),
    Probe("outside-404", 404, lambda c: c.get("/nothing-here")),
    Probe("outside-405", 405, lambda c: c.post("/healthz")),
]
SUCCESSES = [
    Probe("healthz", 200, lambda c: c.get("/healthz")),
    Probe("readyz", 200, lambda c: c.get("/readyz")),
    Probe("openapi", 200, lambda c: c.get("/openapi.json")),
    Probe("docs", 200, lambda c: c.get("/docs")),
    Probe("api-list", 200, lambda c: c.get("/api/tasks")),
    Probe("api-create", 201, lambda c: c.post("/api/tasks", json={"title": "x"})),
    Probe("api-me", 200, lambda c: c.get("/api/me")),
    Probe("api-delete", 204, lambda c: c.delete(f"/api/tasks/{create_task(c)['id']}")),
]
EVERY_PROBE = ERRORS + SUCCESSES
API_PROBES = [probe for probe in EVERY_PROBE if probe.is_api]


def _ids(probes: list[Probe]) -> list[str]:
    return [probe.name for probe in probes]


def _pick(*names: str) -> list[Probe]:
    by_name = {probe.name: probe for probe in EVERY_PROBE}
    return [by_name[name] for name in names]


# A success and an error, inside and outside /api.
SAMPLE = _pick("healthz", "api-list", "api-401", "api-422")
API_SAMPLE = _pick("api-list", "api-create", "api-401", "api-422")


def _comma_list(value: str | None) -> set[str]:
    return {item.strip().lower() for item in (value or "").split(",") if item.strip()}


@one_backend
@pytest.mark.parametrize("probe", ERRORS, ids=_ids(ERRORS))
def test_every_error_is_a_problem_document(client: httpx.Client, probe: Probe) -> None:
    assert_problem(probe.send(client), probe.status)


@one_backend
@pytest.mark.parametrize("probe", EVERY_PROBE, ids=_ids(EVERY_PROBE))
def test_every_response_has_a_request_id_and_nosniff(client: httpx.Client, probe: Probe) -> None:
    response = probe.send(client)
    assert response.status_code == probe.status, response.text
    assert response.headers.get("x-request-id", "").strip()
    assert response.headers.get("x-content-type-options") == "nosniff"
    assert_leaks_nothing(response)


@one_backend
@pytest.mark.parametrize("probe", API_PROBES, ids=_ids(API_PROBES))
def test_api_responses_are_never_cached(client: httpx.Client, probe: Probe) -> None:
    assert "no-store" in _comma_list(probe.send(client).headers.get("cache-control"))


@one_backend
def test_a_405_says_which_methods_are_allowed(client: httpx.Client) -> None:
    response = client.post("/api/tasks/1", json={"title": "x"})
    assert_problem(response, 405)
    assert {"get", "put", "patch", "delete"} <= _comma_list(response.headers.get("allow"))


@one_backend
@pytest.mark.parametrize("sane", ["abc-123", "0f8fad5b-d9cb-469f-a165-70867728950e"])
@pytest.mark.parametrize("probe", SAMPLE, ids=_ids(SAMPLE))
def test_a_sane_caller_request_id_is_echoed(client: httpx.Client, probe: Probe, sane: str) -> None:
    client.headers["X-Request-ID"] = sane
    assert probe.send(client).headers["x-request-id"] == sane


@one_backend
@pytest.mark.parametrize("insane", ["r" * 300, "has spaces in it", "<script>alert(1)</script>", ""])
def test_an_insane_caller_request_id_is_replaced(client: httpx.Client, insane: str) -> None:
    response = client.get("/api/tasks", headers={"X-Request-ID": insane})
    replaced = response.headers["x-request-id"]
    assert replaced and replaced != insane
    assert len(replaced) <= 128 and " " not in replaced


@one_backend
def test_each_request_gets_its_own_request_id(anonymous: httpx.Client) -> None:
    assert len({anonymous.get("/healthz").headers["x-request-id"] for _ in range(3)}) == 3


@one_backend
def test_oversized_headers_are_refused_before_any_work(client: httpx.Client) -> None:
    within = client.get("/api/tasks", headers={"X-Padding": "a" * 8 * 1024})
    beyond = client.get("/api/tasks", headers={"X-Padding": "a" * 20 * 1024})
    assert within.status_code == 200
    assert beyond.status_code == 431
    assert beyond.headers["content-type"] == "application/problem+json"
    assert beyond.json()["status"] == 431


@one_backend
def test_healthz_answers_ok_without_auth(anonymous: httpx.Client) -> None:
    response = anonymous.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_answers_200_when_the_database_does(anonymous: httpx.Client) -> None:
    response = anonymous.get("/readyz")
    assert response.status_code == 200, response.text
    assert media_type(response) == "application/json"


@one_backend
def test_docs_are_served(anonymous: httpx.Client) -> None:
    response = anonymous.get("/docs")
    assert response.status_code == 200
    assert media_type(response) == "text/html"


@one_backend
def test_openapi_declares_bearer_auth_on_every_api_operation(anonymous: httpx.Client) -> None:
    response = anonymous.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    bearer_schemes = {
        name
        for name, scheme in spec["components"]["securitySchemes"].items()
        if scheme.get("type") == "http" and scheme.get("scheme", "").lower() == "bearer"
    }
    assert bearer_schemes
    api_operations = {
        f"{method.upper()} {path}": operation
        for path, item in spec["paths"].items()
        if path.startswith("/api")
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    }
    expected = {
        "GET /api/tasks",
        "POST /api/tasks",
        "GET /api/me",
        "PATCH /api/tasks/{task_id}/complete",
        "GET /api/tags",
        "POST /api/tasks/clear-completed",
        "POST /api/tasks/complete-all",
        "GET /api/tasks/changes",
    }
    assert expected <= set(api_operations)
    assert len(api_operations) == 12
    for name, operation in api_operations.items():
        required = {scheme for requirement in operation.get("security", []) for scheme in requirement}
        assert required & bearer_schemes, f"{name} does not declare the bearer scheme"


def _preflight(client: httpx.Client, origin: str, method: str, path: str = "/api/tasks") -> httpx.Response:
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )


@one_backend
@pytest.mark.parametrize("method", CORS_METHODS)
def test_a_preflight_from_the_allowed_origin_is_allowed(anonymous: httpx.Client, method: str) -> None:
    path = "/api/tasks" if method in {"GET", "POST"} else "/api/tasks/1"
    response = _preflight(anonymous, ALLOWED_ORIGIN, method, path)
    assert response.status_code in {200, 204}
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert {item.lower() for item in CORS_METHODS} <= _comma_list(
        response.headers.get("access-control-allow-methods")
    )
    assert {"authorization", "content-type"} <= _comma_list(
        response.headers.get("access-control-allow-headers")
    )
    assert response.headers["x-request-id"]
    assert response.headers["x-content-type-options"] == "nosniff"


@one_backend
@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "https://allowed.example",
        "http://allowed.example:8080",
        "http://allowed.example.evil.example",
        "null",
    ],
)
def test_a_disallowed_origin_gets_no_allow_origin(client: httpx.Client, origin: str) -> None:
    assert "access-control-allow-origin" not in _preflight(client, origin, "GET").headers
    response = client.get("/api/tasks", headers={"Origin": origin})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


@one_backend
@pytest.mark.parametrize("probe", API_SAMPLE, ids=_ids(API_SAMPLE))
def test_a_request_from_the_allowed_origin_can_read_the_response(client: httpx.Client, probe: Probe) -> None:
    client.headers["Origin"] = ALLOWED_ORIGIN
    response = probe.send(client)
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    exposed = _comma_list(response.headers.get("access-control-expose-headers"))
    assert {header.lower() for header in EXPOSED_HEADERS} <= exposed

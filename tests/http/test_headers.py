"""What responses carry besides the body: ids, caching, validators, security, CORS; in process."""

from __future__ import annotations

import httpx
import pytest

from entrypoints.http.app import EXPOSED_HEADERS
from tests.api.helpers import WEAK_ETAG, assert_unauthorized, bearer
from tests.support.api_server import ALLOWED_ORIGIN

CORS_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
SAMPLE_PATHS = ["/healthz", "/api/tasks", "/api/tasks/abc", "/openapi.json"]


def comma_list(value: str | None) -> set[str]:
    return {item.strip().lower() for item in (value or "").split(",") if item.strip()}


async def test_create_answers_location_and_etag(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/tasks", json={"title": "t"})
    task = response.json()
    assert response.headers["location"] == f"/api/tasks/{task['id']}"
    assert response.headers["etag"] == 'W/"1"'
    fetched = await client.get(response.headers["location"])
    assert fetched.json() == task


async def test_every_change_moves_the_etag_and_the_old_one_is_refused(client: httpx.AsyncClient) -> None:
    created = await client.post("/api/tasks", json={"title": "t"})
    url = created.headers["location"]
    changed = await client.patch(url, json={"title": "u"}, headers={"If-Match": created.headers["etag"]})
    assert changed.status_code == 200
    match = WEAK_ETAG.fullmatch(changed.headers["etag"])
    assert match and int(match.group(1)) == 2
    assert (await client.get(url)).headers["etag"] == changed.headers["etag"]
    stale = await client.delete(url, headers={"If-Match": created.headers["etag"]})
    assert stale.status_code == 412


async def test_list_counts_every_match_not_just_the_page(client: httpx.AsyncClient) -> None:
    for title in ("a", "b", "c"):
        await client.post("/api/tasks", json={"title": title})
    response = await client.get("/api/tasks", params={"limit": 2})
    assert len(response.json()) == 2
    assert response.headers["x-total-count"] == "3"


@pytest.mark.parametrize("path", SAMPLE_PATHS)
async def test_a_sane_request_id_is_echoed(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"


@pytest.mark.parametrize("insane", ["r" * 300, "has spaces", "<script>", ""])
async def test_a_missing_or_insane_request_id_is_generated(client: httpx.AsyncClient, insane: str) -> None:
    replaced = (await client.get("/api/tasks", headers={"X-Request-ID": insane})).headers["x-request-id"]
    generated = (await client.get("/api/tasks")).headers["x-request-id"]
    for request_id in (replaced, generated):
        assert request_id and request_id != insane
        assert len(request_id) <= 128 and " " not in request_id
    assert replaced != generated


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/api/tasks"), ("POST", "/api/tasks"), ("GET", "/api/tasks/1")]
)
async def test_api_responses_are_never_cached(client: httpx.AsyncClient, method: str, path: str) -> None:
    for response in (
        await client.request(method, path, json={"title": "x"}),
        await client.request(method, path, json={"title": "x"}, headers=bearer("bad")),
    ):
        assert "no-store" in comma_list(response.headers.get("cache-control")), response.status_code


@pytest.mark.parametrize("path", SAMPLE_PATHS)
async def test_security_headers_are_on_every_response(client: httpx.AsyncClient, path: str) -> None:
    headers = (await client.get(path)).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


async def test_the_docs_page_may_load_its_scripts(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/docs")
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" not in response.headers.get("content-security-policy", "")


async def test_a_401_challenges_for_a_bearer_token(anonymous: httpx.AsyncClient) -> None:
    missing = await anonymous.get("/api/tasks")
    assert_unauthorized(missing, token_presented=False)
    assert missing.headers["www-authenticate"] == "Bearer"
    rejected = await anonymous.get("/api/tasks", headers=bearer("not-a-jwt"))
    assert_unauthorized(rejected, token_presented=True)


async def preflight(client: httpx.AsyncClient, origin: str, method: str) -> httpx.Response:
    return await client.options(
        "/api/tasks" if method in {"GET", "POST"} else "/api/tasks/1",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization,content-type,if-match",
        },
    )


@pytest.mark.parametrize("method", CORS_METHODS)
async def test_a_preflight_from_the_allowed_origin_is_allowed(
    anonymous: httpx.AsyncClient, method: str
) -> None:
    response = await preflight(anonymous, ALLOWED_ORIGIN, method)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert method.lower() in comma_list(response.headers.get("access-control-allow-methods"))
    allowed = comma_list(response.headers.get("access-control-allow-headers"))
    assert {"authorization", "content-type", "if-match"} <= allowed
    assert response.headers["x-request-id"]


@pytest.mark.parametrize("origin", ["http://evil.example", "https://allowed.example", "null"])
async def test_a_disallowed_origin_is_not_let_in(client: httpx.AsyncClient, origin: str) -> None:
    refused = await preflight(client, origin, "DELETE")
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    response = await client.get("/api/tasks", headers={"Origin": origin})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("path", ["/api/tasks", "/api/tasks/abc"])
async def test_the_allowed_origin_may_read_responses_and_their_headers(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path, headers={"Origin": ALLOWED_ORIGIN})
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    exposed = comma_list(response.headers.get("access-control-expose-headers"))
    assert {header.lower() for header in EXPOSED_HEADERS} <= exposed


async def test_a_413_from_the_allowed_origin_is_readable(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/tasks",
        content=b" " * (65 * 1024),
        headers={"Origin": ALLOWED_ORIGIN, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN

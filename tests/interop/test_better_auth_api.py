"""A real Better Auth app and our real server, over HTTP, configured only with BETTER_AUTH_URL."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.api_server import ApiServer, api_server
from tests.support.better_auth import (
    BetterAuthServer,
    better_auth_server,
    ensure_node_modules,
    mint_hs256,
    unverified_header,
)

# A first run may have to compile better-sqlite3 inside `npm ci`.
pytestmark = pytest.mark.timeout(900)

SECRET = "interop-secret-shared-by-next-and-the-api-0123456789"
PASSWORD = "correct-horse-battery-staple"
# The API fetches the key set again for an unknown kid at most this often.
REFETCH_INTERVAL_SECONDS = 5.0


@pytest.fixture(scope="module")
def auth() -> Iterator[BetterAuthServer]:
    ensure_node_modules()
    with better_auth_server(None, SECRET) as server:
        yield server


@pytest.fixture(scope="module")
def api(
    auth: BetterAuthServer, postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiServer]:
    workdir: Path = tmp_path_factory.mktemp("api-better-auth")
    with api_server(
        postgres_url, workdir, BETTER_AUTH_SECRET=SECRET, BETTER_AUTH_URL=auth.base_url
    ) as server:
        yield server


def call(
    api: ApiServer, token: str, method: str = "GET", path: str = "/api/tasks", **kwargs: object
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.request(method, api.base_url + path, headers=headers, timeout=10, **kwargs)  # type: ignore[arg-type]


def new_user(auth: BetterAuthServer, name: str = "Ada Lovelace") -> tuple[str, str, str]:
    email = f"user-{uuid.uuid4().hex[:12]}@example.com"
    user_id, token = auth.sign_up(email, PASSWORD, name)
    return user_id, token, email


def assert_rejected(answer: httpx.Response) -> None:
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert answer.headers["content-type"] == "application/problem+json"


def test_a_new_user_signs_up_and_manages_their_tasks(auth: BetterAuthServer, api: ApiServer) -> None:
    user_id, token, email = new_user(auth)

    created = call(api, token, "POST", json={"title": "Write the Next.js page"})
    listed = call(api, token)
    me = call(api, token, path="/api/me")

    assert created.status_code == 201
    assert listed.status_code == 200
    assert [task["title"] for task in listed.json()] == ["Write the Next.js page"]
    assert me.json() == {
        "user_id": user_id,
        "email": email,
        "name": "Ada Lovelace",
        "tasks": {"total": 1, "completed": 0, "limit": 10000},
    }


def test_the_set_auth_jwt_header_token_works_too(auth: BetterAuthServer, api: ApiServer) -> None:
    email = f"user-{uuid.uuid4().hex[:12]}@example.com"
    issued = auth.issue_tokens(email, PASSWORD, name="Grace Hopper")

    answer = call(api, issued.session_header_token, path="/api/me")

    assert answer.status_code == 200
    assert answer.json()["user_id"] == issued.user_id


def test_better_auth_users_never_see_each_others_tasks(auth: BetterAuthServer, api: ApiServer) -> None:
    _, alice, _ = new_user(auth, "Alice")
    _, bob, _ = new_user(auth, "Bob")
    task_id = call(api, alice, "POST", json={"title": "Alice's secret"}).json()["id"]

    assert call(api, bob).json() == []
    assert call(api, bob, path=f"/api/tasks/{task_id}").status_code == 404


def test_a_token_from_another_better_auth_app_is_rejected(api: ApiServer) -> None:
    with better_auth_server(None, SECRET) as stranger:
        _, token, _ = new_user(stranger)

    assert_rejected(call(api, token))


def test_a_tampered_token_is_rejected(auth: BetterAuthServer, api: ApiServer) -> None:
    _, token, _ = new_user(auth)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    assert_rejected(call(api, f"{header}.{forged}.{signature}"))


def test_an_expired_token_is_rejected(api: ApiServer) -> None:
    with better_auth_server(None, SECRET, jwt_expiration="-5m") as expiring:
        _, token, _ = new_user(expiring)

    assert_rejected(call(api, token))


def test_a_rotated_key_is_picked_up_without_a_restart(auth: BetterAuthServer, api: ApiServer) -> None:
    _, before, email = new_user(auth)
    assert call(api, before).status_code == 200
    started = api.process.pid

    new_kid = auth.rotate_keys()
    _, after = auth.sign_in(email, PASSWORD)
    time.sleep(REFETCH_INTERVAL_SECONDS + 0.5)

    assert unverified_header(after)["kid"] == new_kid != unverified_header(before)["kid"]
    assert call(api, after).status_code == 200
    assert api.process.pid == started and api.process.poll() is None


@pytest.mark.parametrize(
    "secret, accepted", [(SECRET, True), ("another-secret-of-enough-length-0123456789", False)]
)
def test_hs256_tokens_minted_with_jose_like_a_nextjs_route(
    api: ApiServer, secret: str, accepted: bool
) -> None:
    token = mint_hs256(secret, "user-from-a-route", email="route@example.com", name="Route User")

    answer = call(api, token, path="/api/me")

    if accepted:
        assert answer.json() == {
            "user_id": "user-from-a-route",
            "email": "route@example.com",
            "name": "Route User",
            "tasks": {"total": 0, "completed": 0, "limit": 10000},
        }
    else:
        assert_rejected(answer)

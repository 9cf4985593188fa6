"""A real Better Auth on PostgreSQL (`pg`, its own migrations) and our real server on the same
database: the opaque session token from sign-up works on the API until the user signs out.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from adapters.sql.migrate import upgrade_to_latest
from tests.support.api_server import ApiServer, api_server
from tests.support.better_auth import BetterAuthServer, better_auth_server, ensure_node_modules
from tests.support.better_auth_tables import session_token
from tests.support.postgres import PostgresServer

# A first run may have to compile better-sqlite3 inside `npm ci`.
pytestmark = pytest.mark.timeout(900)

SECRET = "interop-secret-shared-by-next-and-the-api-0123456789"
PASSWORD = "correct-horse-battery-staple"
CACHE_SECONDS = 1.0


@pytest.fixture(scope="module")
def database_url(postgres: PostgresServer) -> str:
    """One database for both, as a Next.js app and this API usually share DATABASE_URL."""
    url = postgres.create_database(f"shared_{uuid.uuid4().hex[:12]}")
    upgrade_to_latest(url)
    return url


@pytest.fixture(scope="module")
def auth(database_url: str) -> Iterator[BetterAuthServer]:
    ensure_node_modules()
    with better_auth_server(None, SECRET, database_url=database_url) as server:
        yield server


@pytest.fixture(scope="module")
def api(
    auth: BetterAuthServer, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiServer]:
    workdir: Path = tmp_path_factory.mktemp("api-better-auth-sessions")
    settings = {
        "BETTER_AUTH_SECRET": SECRET,
        "BETTER_AUTH_URL": auth.base_url,
        "BETTER_AUTH_SESSIONS": "database",
        "BETTER_AUTH_SESSION_CACHE_SECONDS": str(CACHE_SECONDS),
    }
    with api_server(database_url, workdir, migrate=False, **settings) as server:
        yield server


@dataclass
class Browser:
    """A browser signed in to Better Auth: its cookie jar, and what sign-up answered."""

    client: httpx.Client
    user_id: str
    email: str
    token: str  # session.token, as `authClient.getSession()` hands it to the page


def sign_up(auth: BetterAuthServer, name: str = "Ada Lovelace") -> Browser:
    client = httpx.Client(base_url=auth.base_url, timeout=10, headers={"origin": auth.base_url})
    email = f"user-{uuid.uuid4().hex[:12]}@example.com"
    answer = client.post("/api/auth/sign-up/email", json={"email": email, "password": PASSWORD, "name": name})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert client.cookies, "Better Auth set no session cookie"
    return Browser(client=client, user_id=body["user"]["id"], email=email, token=body["token"])


def sign_in(browser: Browser) -> str:
    answer = browser.client.post(
        "/api/auth/sign-in/email", json={"email": browser.email, "password": PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["token"]
    return token


def sign_out(browser: Browser) -> None:
    answer = browser.client.post("/api/auth/sign-out", json={})
    assert answer.status_code == 200, answer.text


def call(
    api: ApiServer, token: str, method: str = "GET", path: str = "/api/tasks", **kwargs: object
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.request(method, api.base_url + path, headers=headers, timeout=10, **kwargs)  # type: ignore[arg-type]


def assert_rejected(answer: httpx.Response) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert answer.headers["content-type"] == "application/problem+json"


def refused_within(api: ApiServer, token: str, seconds: float) -> float:
    """How long after now the API starts refusing the token; fails if it takes over `seconds`."""
    started = time.monotonic()
    while True:
        answer = call(api, token, path="/api/me")
        elapsed = time.monotonic() - started
        if answer.status_code != 200:
            assert_rejected(answer)
            return elapsed
        assert elapsed < seconds, f"still accepted {elapsed:.2f} s after sign-out"
        time.sleep(0.05)


def test_the_session_token_from_sign_up_works_until_sign_out(auth: BetterAuthServer, api: ApiServer) -> None:
    browser = sign_up(auth, name="Ada Lovelace")
    assert "." not in browser.token  # an opaque token, not a JWT

    me = call(api, browser.token, path="/api/me")
    created = call(api, browser.token, "POST", json={"title": "Plan the launch"})
    listed = call(api, browser.token)

    assert me.status_code == 200, me.text
    assert {key: me.json()[key] for key in ("user_id", "email", "name")} == {
        "user_id": browser.user_id,
        "email": browser.email,
        "name": "Ada Lovelace",
    }
    assert created.status_code == 201, created.text
    assert [task["title"] for task in listed.json()] == ["Plan the launch"]

    sign_out(browser)

    refused_within(api, browser.token, CACHE_SECONDS + 0.5)
    assert_rejected(call(api, browser.token))


def test_signing_in_again_gives_a_new_token_and_the_old_one_stays_out(
    auth: BetterAuthServer, api: ApiServer
) -> None:
    browser = sign_up(auth)
    first = browser.token
    assert call(api, first, "POST", json={"title": "kept"}).status_code == 201
    sign_out(browser)

    second = sign_in(browser)
    refused_within(api, first, CACHE_SECONDS + 0.5)

    listed = call(api, second)
    assert listed.status_code == 200, listed.text
    assert [task["title"] for task in listed.json()] == ["kept"]


def test_the_jwt_plugin_token_of_the_same_session_names_the_same_user(
    auth: BetterAuthServer, api: ApiServer
) -> None:
    browser = sign_up(auth)
    jwt = browser.client.get("/api/auth/token").json()["token"]

    by_session = call(api, browser.token, path="/api/me").json()["user_id"]
    by_jwt = call(api, jwt, path="/api/me").json()["user_id"]

    assert by_session == by_jwt == browser.user_id


def test_a_random_token_is_refused(api: ApiServer) -> None:
    assert_rejected(call(api, session_token()))

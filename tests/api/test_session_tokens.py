"""Better Auth's opaque session tokens over HTTP, with BETTER_AUTH_SESSIONS=database.

Better Auth's tables sit in the API's own database (the usual setup), on SQLite and PostgreSQL;
one more server keeps them in another database, named by BETTER_AUTH_DATABASE_URL.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from adapters.sql.migrate import upgrade_to_latest
from tests.api.helpers import api_client, assert_problem, assert_unauthorized, bearer, one_backend
from tests.api.tokens import asymmetric, claims
from tests.support.api_server import ApiServer, api_server
from tests.support.better_auth_tables import BetterAuthTables, session_token
from tests.support.net import free_port
from tests.support.postgres import PostgresServer

CACHE_SECONDS = 1


@dataclass
class Deployment:
    api: ApiServer
    tables: BetterAuthTables


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    workdir = tmp_path_factory.mktemp(f"sessions-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{workdir / 'app.db'}"
    else:
        postgres: PostgresServer = request.getfixturevalue("postgres")
        url = postgres.create_database(f"app_{uuid.uuid4().hex[:12]}")
    upgrade_to_latest(url)
    tables = BetterAuthTables(url).create()
    settings = {"BETTER_AUTH_SESSIONS": "database", "BETTER_AUTH_SESSION_CACHE_SECONDS": str(CACHE_SECONDS)}
    with api_server(url, workdir, migrate=False, **settings) as api:
        yield Deployment(api, tables)
    tables.dispose()


def session_client(api: ApiServer, token: str) -> httpx.Client:
    client = api_client(api)
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def test_a_session_token_is_its_user(deployment: Deployment) -> None:
    user = deployment.tables.sign_in(name="Ada Lovelace")

    with session_client(deployment.api, user.token) as client:
        me = client.get("/api/me")
        created = client.post("/api/tasks", json={"title": "from a session"})
        listed = client.get("/api/tasks")

    assert me.status_code == 200, me.text
    assert {key: me.json()[key] for key in ("user_id", "email", "name")} == {
        "user_id": user.user_id,
        "email": user.email,
        "name": "Ada Lovelace",
    }
    assert created.status_code == 201, created.text
    assert [task["title"] for task in listed.json()] == ["from a session"]


def test_the_same_user_with_a_jwt_sees_the_same_tasks(deployment: Deployment) -> None:
    user = deployment.tables.sign_in()
    with session_client(deployment.api, user.token) as client:
        assert client.post("/api/tasks", json={"title": "shared"}).status_code == 201

    with api_client(deployment.api, user.user_id) as by_jwt:
        assert [task["title"] for task in by_jwt.get("/api/tasks").json()] == ["shared"]


@pytest.mark.parametrize("kind", ["unknown", "expired"])
def test_an_unknown_or_expired_session_is_401(deployment: Deployment, kind: str) -> None:
    token = (
        session_token()
        if kind == "unknown"
        else deployment.tables.sign_in(expires_in=timedelta(seconds=-1)).token
    )
    with session_client(deployment.api, token) as client:
        answer = client.get("/api/tasks")

    assert_unauthorized(answer, token_presented=True)
    assert "session" in answer.json()["detail"]


def test_signing_out_ends_access_within_the_cache_time(deployment: Deployment) -> None:
    user = deployment.tables.sign_in()
    with session_client(deployment.api, user.token) as client:
        assert client.get("/api/me").status_code == 200
        deployment.tables.sign_out(user.token)
        time.sleep(CACHE_SECONDS + 0.2)
        answer = client.get("/api/me")

    assert_unauthorized(answer, token_presented=True)


@pytest.fixture(scope="module")
def auth_database_down(sqlite_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """Tasks in a healthy database, Better Auth's tables in one that does not answer."""
    settings = {
        "BETTER_AUTH_SESSIONS": "database",
        "BETTER_AUTH_DATABASE_URL": f"postgresql://todo:todo@127.0.0.1:{free_port()}/auth",
    }
    with api_server(sqlite_url, tmp_path_factory.mktemp("auth-down"), migrate=False, **settings) as api:
        yield api


def test_a_session_lookup_during_an_outage_is_503_not_401(
    auth_database_down: ApiServer, user_id: str
) -> None:
    with session_client(auth_database_down, session_token()) as client:
        answer = client.get("/api/tasks")
    with api_client(auth_database_down, user_id) as by_jwt:
        still_fine = by_jwt.get("/api/tasks")

    assert_problem(answer, 503)
    assert "retry-after" in answer.headers
    assert still_fine.status_code == 200


def test_better_auth_database_url_points_the_lookups_elsewhere(
    postgres: PostgresServer, sqlite_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    auth_url = postgres.create_database(f"auth_{uuid.uuid4().hex[:12]}")
    tables = BetterAuthTables(auth_url).create()
    user = tables.sign_in()
    settings = {"BETTER_AUTH_SESSIONS": "database", "BETTER_AUTH_DATABASE_URL": auth_url}
    workdir = tmp_path_factory.mktemp("auth-apart")
    try:
        with (
            api_server(sqlite_url, workdir, migrate=False, **settings) as api,
            session_client(api, user.token) as client,
        ):
            me = client.get("/api/me")
    finally:
        tables.dispose()

    assert me.json()["user_id"] == user.user_id


@one_backend
@pytest.mark.parametrize("alg", ["EdDSA", "RS256"])
def test_a_plugin_token_without_better_auth_url_says_it_is_not_set(server: ApiServer, alg: str) -> None:
    with api_client(server) as client:
        answers = [client.get("/api/tasks", headers=bearer(asymmetric(claims("ada"), alg))) for _ in range(2)]

    for answer in answers:
        assert_unauthorized(answer, token_presented=True)
        assert "BETTER_AUTH_URL is not set on the server" in answer.json()["detail"]
    assert server.log().count("BETTER_AUTH_URL is not set") == 1  # logged once per process

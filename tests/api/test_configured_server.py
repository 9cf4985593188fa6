"""One extra server, on SQLite, with non-default settings.

JWT_ISSUER and JWT_AUDIENCE are set, so `iss` and `aud` are enforced; and its secret is the shortest
allowed (32 characters), made of non-ASCII characters, so its UTF-8 bytes must be the key.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.api.helpers import api_client, assert_unauthorized, bearer
from tests.api.tokens import ABSENT, claims, hmac_signed
from tests.support.api_server import ApiServer, api_server

ISSUER = "https://issuer.example"
AUDIENCE = "todo-api"
SHORTEST_SECRET = "ü" * 32  # 32 characters, 64 UTF-8 bytes


@pytest.fixture(scope="module")
def strict_server(sqlite_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    workdir = tmp_path_factory.mktemp("strict-claims")
    settings = {"JWT_ISSUER": ISSUER, "JWT_AUDIENCE": AUDIENCE, "BETTER_AUTH_SECRET": SHORTEST_SECRET}
    with api_server(sqlite_url, workdir, **settings) as running:
        running.secret = SHORTEST_SECRET
        yield running


def _get_me(server: ApiServer, token: str) -> httpx.Response:
    with api_client(server) as anonymous:
        return anonymous.get("/api/me", headers=bearer(token))


@pytest.mark.parametrize(
    "audience", [AUDIENCE, [AUDIENCE, "someone-else"]], ids=["string-aud", "list-aud-containing-ours"]
)
def test_the_configured_issuer_and_audience_are_accepted(
    strict_server: ApiServer, user_id: str, audience: str | list[str]
) -> None:
    token = hmac_signed(strict_server.secret.encode(), claims(user_id, iss=ISSUER, aud=audience))
    response = _get_me(strict_server, token)
    assert response.status_code == 200
    assert response.json()["user_id"] == user_id


@pytest.mark.parametrize(
    "overrides",
    [
        {"iss": "https://evil.example"},
        {"aud": "another-api"},
        {"aud": ["another-api", "a-third-api"]},
        {"iss": ABSENT},
        {"aud": ABSENT},
    ],
    ids=["wrong-iss", "wrong-aud", "aud-list-without-ours", "no-iss", "no-aud"],
)
def test_a_wrong_or_missing_issuer_or_audience_is_401(
    strict_server: ApiServer, user_id: str, overrides: dict[str, object]
) -> None:
    payload = claims(user_id, **{"iss": ISSUER, "aud": AUDIENCE, **overrides})
    response = _get_me(strict_server, hmac_signed(strict_server.secret.encode(), payload))
    assert_unauthorized(response, token_presented=True)


def test_tokens_from_the_helper_work_with_issuer_and_audience(strict_server: ApiServer, user_id: str) -> None:
    with api_client(strict_server, user_id, issuer=ISSUER, audience=AUDIENCE) as client:
        assert client.post("/api/tasks", json={"title": "checked claims"}).status_code == 201
    with api_client(strict_server, user_id) as client_without_claims:
        assert_unauthorized(client_without_claims.get("/api/tasks"), token_presented=True)


def test_a_32_character_secret_is_enough_and_its_utf8_bytes_are_the_key(
    strict_server: ApiServer, user_id: str
) -> None:
    token = hmac_signed(SHORTEST_SECRET.encode(), claims(user_id, iss=ISSUER, aud=AUDIENCE))
    assert _get_me(strict_server, token).status_code == 200
    latin1_key = hmac_signed(SHORTEST_SECRET.encode("latin-1"), claims(user_id, iss=ISSUER, aud=AUDIENCE))
    assert_unauthorized(_get_me(strict_server, latin1_key), token_presented=True)

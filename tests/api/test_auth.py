"""Authentication: any token problem is a 401 with a Bearer challenge and a problem body."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from tests.api.helpers import (
    EVERY_API_ROUTE,
    Operation,
    api_client,
    assert_unauthorized,
    bearer,
    one_backend,
)
from tests.api.tokens import (
    ABSENT,
    asymmetric,
    claims,
    hmac_signed,
    public_key_pem,
    unsigned,
    with_payload_of,
)
from tests.support.api_server import ApiServer

# (secret, user id) -> a token the server must refuse.
TokenFactory = Callable[[bytes, str], str]
OTHER_SECRET = b"another-secret-that-is-also-long-enough-42"
# Beyond any leeway the contract allows (at most 60 s).
PAST_LEEWAY = 90


def _in(seconds: int) -> int:
    return int(time.time()) + seconds


REJECTED_TOKENS: dict[str, TokenFactory] = {
    "malformed-word": lambda _, __: "not-a-jwt",
    "malformed-three-dots": lambda _, __: "a.b.c",
    "malformed-two-segments": lambda secret, user: hmac_signed(secret, claims(user)).rsplit(".", 1)[0],
    "malformed-header-not-json": lambda _, __: "bm90IGpzb24.eyJzdWIiOiJ4In0.c2ln",
    "tampered-payload": lambda secret, user: with_payload_of(
        hmac_signed(secret, claims(user)), claims(user + "-victim")
    ),
    "signed-with-another-secret": lambda _, user: hmac_signed(OTHER_SECRET, claims(user)),
    "expired": lambda secret, user: hmac_signed(secret, claims(user, iat=_in(-3600), exp=_in(-PAST_LEEWAY))),
    "nbf-in-future": lambda secret, user: hmac_signed(secret, claims(user, nbf=_in(PAST_LEEWAY))),
    "iat-in-future": lambda secret, user: hmac_signed(secret, claims(user, iat=_in(PAST_LEEWAY))),
    "exp-not-a-number": lambda secret, user: hmac_signed(secret, claims(user, exp="tomorrow")),
    "alg-none": lambda _, user: unsigned(claims(user), "none"),
    "alg-None": lambda _, user: unsigned(claims(user), "None"),
    "alg-NONE": lambda _, user: unsigned(claims(user), "NONE"),
    "alg-nOnE": lambda _, user: unsigned(claims(user), "nOnE"),
    "alg-not-a-string": lambda secret, user: hmac_signed(secret, claims(user), alg=["HS256"]),
    "HS384-right-secret": lambda secret, user: hmac_signed(secret, claims(user), "HS384"),
    "HS512-right-secret": lambda secret, user: hmac_signed(secret, claims(user), "HS512"),
    "RS256-without-jwks": lambda _, user: asymmetric(claims(user), "RS256"),
    "PS256-without-jwks": lambda _, user: asymmetric(claims(user), "PS256"),
    "ES256-without-jwks": lambda _, user: asymmetric(claims(user), "ES256"),
    "ES512-without-jwks": lambda _, user: asymmetric(claims(user), "ES512"),
    "EdDSA-without-jwks": lambda _, user: asymmetric(claims(user), "EdDSA"),
    "HS256-keyed-with-public-key-pem": lambda _, user: hmac_signed(public_key_pem("RS256"), claims(user)),
    "sub-missing": lambda secret, user: hmac_signed(secret, claims(user, sub=ABSENT)),
    "sub-empty": lambda secret, _: hmac_signed(secret, claims("")),
    "sub-integer": lambda secret, _: hmac_signed(secret, claims(12345)),  # type: ignore[arg-type]
    "sub-null": lambda secret, _: hmac_signed(secret, claims(None)),  # type: ignore[arg-type]
    "sub-256-characters": lambda secret, _: hmac_signed(secret, claims("u" * 256)),
    "exp-missing": lambda secret, user: hmac_signed(secret, claims(user, exp=ABSENT)),
}


@one_backend
@pytest.mark.parametrize("make_token", REJECTED_TOKENS.values(), ids=REJECTED_TOKENS.keys())
def test_a_bad_token_is_401_invalid_token(
    server: ApiServer, anonymous: httpx.Client, user_id: str, make_token: TokenFactory
) -> None:
    response = anonymous.get("/api/tasks", headers=bearer(make_token(server.secret.encode(), user_id)))
    assert_unauthorized(response, token_presented=True)


@one_backend
def test_a_well_formed_hs256_token_is_accepted(
    server: ApiServer, anonymous: httpx.Client, user_id: str
) -> None:
    """The control for the cases above: the same hand-made signing, with nothing wrong."""
    token = hmac_signed(server.secret.encode(), claims(user_id))
    response = anonymous.get("/api/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.json()["user_id"] == user_id


@one_backend
@pytest.mark.parametrize("operation", EVERY_API_ROUTE, ids=str)
def test_every_api_route_needs_a_token(anonymous: httpx.Client, operation: Operation) -> None:
    response = operation.send(anonymous, 1)
    assert_unauthorized(response, token_presented=False)
    assert "error=" not in response.headers["www-authenticate"]


@one_backend
@pytest.mark.parametrize(
    "authorization",
    ["Basic dXNlcjpwYXNzd29yZA==", "Token abc.def.ghi", "Bearer", "JWT abc.def.ghi"],
    ids=["basic", "token-scheme", "bearer-without-token", "jwt-scheme"],
)
def test_anything_but_a_bearer_token_is_401(anonymous: httpx.Client, authorization: str) -> None:
    response = anonymous.get("/api/tasks", headers={"Authorization": authorization})
    assert_unauthorized(response, token_presented=False)


@one_backend
@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer", "bEaReR"])
def test_the_scheme_is_case_insensitive(
    server: ApiServer, anonymous: httpx.Client, user_id: str, scheme: str
) -> None:
    response = anonymous.get("/api/me", headers={"Authorization": f"{scheme} {server.token(user_id)}"})
    assert response.status_code == 200
    assert response.json()["user_id"] == user_id


@one_backend
@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"title": 5}', b"[]", b""],
    ids=["malformed-json", "wrong-type", "array", "empty"],
)
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-jwt"], ids=["no-token", "bad-token"])
def test_401_takes_precedence_over_a_bad_body(
    anonymous: httpx.Client, body: bytes, authorization: str | None
) -> None:
    headers = {"Content-Type": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    response = anonymous.post("/api/tasks", content=body, headers=headers)
    assert_unauthorized(response, token_presented=authorization is not None)


@pytest.mark.parametrize(
    "subject",
    ["u" * 255, "google-oauth2|1234567890", "üser with spaces & symbols/?#", "42"],
    ids=["255-characters", "pipe", "unicode-and-symbols", "digits"],
)
def test_any_opaque_subject_up_to_255_characters_can_use_the_api(server: ApiServer, subject: str) -> None:
    with api_client(server, subject) as client:
        assert client.get("/api/me").json()["user_id"] == subject
        created = client.post("/api/tasks", json={"title": "mine"})
        assert created.status_code == 201
        assert client.get(f"/api/tasks/{created.json()['id']}").status_code == 200


@one_backend
def test_me_returns_the_token_claims(server: ApiServer, user_id: str) -> None:
    with api_client(server, user_id, email="ada@example.com", name="Ada Lovelace") as client:
        response = client.get("/api/me")
    assert response.status_code == 200
    me = response.json()
    assert me.pop("tasks") == {"total": 0, "completed": 0, "limit": 10000}
    assert me == {"user_id": user_id, "email": "ada@example.com", "name": "Ada Lovelace"}


@one_backend
def test_me_has_nulls_for_absent_claims(client: httpx.Client, user_id: str) -> None:
    response = client.get("/api/me")
    assert response.status_code == 200
    me = response.json()
    assert me.pop("tasks") == {"total": 0, "completed": 0, "limit": 10000}
    assert me == {"user_id": user_id, "email": None, "name": None}

"""Tokens from a real Better Auth (JWT plugin) and from jose, checked by our verifier.

Each module-scoped server is a real Node process on a free loopback port, with its own
SQLite file and freshly generated keys.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest

from adapters.auth.jwks import JwksKeySource
from adapters.auth.jwt_verifier import ClaimRules, JwtTokenVerifier
from application.errors import AuthenticationFailed
from tests.support.better_auth import (
    BetterAuthServer,
    better_auth_server,
    ensure_node_modules,
    mint_hs256,
    unverified_claims,
    unverified_header,
)
from tests.support.net import free_port

# A first run may have to compile better-sqlite3 inside `npm ci`.
pytestmark = pytest.mark.timeout(900)

SECRET = "interop-secret-shared-by-next-and-the-api-0123456789"
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="module", autouse=True)
def node_modules() -> None:
    ensure_node_modules()


@pytest.fixture(scope="module")
def auth() -> Iterator[BetterAuthServer]:
    with better_auth_server(None, SECRET) as server:
        yield server


@pytest.fixture(scope="module")
def other_auth() -> Iterator[BetterAuthServer]:
    """A second, unrelated Better Auth deployment: different keys, same secret."""
    with better_auth_server(None, SECRET) as server:
        yield server


@asynccontextmanager
async def verifier_for(
    server_url: str,
    *,
    issuer: str | None = None,
    audience: str | None = None,
    min_refetch_interval: float = 5.0,
) -> AsyncIterator[JwtTokenVerifier]:
    """The verifier as the API wires it for BETTER_AUTH_URL=server_url."""
    source = JwksKeySource(f"{server_url}/api/auth/jwks", min_refetch_interval=min_refetch_interval)
    try:
        yield JwtTokenVerifier(
            SECRET,
            ClaimRules(),
            source,
            ClaimRules(issuer=issuer or server_url, audience=audience or server_url),
        )
    finally:
        await source.aclose()


def new_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


async def test_a_better_auth_token_proves_the_user(auth: BetterAuthServer) -> None:
    email = new_email()
    issued = auth.issue_tokens(email, PASSWORD, name="Ada Lovelace")

    async with verifier_for(auth.base_url) as verifier:
        for token in (issued.token, issued.session_header_token):
            principal = await verifier.verify(token)
            assert principal.user_id == issued.user_id
            assert principal.email == email
            assert principal.name == "Ada Lovelace"


def test_the_plugin_defaults_are_what_the_contract_assumes(auth: BetterAuthServer) -> None:
    user_id, token = auth.sign_up(new_email(), PASSWORD, "Grace")
    header, claims = unverified_header(token), unverified_claims(token)

    assert header["alg"] == "EdDSA"
    assert header["kid"] in {key["kid"] for key in auth.jwks()["keys"]}
    assert claims["iss"] == auth.base_url
    assert claims["aud"] == auth.base_url
    assert claims["sub"] == user_id
    assert 0 < claims["exp"] - claims["iat"] <= 15 * 60


async def test_a_token_from_another_better_auth_is_refused(
    auth: BetterAuthServer, other_auth: BetterAuthServer
) -> None:
    _, foreign = other_auth.sign_up(new_email(), PASSWORD, "Mallory")

    async with verifier_for(other_auth.base_url) as verifier:
        assert await verifier.verify(foreign)  # sound where it was issued
    async with verifier_for(auth.base_url) as verifier:
        with pytest.raises(AuthenticationFailed, match="unknown"):
            await verifier.verify(foreign)


async def test_a_tampered_token_is_refused(auth: BetterAuthServer) -> None:
    _, token = auth.sign_up(new_email(), PASSWORD, "Eve")
    header, payload, signature = token.split(".")
    claims = unverified_claims(token) | {"sub": "someone-else"}
    other_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]

    async with verifier_for(auth.base_url) as verifier:
        for forged in (f"{header}.{other_payload}.{signature}", f"{header}.{payload}.{flipped}"):
            with pytest.raises(AuthenticationFailed, match=r"signature|invalid"):
                await verifier.verify(forged)


async def test_a_token_for_another_issuer_or_audience_is_refused(auth: BetterAuthServer) -> None:
    _, token = auth.sign_up(new_email(), PASSWORD, "Trent")

    async with verifier_for(auth.base_url, audience="https://api.elsewhere.example") as verifier:
        with pytest.raises(AuthenticationFailed, match="audience"):
            await verifier.verify(token)
    async with verifier_for(auth.base_url, issuer="https://auth.elsewhere.example") as verifier:
        with pytest.raises(AuthenticationFailed, match="issuer"):
            await verifier.verify(token)


async def test_an_expired_token_is_refused() -> None:
    # The plugin's own expirationTime, set in the past: every token it signs is 5 minutes stale.
    with better_auth_server(None, SECRET, jwt_expiration="-5m") as expired_auth:
        _, token = expired_auth.sign_up(new_email(), PASSWORD, "Old")
        claims = unverified_claims(token)
        assert claims["exp"] < claims["iat"]

        async with verifier_for(expired_auth.base_url) as verifier:
            with pytest.raises(AuthenticationFailed, match="expired"):
                await verifier.verify(token)


async def test_rotated_keys_are_picked_up_by_the_same_verifier(auth: BetterAuthServer) -> None:
    email = new_email()
    user_id, first = auth.sign_up(email, PASSWORD, "Rota")

    async with verifier_for(auth.base_url, min_refetch_interval=1.0) as verifier:
        assert (await verifier.verify(first)).user_id == user_id

        new_kid = auth.rotate_keys()
        _, second = auth.sign_in(email, PASSWORD)
        assert unverified_header(second)["kid"] == new_kid != unverified_header(first)["kid"]
        await asyncio.sleep(1.1)  # past the refetch limit, which the first lookup started
        assert (await verifier.verify(second)).user_id == user_id
        assert (await verifier.verify(first)).user_id == user_id  # still published (grace period)

        newest_kid = auth.rotate_keys(drop_old=True)
        _, third = auth.sign_in(email, PASSWORD)
        assert unverified_header(third)["kid"] == newest_kid
        await asyncio.sleep(1.1)
        assert (await verifier.verify(third)).user_id == user_id
        for withdrawn in (first, second):
            with pytest.raises(AuthenticationFailed, match="unknown"):
                await verifier.verify(withdrawn)


@pytest.mark.parametrize("algorithm", ["ES256", "ES512", "RS256", "PS256"])
async def test_other_plugin_algorithms_verify(algorithm: str) -> None:
    with better_auth_server(None, SECRET, algorithm=algorithm) as server:
        email = new_email()
        user_id, token = server.sign_up(email, PASSWORD, "Algo")
        assert unverified_header(token)["alg"] == algorithm

        async with verifier_for(server.base_url) as verifier:
            principal = await verifier.verify(token)
    assert (principal.user_id, principal.email) == (user_id, email)


async def test_an_unreachable_key_set_is_an_authentication_failure(auth: BetterAuthServer) -> None:
    _, token = auth.sign_up(new_email(), PASSWORD, "Lonely")
    nowhere = f"http://127.0.0.1:{free_port()}"

    async with verifier_for(nowhere, issuer=auth.base_url, audience=auth.base_url) as verifier:
        with pytest.raises(AuthenticationFailed, match="unavailable"):
            await verifier.verify(token)


async def test_an_hs256_token_minted_by_jose_proves_the_user() -> None:
    token = mint_hs256(SECRET, "next-user-1", email="n1@example.com", name="Next One")

    async with verifier_for("http://127.0.0.1:9") as verifier:
        principal = await verifier.verify(token)
    assert principal.user_id == "next-user-1"
    assert (principal.email, principal.name) == ("n1@example.com", "Next One")


async def test_an_hs256_token_minted_with_another_secret_is_refused() -> None:
    token = mint_hs256("some-other-secret-that-is-also-long-enough", "next-user-2")

    async with verifier_for("http://127.0.0.1:9") as verifier:
        with pytest.raises(AuthenticationFailed, match="signature"):
            await verifier.verify(token)


async def test_an_expired_hs256_token_is_refused() -> None:
    token = mint_hs256(SECRET, "next-user-3", ttl=-120)

    async with verifier_for("http://127.0.0.1:9") as verifier:
        with pytest.raises(AuthenticationFailed, match="expired"):
            await verifier.verify(token)

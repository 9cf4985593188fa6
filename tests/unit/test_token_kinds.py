"""Each kind of bearer token reaches its verifier, and a refusal says what the operator must fix."""

from __future__ import annotations

import logging

import pytest

from adapters.auth.dev_tokens import mint_hs256
from adapters.auth.jwt_verifier import ClaimRules, JwtTokenVerifier
from adapters.auth.routing import TokenRouter
from application.errors import AuthenticationFailed, StorageUnavailable
from domain.identity import Principal
from entrypoints.container import build_container, close_resources
from entrypoints.settings import Settings
from tests.api.tokens import asymmetric, claims
from tests.support.better_auth_tables import session_token

SECRET = "unit-test-secret-that-is-long-enough-0123"


class RecordingSessions:
    """Stands in for the database-backed verifier: says who it was asked about."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def verify(self, token: str) -> Principal:
        self.asked.append(token)
        return Principal(user_id="from-session")


@pytest.fixture
def sessions() -> RecordingSessions:
    return RecordingSessions()


@pytest.fixture
def router(sessions: RecordingSessions) -> TokenRouter:
    return TokenRouter(JwtTokenVerifier(SECRET, ClaimRules()), sessions)


async def test_a_jwt_goes_to_the_jwt_verifier(router: TokenRouter, sessions: RecordingSessions) -> None:
    assert (await router.verify(mint_hs256(SECRET, "alice"))).user_id == "alice"
    assert sessions.asked == []


async def test_a_better_auth_session_token_goes_to_the_session_verifier(
    router: TokenRouter, sessions: RecordingSessions
) -> None:
    token = session_token()
    assert (await router.verify(token)).user_id == "from-session"
    assert sessions.asked == [token]


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("a.b.c", "token is malformed"),
        ("eyJhbGciOiJIUzI1NiJ9.e30", "token is malformed"),
        ("a" * 256, "token is malformed"),
        ("a" * 9000, "token is too large"),
        ("t\u00f6ken", "token is malformed"),
    ],
)
async def test_anything_else_keeps_the_jwt_verifier_and_its_words(
    router: TokenRouter, sessions: RecordingSessions, token: str, reason: str
) -> None:
    with pytest.raises(AuthenticationFailed) as refused:
        await router.verify(token)
    assert refused.value.reason == reason
    assert sessions.asked == []


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "ES512", "RS256", "PS256"])
async def test_a_plugin_token_without_a_key_set_names_the_missing_setting(
    alg: str, caplog: pytest.LogCaptureFixture
) -> None:
    verifier = JwtTokenVerifier(SECRET, ClaimRules())
    token = asymmetric(claims("alice"), alg)

    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            with pytest.raises(AuthenticationFailed) as refused:
                await verifier.verify(token)

    assert "BETTER_AUTH_URL is not set on the server" in refused.value.reason
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "BETTER_AUTH_URL is not set" in warnings[0]


def _settings(**overrides: object) -> Settings:
    return Settings(better_auth_secret=SECRET, database_url="sqlite:///:memory:", **overrides)  # type: ignore[arg-type]


def test_session_tokens_are_off_unless_asked_for() -> None:
    assert isinstance(build_container(_settings()).token_verifier(), JwtTokenVerifier)


async def test_with_sessions_on_the_container_looks_session_tokens_up() -> None:
    container = build_container(_settings(better_auth_sessions="database"))
    verifier = container.token_verifier()
    try:
        assert (await verifier.verify(mint_hs256(SECRET, "alice"))).user_id == "alice"
        # An empty in-memory database: the lookup happened, and says what is missing.
        with pytest.raises(StorageUnavailable, match="run Better Auth's migrations"):
            await verifier.verify(session_token())
    finally:
        await close_resources(container)

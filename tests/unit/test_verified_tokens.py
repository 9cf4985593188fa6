"""Remembered tokens stop working exactly when PyJWT would stop accepting them."""

import asyncio
import time

import pytest

from adapters.auth.dev_tokens import mint_hs256
from adapters.auth.jwt_verifier import ClaimRules, JwtTokenVerifier, Proof, VerifiedTokens
from application.errors import AuthenticationFailed
from domain.identity import Principal

SECRET = "unit-test-secret-that-is-long-enough-0123"
ALICE = Principal(user_id="alice")


def proof(valid_from: float, valid_until: float) -> Proof:
    return Proof(principal=ALICE, valid_from=valid_from, valid_until=valid_until, key=b"k", key_id=None)


def test_a_remembered_token_holds_only_inside_its_window() -> None:
    tokens = VerifiedTokens()
    tokens.add("t", proof(900, 1030))

    assert tokens.get("t", 899.9) is None
    tokens.add("t", proof(900, 1030))
    assert tokens.get("t", 1029.9) is not None
    assert tokens.get("t", 1030) is None
    assert tokens.get("t", 1000) is None  # forgotten once expired


def test_the_oldest_token_is_forgotten_when_full() -> None:
    tokens = VerifiedTokens(capacity=2)
    for name in ("a", "b", "c"):
        tokens.add(name, proof(0, 10**10))

    assert [tokens.get(name, 0) is not None for name in ("a", "b", "c")] == [False, True, True]


def test_the_verifier_rejects_a_token_it_accepted_once_it_expires() -> None:
    verifier = JwtTokenVerifier(SECRET, ClaimRules(leeway_seconds=0))
    token = mint_hs256(SECRET, "alice", ttl_seconds=1)

    assert asyncio.run(verifier.verify(token)).user_id == "alice"
    time.sleep(1.1)
    with pytest.raises(AuthenticationFailed, match="expired"):
        asyncio.run(verifier.verify(token))

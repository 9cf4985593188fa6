"""JwksKeySource against an in-process fake key set: caching, refetch limits, failures, key checks."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
from jwt.utils import base64url_encode

from adapters.auth.jwks import JwksKeySource
from adapters.auth.jwt_verifier import ClaimRules, JwtTokenVerifier
from application.errors import AuthenticationFailed

JWKS_URL = "http://auth.test/api/auth/jwks"
ISSUER = "http://auth.test"
SECRET = "a-shared-secret-of-more-than-32-bytes!"


@dataclass
class SigningKey:
    """A private key and its public JWK, as the JWT plugin would publish it."""

    algorithm: str
    private: Any
    kid: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def jwk(self) -> dict[str, Any]:
        public = self.private.public_key()
        if isinstance(public, ed25519.Ed25519PublicKey):
            data = OKPAlgorithm.to_jwk(public, as_dict=True)
        elif isinstance(public, ec.EllipticCurvePublicKey):
            data = ECAlgorithm.to_jwk(public, as_dict=True)
        else:
            data = RSAAlgorithm.to_jwk(public, as_dict=True)
        return {**data, "alg": self.algorithm, "kid": self.kid}

    def token(self, subject: str = "user-1", *, kid: str | None = None, **claims: Any) -> str:
        payload = {
            "sub": subject,
            "iss": ISSUER,
            "aud": ISSUER,
            "iat": int(time.time()),
            "exp": int(time.time()) + 900,
            **claims,
        }
        return jwt.encode(payload, self.private, algorithm=self.algorithm, headers={"kid": kid or self.kid})


def new_key(algorithm: str = "EdDSA", *, rsa_bits: int = 2048) -> SigningKey:
    if algorithm == "EdDSA":
        private: Any = ed25519.Ed25519PrivateKey.generate()
    elif algorithm == "ES256":
        private = ec.generate_private_key(ec.SECP256R1())
    elif algorithm == "ES512":
        private = ec.generate_private_key(ec.SECP521R1())
    else:
        private = rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    return SigningKey(algorithm, private)


class FakeJwks:
    """Serves a mutable key set through httpx.MockTransport and counts the requests."""

    def __init__(self, *keys: SigningKey) -> None:
        self.keys: list[dict[str, Any]] = [key.jwk for key in keys]
        self.requests = 0
        self.status = 200
        self.body: bytes | None = None
        self.delay = 0.0
        self.error: Exception | None = None

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        body = self.body if self.body is not None else json.dumps({"keys": self.keys}).encode()
        return httpx.Response(self.status, content=body, headers={"content-type": "application/json"})


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ed_key() -> SigningKey:
    return new_key("EdDSA")


@pytest.fixture
def jwks(ed_key: SigningKey) -> FakeJwks:
    return FakeJwks(ed_key)


@pytest.fixture
async def source(jwks: FakeJwks, clock: FakeClock) -> AsyncIterator[JwksKeySource]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(jwks.handle)) as client:
        key_source = JwksKeySource(JWKS_URL, http_client=client, clock=clock, max_age=600.0)
        yield key_source
        await key_source.aclose()


def verifier_for(key_source: JwksKeySource, *, leeway: int = 30) -> JwtTokenVerifier:
    return JwtTokenVerifier(
        SECRET,
        ClaimRules(),
        key_source,
        ClaimRules(issuer=ISSUER, audience=ISSUER, leeway_seconds=leeway),
    )


async def test_first_fetch_waits_for_the_first_token_and_known_kids_are_cached(
    source: JwksKeySource, jwks: FakeJwks, ed_key: SigningKey
) -> None:
    assert jwks.requests == 0
    for _ in range(20):
        await source.key_for(ed_key.kid, "EdDSA")
    assert jwks.requests == 1


@pytest.mark.parametrize("algorithm", ["EdDSA", "ES256", "ES512", "RS256", "PS256"])
async def test_tokens_of_every_plugin_algorithm_verify(algorithm: str, clock: FakeClock) -> None:
    key = new_key(algorithm)
    fake = FakeJwks(key)
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handle)) as client:
        verifier = verifier_for(JwksKeySource(JWKS_URL, http_client=client, clock=clock))
        principal = await verifier.verify(key.token("user-7", email="u7@example.com", name="Seven"))
    assert (principal.user_id, principal.email, principal.name) == ("user-7", "u7@example.com", "Seven")


async def test_an_unknown_kid_fetches_the_key_set_again(
    source: JwksKeySource, jwks: FakeJwks, ed_key: SigningKey, clock: FakeClock
) -> None:
    await source.key_for(ed_key.kid, "EdDSA")
    added = new_key("EdDSA")
    jwks.keys.append(added.jwk)
    clock.now += 5.0

    await verifier_for(source).verify(added.token())

    assert jwks.requests == 2


async def test_an_unknown_kid_soon_after_a_fetch_fails_without_fetching(
    source: JwksKeySource, jwks: FakeJwks, ed_key: SigningKey, clock: FakeClock
) -> None:
    await source.key_for(ed_key.kid, "EdDSA")
    added = new_key("EdDSA")
    jwks.keys.append(added.jwk)
    clock.now += 4.9

    with pytest.raises(AuthenticationFailed, match="unknown"):
        await source.key_for(added.kid, "EdDSA")
    assert jwks.requests == 1


async def test_a_flood_of_random_kids_costs_at_most_two_fetches(jwks: FakeJwks) -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(jwks.handle)) as client:
        key_source = JwksKeySource(JWKS_URL, http_client=client)  # the real clock
        verifier = verifier_for(key_source)
        forger = new_key("EdDSA")
        for _ in range(100):
            with pytest.raises(AuthenticationFailed):
                await verifier.verify(forger.token(kid=uuid.uuid4().hex))
    assert 1 <= jwks.requests <= 2


async def test_concurrent_misses_share_one_fetch(source: JwksKeySource, jwks: FakeJwks) -> None:
    jwks.delay = 0.05

    results = await asyncio.gather(
        *(source.key_for(uuid.uuid4().hex, "EdDSA") for _ in range(100)), return_exceptions=True
    )

    assert all(isinstance(result, AuthenticationFailed) for result in results)
    assert jwks.requests == 1


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, b"oops"),
        (404, b'{"keys": []}'),
        (302, b""),
        (200, b"<html>not json</html>"),
        (200, b'["keys"]'),
        (200, b'{"keys": "none"}'),
        (200, b"[" * 100_000),
        (200, b'{"keys": [], "padding": "' + b"x" * 300_000 + b'"}'),
    ],
    ids=["500", "404", "redirect", "html", "list", "keys-not-list", "deep-json", "too-large"],
)
async def test_a_bad_key_set_answer_is_an_authentication_failure(
    source: JwksKeySource, jwks: FakeJwks, ed_key: SigningKey, status: int, body: bytes
) -> None:
    jwks.status, jwks.body = status, body

    with pytest.raises(AuthenticationFailed, match="unavailable"):
        await verifier_for(source).verify(ed_key.token())


@pytest.mark.parametrize(
    "error",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("bad"), OSError()],
    ids=["connect", "read-timeout", "protocol", "os-error"],
)
async def test_a_transport_error_is_an_authentication_failure(
    source: JwksKeySource, jwks: FakeJwks, ed_key: SigningKey, error: Exception
) -> None:
    jwks.error = error

    with pytest.raises(AuthenticationFailed, match="unavailable"):
        await source.key_for(ed_key.kid, "EdDSA")


async def test_a_key_set_that_never_answers_fails_after_the_timeout(
    jwks: FakeJwks, ed_key: SigningKey
) -> None:
    jwks.delay = 30.0
    async with httpx.AsyncClient(transport=httpx.MockTransport(jwks.handle)) as client:
        key_source = JwksKeySource(JWKS_URL, http_client=client, timeout=0.2)
        started = time.monotonic()
        with pytest.raises(AuthenticationFailed, match="in time"):
            await key_source.key_for(ed_key.kid, "EdDSA")
    assert time.monotonic() - started < 2.0


async def test_a_slow_key_set_does_not_block_the_event_loop(jwks: FakeJwks, ed_key: SigningKey) -> None:
    jwks.delay = 0.3
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async with httpx.AsyncClient(transport=httpx.MockTransport(jwks.handle)) as client:
        key_source = JwksKeySource(JWKS_URL, http_client=client)
        ticker = asyncio.create_task(tick())
        await key_source.key_for(ed_key.kid, "EdDSA")
        ticker.cancel()
    assert ticks >= 10


async def test_failures_are_rate_limited_and_recovery_is_picked_up(
    source: JwksKeySource, jwks: FakeJwks, ed_key: SigningKey, clock: FakeClock
) -> None:
    jwks.error = httpx.ConnectError("refused")
    for _ in range(50):
        with pytest.raises(AuthenticationFailed):
            await source.key_for(ed_key.kid, "EdDSA")
    assert jwks.requests == 1

    jwks.error = None
    clock.now += 5.0
    await source.key_for(ed_key.kid, "EdDSA")
    assert jwks.requests == 2


def _jwk_with(base: SigningKey, **changes: Any) -> dict[str, Any]:
    return {**base.jwk, **changes}


@pytest.mark.parametrize(
    ("token_alg", "published"),
    [
        ("EdDSA", lambda: new_key("ES256").jwk),
        ("ES256", lambda: new_key("EdDSA").jwk),
        ("ES256", lambda: _jwk_with(new_key("ES512"), alg="ES256")),
        ("ES512", lambda: _jwk_with(new_key("ES256"), alg="ES512")),
        ("RS256", lambda: new_key("ES256").jwk),
        ("PS256", lambda: new_key("RS256").jwk),
        ("RS256", lambda: new_key("RS256", rsa_bits=1024).jwk),
        ("EdDSA", lambda: {"kty": "oct", "k": "c2VjcmV0", "alg": "EdDSA"}),
        ("ES256", lambda: {"kty": "oct", "k": "c2VjcmV0"}),
        ("EdDSA", lambda: {**new_key("EdDSA").jwk, "d": "AAAA"}),
        ("EdDSA", lambda: {**new_key("EdDSA").jwk, "use": "enc"}),
        ("EdDSA", lambda: {**new_key("EdDSA").jwk, "key_ops": ["encrypt"]}),
        ("EdDSA", lambda: {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA"}),
    ],
    ids=[
        "ec-for-eddsa",
        "okp-for-es256",
        "p521-for-es256",
        "p256-for-es512",
        "ec-for-rs256",
        "rs256-key-for-ps256",
        "rsa-1024",
        "oct-for-eddsa",
        "oct-for-es256",
        "private-member",
        "encryption-key",
        "no-verify-op",
        "no-x",
    ],
)
async def test_a_key_that_does_not_fit_the_token_algorithm_is_refused(
    jwks: FakeJwks, source: JwksKeySource, token_alg: str, published: Any
) -> None:
    jwks.keys = [{**published(), "kid": "the-kid"}]

    with pytest.raises(AuthenticationFailed):
        await source.key_for("the-kid", token_alg)


async def test_no_algorithm_outside_the_plugin_set_is_served(
    source: JwksKeySource, ed_key: SigningKey
) -> None:
    for algorithm in ["HS256", "HS512", "none", "ES384", "RS512"]:
        with pytest.raises(AuthenticationFailed, match="algorithm"):
            await source.key_for(ed_key.kid, algorithm)


async def test_a_public_key_is_never_an_hmac_secret(
    source: JwksKeySource, jwks: FakeJwks, ed_key: SigningKey
) -> None:
    published = jwks.keys[0]
    header = {"kid": ed_key.kid}
    payload = {"sub": "attacker", "iss": ISSUER, "aud": ISSUER, "exp": int(time.time()) + 900}
    verifier = verifier_for(source)
    for secret in [json.dumps(published), published["x"]]:
        with pytest.raises(AuthenticationFailed):
            await verifier.verify(_hs256_by_hand(header, payload, secret.encode()))


def _hs256_by_hand(header: dict[str, Any], payload: dict[str, Any], secret: bytes) -> str:
    # PyJWT refuses to sign with a JWK-looking secret, so the forgery is assembled here.
    def part(data: dict[str, Any]) -> str:
        return base64url_encode(json.dumps(data).encode()).decode()

    signing_input = f"{part({**header, 'alg': 'HS256'})}.{part(payload)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64url_encode(signature).decode()}"


async def test_a_token_signed_by_another_key_with_a_known_kid_fails(
    source: JwksKeySource, ed_key: SigningKey
) -> None:
    impostor = new_key("EdDSA")

    with pytest.raises(AuthenticationFailed, match="signature"):
        await verifier_for(source).verify(impostor.token(kid=ed_key.kid))


async def test_rotation_is_picked_up_and_a_removed_key_stops_working(
    source: JwksKeySource, jwks: FakeJwks, ed_key: SigningKey, clock: FakeClock
) -> None:
    verifier = verifier_for(source)
    old_token = ed_key.token("user-old")
    assert (await verifier.verify(old_token)).user_id == "user-old"

    rotated = new_key("EdDSA")
    jwks.keys = [rotated.jwk]
    clock.now += 5.0
    assert (await verifier.verify(rotated.token("user-new"))).user_id == "user-new"

    with pytest.raises(AuthenticationFailed, match="unknown"):
        await verifier.verify(old_token)
    assert jwks.requests == 2


async def test_a_stale_cache_is_refreshed_and_kept_when_the_refresh_fails(
    source: JwksKeySource, jwks: FakeJwks, ed_key: SigningKey, clock: FakeClock
) -> None:
    await source.key_for(ed_key.kid, "EdDSA")
    clock.now += 601.0
    jwks.error = httpx.ConnectError("refused")

    await source.key_for(ed_key.kid, "EdDSA")
    assert jwks.requests == 2

    jwks.error = None
    jwks.keys = []
    clock.now += 5.0
    with pytest.raises(AuthenticationFailed):
        await source.key_for(ed_key.kid, "EdDSA")
    assert jwks.requests == 3


async def test_a_token_without_kid_uses_the_only_fitting_key(
    source: JwksKeySource, jwks: FakeJwks, ed_key: SigningKey
) -> None:
    assert await source.key_for(None, "EdDSA") is not None

    jwks.keys.append(new_key("EdDSA").jwk)
    other = JwksKeySource(JWKS_URL, http_client=source._client)
    with pytest.raises(AuthenticationFailed, match="ambiguous"):
        await other.key_for(None, "EdDSA")


async def test_aclose_closes_only_a_client_it_created(jwks: FakeJwks) -> None:
    owned = JwksKeySource(JWKS_URL)
    await owned.aclose()
    assert owned._client.is_closed

    async with httpx.AsyncClient(transport=httpx.MockTransport(jwks.handle)) as client:
        borrowed = JwksKeySource(JWKS_URL, http_client=client)
        await borrowed.aclose()
        assert not client.is_closed

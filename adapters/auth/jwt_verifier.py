"""Verifies the two kinds of Better Auth token: HS256 with the shared secret, or JWKS-signed."""

from __future__ import annotations

import base64
import json
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

import jwt

from application.errors import AuthenticationFailed
from application.ports import TokenVerifier
from domain.fields import OWNER_ID_MAX_LENGTH
from domain.identity import Principal

HMAC_ALGORITHM = "HS256"
ASYMMETRIC_ALGORITHMS = frozenset({"EdDSA", "ES256", "ES512", "RS256", "PS256"})
MAX_TOKEN_LENGTH = 8192
MAX_LEEWAY_SECONDS = 60
NUMERIC_DATE_CLAIMS = ("exp", "nbf", "iat")
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class PublicKeySource(Protocol):
    """Finds the public key for a `kid`; raises AuthenticationFailed when there is none."""

    async def key_for(self, kid: str | None, algorithm: str) -> Any: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimRules:
    issuer: str | None = None
    audience: str | None = None
    leeway_seconds: int = 30

    def __post_init__(self) -> None:
        if not 0 <= self.leeway_seconds <= MAX_LEEWAY_SECONDS:
            raise ValueError(f"leeway must be 0 to {MAX_LEEWAY_SECONDS} seconds")


class JwtTokenVerifier(TokenVerifier):
    """HS256 tokens are checked with the secret; asymmetric ones only against the key set."""

    def __init__(
        self,
        secret: str,
        hmac_rules: ClaimRules,
        key_source: PublicKeySource | None = None,
        jwks_rules: ClaimRules | None = None,
    ) -> None:
        self._secret = secret.encode()
        self._hmac_rules = hmac_rules
        self._key_source = key_source
        self._jwks_rules = jwks_rules or hmac_rules
        self._verified = VerifiedTokens()

    async def verify(self, token: str) -> Principal:
        if len(token) > MAX_TOKEN_LENGTH:
            raise AuthenticationFailed("token is too large")
        remembered = self._verified.get(token, time.time())
        if remembered is not None and await self._key_still_served(remembered):
            return remembered.principal
        proof = await self._verify_fully(token)
        self._verified.add(token, proof)
        return proof.principal

    async def _key_still_served(self, proof: Proof) -> bool:
        """A key withdrawn from the key set takes its tokens with it, remembered or not."""
        if proof.key_id is None or self._key_source is None:
            return True
        try:
            return await self._key_source.key_for(*proof.key_id) is proof.key
        except AuthenticationFailed:
            return False

    async def _verify_fully(self, token: str) -> Proof:
        _check_single_reading(token)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise AuthenticationFailed("token is malformed") from error
        algorithm = header.get("alg")
        if not isinstance(algorithm, str):
            # A list or object here would make the set lookup below raise TypeError.
            raise AuthenticationFailed("token algorithm is not accepted")
        key_id: tuple[str | None, str] | None = None
        if algorithm == HMAC_ALGORITHM:
            key: Any = self._secret
            rules = self._hmac_rules
        elif algorithm in ASYMMETRIC_ALGORITHMS and self._key_source is not None:
            kid = header.get("kid")
            if kid is not None and not isinstance(kid, str):
                raise AuthenticationFailed("token key id is malformed")
            key_id = (kid, algorithm)
            key = await self._key_source.key_for(kid, algorithm)
            rules = self._jwks_rules
        else:
            raise AuthenticationFailed("token algorithm is not accepted")
        claims = self._decode(token, key, algorithm, rules)
        _check_numeric_dates(claims)
        # The same bounds PyJWT enforces on exp, nbf and iat, each with the leeway.
        leeway = rules.leeway_seconds
        return Proof(
            principal=_principal_from(claims),
            valid_from=max(claims.get("nbf", 0), claims.get("iat", 0)) - leeway,
            valid_until=claims["exp"] + leeway,
            key=key,
            key_id=key_id,
        )

    @staticmethod
    def _decode(token: str, key: Any, algorithm: str, rules: ClaimRules) -> dict[str, Any]:
        options: jwt.types.Options = {
            "require": ["exp", "sub"],
            "verify_aud": rules.audience is not None,
            "verify_iss": rules.issuer is not None,
        }
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=rules.audience,
                issuer=rules.issuer,
                leeway=rules.leeway_seconds,
                options=options,
            )
        except jwt.ExpiredSignatureError as error:
            raise AuthenticationFailed("token has expired") from error
        except jwt.ImmatureSignatureError as error:
            raise AuthenticationFailed("token is not valid yet") from error
        except jwt.InvalidAudienceError as error:
            raise AuthenticationFailed("token audience is not accepted") from error
        except jwt.InvalidIssuerError as error:
            raise AuthenticationFailed("token issuer is not accepted") from error
        except jwt.MissingRequiredClaimError as error:
            raise AuthenticationFailed(f"token has no '{error.claim}' claim") from error
        except jwt.InvalidSignatureError as error:
            raise AuthenticationFailed("token signature is invalid") from error
        except jwt.PyJWTError as error:
            raise AuthenticationFailed("token is invalid") from error


@dataclass(frozen=True, slots=True, kw_only=True)
class Proof:
    """What verifying a token established, and for how long it holds."""

    principal: Principal
    valid_from: float
    valid_until: float
    key: Any
    key_id: tuple[str | None, str] | None  # (kid, alg) for key-set tokens


class VerifiedTokens:
    """Tokens already proven, kept until their own time window closes.

    A browser sends the same token on every request for its whole life (Better Auth's last 15
    minutes), so this spares a signature check and three JSON parses per request. Keyed by the
    whole token, signature included, so nothing unverified can match an entry.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self._entries: OrderedDict[str, Proof] = OrderedDict()
        self._capacity = capacity

    def get(self, token: str, now: float) -> Proof | None:
        proof = self._entries.get(token)
        if proof is None:
            return None
        if not proof.valid_from <= now < proof.valid_until:
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return proof

    def add(self, token: str, proof: Proof) -> None:
        self._entries[token] = proof
        if len(self._entries) > self._capacity:
            self._entries.popitem(last=False)


def _check_single_reading(token: str) -> None:
    """Canonical base64url and JSON without repeated names, so every parser reads the same token.

    PyJWT alone tolerates padding, stray bits and repeated names (the last one wins), and a
    frontend or proxy that keeps the first `sub` or `alg` would see another token than we do.
    """
    if not _COMPACT_JWS.fullmatch(token):
        raise AuthenticationFailed("token is malformed")
    try:
        header, payload, _ = (_canonical_b64decode(segment) for segment in token.split("."))
        for document in (header, payload):
            json.loads(document, object_pairs_hook=_unique_members)
    except (ValueError, RecursionError) as error:
        raise AuthenticationFailed("token is malformed") from error


def _canonical_b64decode(segment: str) -> bytes:
    raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != segment:
        raise ValueError("not canonical base64url")
    return raw


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len({name for name, _ in pairs}) != len(pairs):
        raise ValueError("a member name is repeated")
    return dict(pairs)


def _check_numeric_dates(claims: dict[str, Any]) -> None:
    """RFC 7519 NumericDate is a JSON number; PyJWT would also take "1700000000" or true."""
    for name in NUMERIC_DATE_CLAIMS:
        value = claims.get(name)
        if name in claims and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise AuthenticationFailed(f"token '{name}' claim must be a number")


def _principal_from(claims: dict[str, Any]) -> Principal:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > OWNER_ID_MAX_LENGTH:
        raise AuthenticationFailed("token subject must be a string of 1 to 255 characters")
    if not _is_storable_text(subject):
        raise AuthenticationFailed("token subject is malformed")
    return Principal(
        user_id=subject,
        email=_optional_string(claims.get("email")),
        name=_optional_string(claims.get("name")),
    )


def _optional_string(value: object) -> str | None:
    return value if isinstance(value, str) and _is_storable_text(value) else None


def _is_storable_text(value: str) -> bool:
    """No NUL and no unpaired surrogate: what neither PostgreSQL nor a UTF-8 response can carry."""
    return "\x00" not in value and _LONE_SURROGATE.search(value) is None

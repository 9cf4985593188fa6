"""Public keys from a JWKS endpoint (Better Auth's `/api/auth/jwks`), cached by `kid`."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from jwt import PyJWK

from adapters.auth.jwt_verifier import PublicKeySource
from application.errors import AuthenticationFailed

MAX_JWKS_BYTES = 256 * 1024
MIN_RSA_KEY_BITS = 2048

# Which key type (and curves) each accepted algorithm may use. Symmetric ("oct") keys are
# absent on purpose: a key from a key set is never an HMAC secret.
_KEY_TYPES: dict[str, tuple[str, frozenset[str] | None]] = {
    "EdDSA": ("OKP", frozenset({"Ed25519", "Ed448"})),
    "ES256": ("EC", frozenset({"P-256"})),
    "ES512": ("EC", frozenset({"P-521"})),
    "RS256": ("RSA", None),
    "PS256": ("RSA", None),
}
# Members only a private or symmetric key has; a public key set must not carry them.
_SECRET_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


@dataclass(frozen=True, slots=True)
class _KeySet:
    keys: tuple[dict[str, Any], ...]
    fetched_at: float

    def candidates(self, kid: str | None) -> list[dict[str, Any]]:
        if kid is None:
            return list(self.keys)
        return [jwk for jwk in self.keys if jwk.get("kid") == kid]


class JwksKeySource(PublicKeySource):
    """Fetches the key set lazily, and again only for an unknown `kid` or a stale cache.

    Fetches are at most one per `min_refetch_interval` seconds whatever the tokens say, and
    concurrent lookups share one fetch. A stale cache (older than `max_age`) is refreshed, but
    kept if the refresh fails, so a short outage of the key set does not log everybody out.
    """

    def __init__(
        self,
        jwks_url: str,
        *,
        min_refetch_interval: float = 5.0,
        timeout: float = 3.0,
        http_client: httpx.AsyncClient | None = None,
        max_age: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = jwks_url
        self._min_refetch_interval = min_refetch_interval
        self._timeout = timeout
        self._max_age = max_age
        self._clock = clock
        self._owns_client = http_client is None
        self._client = http_client or httpx.AsyncClient(timeout=timeout, follow_redirects=False)
        self._lock = asyncio.Lock()
        self._key_set: _KeySet | None = None
        self._last_attempt: float | None = None
        self._last_failure: str | None = None
        self._prepared: dict[tuple[str | None, str], PyJWK] = {}

    async def key_for(self, kid: str | None, algorithm: str) -> PyJWK:
        if algorithm not in _KEY_TYPES:
            raise AuthenticationFailed("token algorithm is not accepted")
        key_set = self._key_set
        if key_set is None or not key_set.candidates(kid):
            await self._refresh(kid, wait_if_busy=True)
        elif self._clock() - key_set.fetched_at >= self._max_age and not self._lock.locked():
            # The kid is known: only the first request after expiry pays for the refresh.
            await self._refresh(kid, wait_if_busy=False)
        return self._select(kid, algorithm)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def _refresh(self, kid: str | None, *, wait_if_busy: bool) -> None:
        if not wait_if_busy and self._lock.locked():
            return
        async with self._lock:
            now = self._clock()
            key_set = self._key_set
            if key_set is not None and key_set.candidates(kid) and now - key_set.fetched_at < self._max_age:
                return  # another request refreshed while this one waited
            if self._last_attempt is not None and now - self._last_attempt < self._min_refetch_interval:
                return
            self._last_attempt = now
            try:
                keys = await self._fetch()
            except _FetchFailed as failure:
                self._last_failure = str(failure)
                return
            self._key_set = _KeySet(keys=keys, fetched_at=self._clock())
            self._prepared = {}
            self._last_failure = None

    def _select(self, kid: str | None, algorithm: str) -> PyJWK:
        prepared = self._prepared.get((kid, algorithm))
        if prepared is not None:
            return prepared
        candidates = self._key_set.candidates(kid) if self._key_set is not None else []
        if not candidates:
            if self._last_failure is not None:
                raise AuthenticationFailed(f"signing keys are unavailable: {self._last_failure}")
            raise AuthenticationFailed("token signing key is unknown")
        fitting = [key for key in (_prepare(jwk, algorithm) for jwk in candidates) if key is not None]
        if len(fitting) != 1:
            if not fitting:
                raise AuthenticationFailed("token signing key does not fit the token algorithm")
            raise AuthenticationFailed("token signing key is ambiguous")
        self._prepared[(kid, algorithm)] = fitting[0]
        return fitting[0]

    async def _fetch(self) -> tuple[dict[str, Any], ...]:
        try:
            # The overall deadline also bounds a server that trickles its answer.
            async with asyncio.timeout(self._timeout):
                async with self._client.stream(
                    "GET", self._url, headers={"accept": "application/json"}, timeout=self._timeout
                ) as response:
                    if response.status_code != 200:
                        raise _FetchFailed(f"key set answered HTTP {response.status_code}")
                    body = bytearray()
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) > MAX_JWKS_BYTES:
                            raise _FetchFailed("key set is too large")
        except _FetchFailed:
            raise
        except TimeoutError as error:
            raise _FetchFailed("key set did not answer in time") from error
        except Exception as error:  # any transport failure is an authentication failure
            raise _FetchFailed(f"key set could not be fetched ({type(error).__name__})") from error
        return _parse_key_set(bytes(body))


class _FetchFailed(Exception):
    pass


def _parse_key_set(body: bytes) -> tuple[dict[str, Any], ...]:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise _FetchFailed("key set is not valid JSON") from error
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        raise _FetchFailed("key set has no 'keys' list")
    return tuple(jwk for jwk in keys if _is_public_signing_key(jwk))


def _is_public_signing_key(jwk: object) -> bool:
    if not isinstance(jwk, dict) or not isinstance(jwk.get("kty"), str):
        return False
    if "kid" in jwk and not isinstance(jwk["kid"], str):
        return False
    if _SECRET_MEMBERS.intersection(jwk):
        return False
    if jwk.get("use", "sig") != "sig":
        return False
    key_ops = jwk.get("key_ops")
    return key_ops is None or (isinstance(key_ops, list) and "verify" in key_ops)


def _prepare(jwk: dict[str, Any], algorithm: str) -> PyJWK | None:
    """The key for `algorithm`, or None when its type, curve, size or own `alg` says otherwise."""
    kty, curves = _KEY_TYPES[algorithm]
    if jwk.get("alg", algorithm) != algorithm or jwk["kty"] != kty:
        return None
    if curves is not None and jwk.get("crv") not in curves:
        return None
    try:
        key = PyJWK(jwk, algorithm)
    except Exception:  # PyJWT raises several types for malformed members
        return None
    if kty == "RSA" and key.key.key_size < MIN_RSA_KEY_BITS:
        return None
    return key

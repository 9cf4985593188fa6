"""Hand-made JWTs, good and hostile, for the authentication tests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

_HMAC_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
ABSENT = object()
"""A claim value meaning: leave the claim out."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def claims(user_id: str, **overrides: object) -> dict[str, Any]:
    """Valid claims for `user_id` (an hour to live); an override of ABSENT drops that claim."""
    now = int(time.time())
    base: dict[str, Any] = {"sub": user_id, "iat": now, "exp": now + 3600}
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not ABSENT}


def unsigned(payload: dict[str, Any], alg: str = "none") -> str:
    """An `alg: none` token as an attacker writes it: empty signature."""
    return f"{_segment({'alg': alg, 'typ': 'JWT'})}.{_segment(payload)}."


def hmac_signed(key: bytes, payload: dict[str, Any], alg: object = "HS256") -> str:
    """Signed by hand, so any key (even a PEM) and any header `alg` can be used."""
    digest = _HMAC_HASHES.get(alg, hashlib.sha256) if isinstance(alg, str) else hashlib.sha256
    signing_input = f"{_segment({'alg': alg, 'typ': 'JWT'})}.{_segment(payload)}"
    signature = hmac.new(key, signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64url(signature)}"


def with_payload_of(token: str, payload: dict[str, Any]) -> str:
    """Keep the header and signature, swap the claims: what a tamperer does."""
    header, _, signature = token.split(".")
    return f"{header}.{_segment(payload)}.{signature}"


@cache
def private_key(alg: str) -> PrivateKeyTypes:
    if alg in {"RS256", "PS256"}:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if alg == "ES512":
        return ec.generate_private_key(ec.SECP521R1())
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(alg)


def asymmetric(payload: dict[str, Any], alg: str) -> str:
    return jwt.encode(payload, private_key(alg), algorithm=alg, headers={"kid": "test-key"})  # type: ignore[arg-type]


def public_key_pem(alg: str) -> bytes:
    return (
        private_key(alg)
        .public_key()
        .public_bytes(  # type: ignore[union-attr]
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )

"""HS256 tokens for development and tests, shaped like those a Next.js route would mint."""

from __future__ import annotations

import time
from typing import Any

import jwt


def mint_hs256(
    secret: str,
    user_id: str,
    *,
    ttl_seconds: int = 3600,
    email: str | None = None,
    name: str | None = None,
    issuer: str | None = None,
    audience: str | None = None,
) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {"sub": user_id, "iat": now, "exp": now + ttl_seconds}
    optional = {"email": email, "name": name, "iss": issuer, "aud": audience}
    claims.update({key: value for key, value in optional.items() if value is not None})
    return jwt.encode(claims, secret.encode(), algorithm="HS256")

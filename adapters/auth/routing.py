"""Sends each bearer token to the verifier for its kind: JWTs, or Better Auth session tokens."""

from __future__ import annotations

from adapters.auth.sessions import looks_like_session_token
from application.ports import TokenVerifier
from domain.identity import Principal


class TokenRouter(TokenVerifier):
    """A token of letters, digits, `-` and `_` (no dot) is a session token; anything else,
    a JWT or something that tried to be one, gets the JWT verifier and its own messages."""

    def __init__(self, jwts: TokenVerifier, sessions: TokenVerifier) -> None:
        self._jwts = jwts
        self._sessions = sessions

    async def verify(self, token: str) -> Principal:
        if looks_like_session_token(token):
            return await self._sessions.verify(token)
        return await self._jwts.verify(token)

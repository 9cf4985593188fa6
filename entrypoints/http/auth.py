"""Bearer extraction, in one place, before FastAPI reads the body."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, cast

from fastapi import Request, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer

from application.errors import AuthenticationFailed
from application.ports import TokenVerifier
from domain.identity import Principal

# Declares the scheme in OpenAPI; verification happens in the route class below.
bearer_scheme = HTTPBearer(auto_error=False, bearerFormat="JWT")


def authenticated_route(verifier: TokenVerifier) -> type[APIRoute]:
    """A route class that proves the caller first, so a token problem is 401 even with a bad body."""

    class AuthenticatedRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def authenticate_then_handle(request: Request) -> Response:
                token = bearer_token(request.headers.get("authorization"))
                request.state.principal = await verifier.verify(token)
                return await handler(request)

            return authenticate_then_handle

    return AuthenticatedRoute


def bearer_token(header: str | None) -> str:
    if header is None or not header.strip():
        raise AuthenticationFailed("A bearer token is required.", token_presented=False)
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise AuthenticationFailed("Use the Bearer authorization scheme.", token_presented=False)
    token = token.strip()
    if not token:
        raise AuthenticationFailed("A bearer token is required.", token_presented=False)
    return token


def current_principal(request: Request) -> Principal:
    return cast(Principal, request.state.principal)

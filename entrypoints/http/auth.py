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


# Only HTTP's optional whitespace: str.strip() would also eat NBSP, VT or FF glued to a token.
_OWS = " \t"


def bearer_token(header: str | None) -> str:
    if header is None or not header.strip(_OWS):
        raise AuthenticationFailed("A bearer token is required.", token_presented=False)
    scheme, _, token = header.strip(_OWS).partition(" ")
    if scheme.lower() != "bearer":
        raise AuthenticationFailed("Use the Bearer authorization scheme.", token_presented=False)
    token = token.strip(_OWS)
    if not token:
        raise AuthenticationFailed("A bearer token is required.", token_presented=False)
    return token


async def current_principal(request: Request) -> Principal:
    # async on purpose: FastAPI runs a plain `def` dependency in a worker thread.
    return cast(Principal, request.state.principal)

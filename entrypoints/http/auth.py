"""Bearer extraction, in one place, before FastAPI reads the body."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from typing import Any, cast

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer
from pydantic import BaseModel

from application.errors import AuthenticationFailed
from application.ports import TokenVerifier
from domain.errors import TaskNotFound
from domain.identity import Principal
from entrypoints.http.errors import UnknownQueryParameters

# Declares the scheme in OpenAPI; verification happens in the route class below.
bearer_scheme = HTTPBearer(auto_error=False, bearerFormat="JWT")


def authenticated_route(verifier: TokenVerifier) -> type[APIRoute]:
    """A route class that proves the caller first, so a token problem is 401 even with a bad body.

    Then, still before the body is read: a path's user id must be the caller's (else the 404 of a
    missing task), and every query parameter must be one the route takes (else 422).
    """

    class AuthenticatedRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()
            accepted = frozenset(query_parameter_names(self.dependant))

            async def authenticate_then_handle(request: Request) -> Response:
                token = bearer_token(request.headers.get("authorization"))
                principal = await verifier.verify(token)
                request.state.principal = principal
                path_user_id = getattr(request.state, "path_user_id", None)
                if path_user_id is not None and path_user_id != principal.user_id:
                    raise TaskNotFound(0)
                unknown = [name for name in dict.fromkeys(request.query_params) if name not in accepted]
                if unknown:
                    raise UnknownQueryParameters(unknown, accepted)
                return await handler(request)

            return authenticate_then_handle

    return AuthenticatedRoute


def query_parameter_names(dependant: Dependant) -> Iterable[str]:
    """What the route and its dependencies read from the query string, by wire name."""
    for field in dependant.query_params:
        model = field.field_info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            # A query-parameter model (`Annotated[Filters, Query()]`) contributes its fields.
            yield from (info.alias or name for name, info in model.model_fields.items())
        else:
            yield field.alias
    for dependency in dependant.dependencies:
        yield from query_parameter_names(dependency)


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

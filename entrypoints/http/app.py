"""The FastAPI application factory: wiring only, no state at import time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline

from entrypoints.container import Container, close_resources
from entrypoints.housekeeping import sweep_periodically
from entrypoints.http.errors import install_error_handlers
from entrypoints.http.fast_reads import FastReads
from entrypoints.http.middleware import RequestMiddleware
from entrypoints.http.responses import JsonResponse
from entrypoints.http.routes import api_router, health_router

EXPOSED_HEADERS = ["Location", "X-Total-Count", "X-Request-ID", "ETag", "Link", "Idempotency-Replayed"]
ALLOWED_HEADERS = ["Authorization", "Content-Type", "If-Match", "Idempotency-Key", "X-Request-ID"]
# Where a route function's name is not the verb a generated client should call.
_OPERATION_IDS = {
    "patch_task": "updateTask",
    "complete_task": "setTaskCompletion",
    "me": "getMe",
    "healthz": "getHealth",
    "readyz": "getReadiness",
}
# Swagger UI and ReDoc are served from the installed package, so /docs works with no internet.
DOCS_ASSETS_URL = "/docs/assets"


def operation_id(route: APIRoute) -> str:
    """`list_tasks` -> `listTasks`: short verbs for generated clients, not FastAPI's path-long ids."""
    if route.name in _OPERATION_IDS:
        return _OPERATION_IDS[route.name]
    first, *rest = route.name.split("_")
    return first + "".join(word.capitalize() for word in rest)


def create_app(container: Container) -> FastAPI:
    settings = container.settings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        sweeper = asyncio.create_task(sweep_periodically(container.purge_expired()))
        yield
        sweeper.cancel()
        await close_resources(container)

    app = FastAPIOffline(
        static_url=DOCS_ASSETS_URL,
        generate_unique_id_function=operation_id,
        title="Todo API",
        version="1.0.0",
        description="Tasks for users of a Better Auth frontend. Every /api route needs a bearer JWT.",
        default_response_class=JsonResponse,
        lifespan=lifespan,
        # Never a 307 for a trailing slash: the request context middleware serves both spellings.
        redirect_slashes=False,
    )
    api = api_router(container)
    app.include_router(api)
    app.include_router(health_router(container))
    install_error_handlers(app)
    if settings.fast_reads:
        # Innermost: behind the request middleware, ahead of FastAPI's routing.
        app.add_middleware(
            FastReads,
            verifier=container.token_verifier(),
            list_tasks=container.list_rendered_tasks(),
            get_task=container.get_rendered_task(),
            routes={route.name: route for route in api.routes if isinstance(route, APIRoute)},
        )
    cors = {
        "allow_origins": settings.allowed_origins,
        "allow_methods": ["GET", "POST", "PUT", "PATCH", "DELETE"],
        "allow_headers": ALLOWED_HEADERS,
        "expose_headers": EXPOSED_HEADERS,
        # For frontends that fetch with credentials: "include" out of habit; we read no cookie.
        "allow_credentials": True,
        "max_age": 600,
    }
    app.add_middleware(RequestMiddleware, cors=cors)
    _describe_errors_as_problems(app)
    return app


def _describe_errors_as_problems(app: FastAPI) -> None:
    """FastAPI labels every declared body application/json; ours are problem+json for errors."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for operation in (op for path in schema["paths"].values() for op in path.values()):
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if status[0] in "45" and "application/json" in content:
                        content["application/problem+json"] = content.pop("application/json")
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

"""Routes translate HTTP to use-case commands and back; no rule is decided here."""

from __future__ import annotations

from fastapi import APIRouter

from entrypoints.container import Container
from entrypoints.http.routes.changes import add_sync_routes
from entrypoints.http.routes.common import api_router as _authenticated_router
from entrypoints.http.routes.health import health_router
from entrypoints.http.routes.more import add_account_routes, add_bulk_routes
from entrypoints.http.routes.tasks import add_collection_routes, add_item_routes

__all__ = ["api_router", "health_router"]


def api_router(container: Container) -> APIRouter:
    router = _authenticated_router(container)
    add_collection_routes(router, container)
    add_bulk_routes(router, container)  # before /tasks/{task_id}
    add_sync_routes(router, container)  # before /tasks/{task_id}
    add_item_routes(router, container)
    add_account_routes(router, container)
    return router

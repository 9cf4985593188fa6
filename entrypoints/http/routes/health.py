"""Liveness and readiness, without a token."""

from __future__ import annotations

from fastapi import APIRouter, Response

from application.errors import StorageUnavailable
from entrypoints.container import Container
from entrypoints.http.errors import service_unavailable
from entrypoints.http.responses import JsonResponse
from entrypoints.http.routes.common import responses
from entrypoints.http.schemas import Health


def health_router(container: Container) -> APIRouter:
    check_readiness = container.check_readiness()  # resolved once, like the api routes'
    router = APIRouter(default_response_class=JsonResponse, tags=["health"])

    @router.get("/healthz", response_model=Health, responses=responses(200))
    async def healthz() -> Response:
        return JsonResponse({"status": "ok"})

    @router.get("/readyz", response_model=Health, responses=responses(200, 503))
    async def readyz() -> Response:
        try:
            await check_readiness()
        except StorageUnavailable:
            return service_unavailable()
        return JsonResponse({"status": "ok"})

    return router

"""In-process clients on one `create_app(memory_container)` per test: the caller, a stranger, no one."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from entrypoints.container import Container
from entrypoints.http.app import create_app
from tests.support.memory import asgi_client


@pytest.fixture
def app(memory_container: Container) -> FastAPI:
    return create_app(memory_container)


@pytest.fixture
async def client(app: FastAPI, user_id: str) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app, user_id) as signed_in:
        yield signed_in


@pytest.fixture
async def stranger(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Another user on the same app and repository."""
    async with asgi_client(app, f"stranger-{uuid.uuid4()}") as other:
        yield other


@pytest.fixture
async def anonymous(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as nobody:
        yield nobody

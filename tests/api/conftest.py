"""Clients for the shared `server`: the caller, a stranger, and someone with no token at all."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.api.helpers import api_client
from tests.support.api_server import ApiServer


@pytest.fixture
def client(server: ApiServer, user_id: str) -> Iterator[httpx.Client]:
    with api_client(server, user_id) as authenticated:
        yield authenticated


@pytest.fixture
def stranger_id() -> str:
    return f"stranger-{uuid.uuid4()}"


@pytest.fixture
def stranger(server: ApiServer, stranger_id: str) -> Iterator[httpx.Client]:
    """Another signed-in user, who must never see or touch the caller's tasks."""
    with api_client(server, stranger_id) as other:
        yield other


@pytest.fixture
def anonymous(server: ApiServer) -> Iterator[httpx.Client]:
    with api_client(server) as nobody:
        yield nobody


@pytest.fixture
def two_devices(server: ApiServer, user_id: str) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """The same user on two devices: two connections, two tokens."""
    with api_client(server, user_id) as laptop, api_client(server, user_id, name="phone") as phone:
        yield laptop, phone

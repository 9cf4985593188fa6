"""The fast read path answers a database outage itself: the store is asked once, not twice."""

from __future__ import annotations

from dependency_injector import providers

from application.errors import StorageUnavailable
from application.ports import RenderedPage, RenderedTask
from domain.query import TaskQuery
from entrypoints.http.app import create_app
from tests.api.helpers import assert_problem
from tests.support.memory import asgi_client, build_memory_container


class DownRenderer:
    def __init__(self) -> None:
        self.calls = 0

    async def page(self, owner_id: str, query: TaskQuery) -> RenderedPage:
        self.calls += 1
        raise StorageUnavailable("down")

    async def get(self, owner_id: str, task_id: int) -> RenderedTask | None:
        self.calls += 1
        raise StorageUnavailable("down")


async def test_a_fast_read_during_an_outage_is_one_503_with_retry_after(user_id: str) -> None:
    container = build_memory_container()
    down = DownRenderer()
    container.task_renderer.override(providers.Object(down))
    async with asgi_client(create_app(container), user_id) as client:
        for path in ("/api/tasks", "/api/tasks/1"):
            response = await client.get(path)
            assert_problem(response, 503)
            assert response.headers["retry-after"]
            assert response.headers["x-request-id"] and response.headers["cache-control"] == "no-store"
    assert down.calls == 2  # one per request: the framework's route did not ask again

"""TaskPageRenderer for any TaskReader: Tasks rendered by the API's own serializer (task_json).

The in-memory store and SQLite use it; PostgreSQL renders in the database (adapters.sql.task_render).
"""

from __future__ import annotations

import orjson

from application.ports import RenderedPage, RenderedTask, TaskPageRenderer, TaskReader
from domain.query import TaskQuery
from entrypoints.http.schemas import task_json


class SerializedTasks(TaskPageRenderer):
    def __init__(self, reader: TaskReader) -> None:
        self._reader = reader

    async def page(self, owner_id: str, query: TaskQuery) -> RenderedPage:
        page = await self._reader.page(owner_id, query)
        return RenderedPage(orjson.dumps([task_json(task) for task in page.items]), page.total)

    async def get(self, owner_id: str, task_id: int) -> RenderedTask | None:
        task = await self._reader.get(owner_id, task_id)
        return None if task is None else RenderedTask(orjson.dumps(task_json(task)), task.version)

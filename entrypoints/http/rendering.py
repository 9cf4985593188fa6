"""The JSON the API answers with, and TaskPageRenderer for any TaskReader built on it.

The in-memory store and SQLite render through task_json; PostgreSQL keeps the same bytes for each
task (migration 0007's render_task, read by adapters.sql.task_render), which
tests/api/test_fast_reads.py holds byte for byte: a change to task_json needs a migration too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from application.ports import RenderedPage, RenderedTask, TaskPageRenderer, TaskReader
from application.use_cases import AccountTasks
from domain.changes import ChangeBatch, Upserted
from domain.identity import Principal
from domain.query import TagCount, TaskQuery
from domain.task import Task


class SerializedTasks(TaskPageRenderer):
    def __init__(self, reader: TaskReader) -> None:
        self._reader = reader

    async def page(self, owner_id: str, query: TaskQuery) -> RenderedPage:
        page = await self._reader.page(owner_id, query)
        return RenderedPage(orjson.dumps([task_json(task) for task in page.items]), page.total)

    async def get(self, owner_id: str, task_id: int) -> RenderedTask | None:
        task = await self._reader.get(owner_id, task_id)
        return None if task is None else RenderedTask(orjson.dumps(task_json(task)), task.version)


def task_json(task: Task) -> dict[str, Any]:
    created_at = rfc3339(task.created_at)
    # Formatting is a visible share of a list's CPU; a never-edited task has one time twice.
    updated_at = created_at if task.updated_at == task.created_at else rfc3339(task.updated_at)
    return {
        "id": task.id,
        "title": task.title,
        "description": task.description,
        "completed": task.completed,
        "priority": task.priority.value,
        "tags": list(task.tags),
        "due": None if task.due is None else task.due.as_json(),
        "recurrence": task.recurrence,
        "repeat_from": task.repeat_from.value,
        "remind_at": None if task.remind_at is None else rfc3339(task.remind_at),
        "completed_at": None if task.completed_at is None else rfc3339(task.completed_at),
        "next_occurrence_id": task.next_occurrence_id,
        "created_at": created_at,
        "updated_at": updated_at,
    }


def changes_json(batch: ChangeBatch, cursor: str) -> dict[str, Any]:
    changes = [
        {"op": "upsert", "task": task_json(change.task)}
        if isinstance(change, Upserted)
        else {"op": "delete", "id": change.task_id}
        for change in batch.changes
    ]
    return {"changes": changes, "cursor": cursor, "has_more": batch.has_more}


def me_json(principal: Principal, tasks: AccountTasks) -> dict[str, Any]:
    return {
        "user_id": principal.user_id,
        "email": principal.email,
        "name": principal.name,
        "tasks": {"total": tasks.total, "completed": tasks.completed, "limit": tasks.limit},
    }


def tags_json(tags: list[TagCount]) -> list[dict[str, Any]]:
    return [{"name": tag.name, "count": tag.count} for tag in tags]


def rfc3339(moment: datetime) -> str:
    """UTC with millisecond precision, as JavaScript's toISOString writes it."""
    text = moment.isoformat(timespec="milliseconds")
    if not text.endswith("+00:00"):
        text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text[:-6] + "Z"

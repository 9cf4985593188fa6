"""A real, process-local TaskRepo: same contract as the SQL one, kept in a dict."""

from __future__ import annotations

import asyncio
from datetime import datetime

from application.ports import TaskRepo
from domain.errors import TaskNotFound, VersionMismatch
from domain.task import NewTask, SortField, StatusFilter, Task, TaskChanges, TaskPage, TaskQuery


class InMemoryTaskRepo(TaskRepo):
    def __init__(self) -> None:
        self._tasks: dict[int, Task] = {}
        self._next_id = 1
        self._lock = asyncio.Lock()

    async def add(self, owner_id: str, new: NewTask, now: datetime) -> Task:
        async with self._lock:
            task = Task(
                id=self._next_id,
                owner_id=owner_id,
                title=new.title,
                description=new.description,
                completed=new.completed,
                created_at=now,
                updated_at=now,
            )
            self._tasks[task.id] = task
            self._next_id += 1
            return task

    async def get(self, owner_id: str, task_id: int) -> Task | None:
        task = self._tasks.get(task_id)
        return task if task is not None and task.owner_id == owner_id else None

    async def list(self, owner_id: str, query: TaskQuery) -> TaskPage:
        matches = [task for task in self._tasks.values() if _matches(task, owner_id, query)]
        matches.sort(key=lambda task: (_sort_value(task, query.sort), task.id), reverse=query.descending)
        return TaskPage(matches[query.offset : query.offset + query.limit], len(matches))

    async def update(
        self,
        owner_id: str,
        task_id: int,
        changes: TaskChanges,
        now: datetime,
        expected_version: int | None = None,
    ) -> Task:
        async with self._lock:
            task = self._owned(owner_id, task_id, expected_version)
            changed = changes.apply_to(task, now)
            self._tasks[task_id] = changed
            return changed

    async def delete(self, owner_id: str, task_id: int, expected_version: int | None = None) -> None:
        async with self._lock:
            self._owned(owner_id, task_id, expected_version)
            del self._tasks[task_id]

    async def ping(self) -> None:
        return None

    def _owned(self, owner_id: str, task_id: int, expected_version: int | None) -> Task:
        task = self._tasks.get(task_id)
        if task is None or task.owner_id != owner_id:
            raise TaskNotFound(task_id)
        if expected_version is not None and task.version != expected_version:
            raise VersionMismatch(task_id, expected_version)
        return task


def _matches(task: Task, owner_id: str, query: TaskQuery) -> bool:
    if task.owner_id != owner_id:
        return False
    if query.status is StatusFilter.PENDING and task.completed:
        return False
    if query.status is StatusFilter.COMPLETED and not task.completed:
        return False
    if query.search is not None:
        needle = query.search.lower()
        haystacks = (task.title, task.description or "")
        return any(needle in text.lower() for text in haystacks)
    return True


def _sort_value(task: Task, sort: SortField) -> datetime | str:
    if sort is SortField.TITLE:
        return task.title.lower()
    return task.created_at if sort is SortField.CREATED_AT else task.updated_at

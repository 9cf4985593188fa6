"""A real, process-local store: the same contract as the SQL one, kept in a dict."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from typing import Any

from adapters.memory.changes import ChangeLog, OutcomeStore
from application.ports import ChangeFeed, IdempotencyRecords, TaskReader, TaskRepo
from domain.changes import ChangeBatch
from domain.errors import QuotaExceeded, TaskNotFound, VersionMismatch
from domain.fields import tag_key
from domain.idempotency import Receipt, Recorded
from domain.query import SortField, StatusFilter, TagCount, TaskCounts, TaskPage, TaskQuery
from domain.task import Edited, NewTask, PlannedEdit, Task, TaskChanges, complete


class InMemoryTaskRepo(TaskRepo, TaskReader, ChangeFeed, IdempotencyRecords):
    """A receipt's key is checked before the change and recorded after it, under the one lock."""

    def __init__(self) -> None:
        self._tasks: dict[int, Task] = {}
        self._next_id = 1
        self._lock = asyncio.Lock()
        self._changes = ChangeLog()
        self._outcomes = OutcomeStore()

    async def add(
        self,
        owner_id: str,
        new: NewTask,
        now: datetime,
        task_limit: int | None,
        *,
        receipt: Receipt[Task] | None = None,
    ) -> Task:
        async with self._lock:
            self._outcomes.check_free(owner_id, receipt)
            self._check_room(owner_id, task_limit)
            task = self._insert(owner_id, new, now)
            self._outcomes.record(owner_id, receipt, task)
            return task

    async def update(
        self,
        owner_id: str,
        task_id: int,
        changes: TaskChanges,
        now: datetime,
        *,
        expected_version: int | None = None,
        task_limit: int | None = None,
        receipt: Receipt[Edited] | None = None,
    ) -> Edited:
        async with self._lock:
            self._outcomes.check_free(owner_id, receipt)
            task = self._owned(owner_id, task_id, expected_version)
            plan = changes.apply_to(task, now)
            if plan.next_occurrence is not None:
                self._check_room(owner_id, task_limit)
            edited = self._save(plan, now)
            self._outcomes.record(owner_id, receipt, edited)
            return edited

    async def delete(
        self,
        owner_id: str,
        task_id: int,
        expected_version: int | None = None,
        *,
        receipt: Receipt[None] | None = None,
    ) -> None:
        async with self._lock:
            self._outcomes.check_free(owner_id, receipt)
            self._owned(owner_id, task_id, expected_version)
            self._remove(task_id)
            self._outcomes.record(owner_id, receipt, None)

    async def clear_completed(self, owner_id: str, *, receipt: Receipt[int] | None = None) -> int:
        async with self._lock:
            self._outcomes.check_free(owner_id, receipt)
            done = [task.id for task in self._tasks.values() if task.owner_id == owner_id and task.completed]
            for task_id in done:
                self._remove(task_id)
            self._outcomes.record(owner_id, receipt, len(done))
            return len(done)

    async def complete_all(self, owner_id: str, now: datetime, *, receipt: Receipt[int] | None = None) -> int:
        async with self._lock:
            self._outcomes.check_free(owner_id, receipt)
            owned = (task for task in self._tasks.values() if task.owner_id == owner_id)
            pending = [task for task in owned if not task.completed]
            for task in sorted(pending, key=lambda task: task.id):
                self._save(complete(task, now), now)
            self._outcomes.record(owner_id, receipt, len(pending))
            return len(pending)

    async def changes_after(
        self, owner_id: str, position: int, limit: int, *, with_deletions: bool
    ) -> ChangeBatch:
        return self._changes.after(owner_id, position, limit, with_deletions, self._tasks.get)

    async def purge_tombstones(self, before: datetime) -> int:
        return self._changes.purge(before)

    async def find(self, owner_id: str, key: str, window_start: datetime) -> Recorded | None:
        return self._outcomes.find(owner_id, key, window_start)

    async def purge(self, before: datetime) -> int:
        return self._outcomes.purge(before)

    async def ping(self) -> None:
        return None

    async def get(self, owner_id: str, task_id: int) -> Task | None:
        task = self._tasks.get(task_id)
        return task if task is not None and task.owner_id == owner_id else None

    async def page(self, owner_id: str, query: TaskQuery) -> TaskPage:
        owned = (task for task in self._tasks.values() if task.owner_id == owner_id)
        matches = [task for task in owned if _matches(task, query)]
        if query.sort is SortField.DUE:
            # Tasks without a due come last whichever way the dues run.
            dated = sorted(
                (task for task in matches if task.due is not None),
                key=lambda task: (task.due.at, task.id),  # type: ignore[union-attr]
                reverse=query.descending,
            )
            undated = sorted((task for task in matches if task.due is None), key=lambda task: task.id)
            matches = dated + (undated[::-1] if query.descending else undated)
        else:
            matches.sort(key=lambda task: (_sort_value(task, query.sort), task.id), reverse=query.descending)
        return TaskPage(matches[query.offset : query.offset + query.limit], len(matches))

    async def tags(self, owner_id: str) -> list[TagCount]:
        counts: dict[str, TagCount] = {}
        for task in sorted(self._tasks.values(), key=lambda task: task.id):
            if task.owner_id != owner_id:
                continue
            for tag in task.tags:
                seen = counts.get(tag_key(tag))
                counts[tag_key(tag)] = TagCount(seen.name if seen else tag, (seen.count if seen else 0) + 1)
        return [counts[key] for key in sorted(counts)]

    async def counts(self, owner_id: str) -> TaskCounts:
        owned = [task for task in self._tasks.values() if task.owner_id == owner_id]
        return TaskCounts(len(owned), sum(task.completed for task in owned))

    def _insert(self, owner_id: str, new: NewTask, now: datetime) -> Task:
        task = new.to_task(id=self._next_id, owner_id=owner_id, now=now)
        self._tasks[task.id] = task
        self._changes.touch(owner_id, task.id)
        self._next_id += 1
        return task

    def _remove(self, task_id: int) -> None:
        task = self._tasks.pop(task_id)
        self._changes.touch(task.owner_id, task_id, deleted=True)

    def _save(self, plan: PlannedEdit, now: datetime) -> Edited:
        task, created = plan.task, None
        if plan.next_occurrence is not None:
            created = self._insert(task.owner_id, plan.next_occurrence, now)
            task = replace(task, next_occurrence_id=created.id)
        self._tasks[task.id] = task
        self._changes.touch(task.owner_id, task.id)
        return Edited(task, created)

    def _check_room(self, owner_id: str, task_limit: int | None) -> None:
        if task_limit is not None:
            held = sum(1 for task in self._tasks.values() if task.owner_id == owner_id)
            if held >= task_limit:
                raise QuotaExceeded(task_limit)

    def _owned(self, owner_id: str, task_id: int, expected_version: int | None) -> Task:
        task = self._tasks.get(task_id)
        if task is None or task.owner_id != owner_id:
            raise TaskNotFound(task_id)
        if expected_version is not None and task.version != expected_version:
            raise VersionMismatch(task_id, expected_version)
        return task


def _matches(task: Task, query: TaskQuery) -> bool:
    checks = (
        query.status is not StatusFilter.PENDING or not task.completed,
        query.status is not StatusFilter.COMPLETED or task.completed,
        query.status is not StatusFilter.OVERDUE or _overdue(task, query.now),
        not query.priorities or task.priority in query.priorities,
        set(query.tags) <= {tag_key(tag) for tag in task.tags},
        query.has_due is None or (task.due is not None) is query.has_due,
        query.due_before is None or (task.due is not None and task.due.at < query.due_before),
        query.due_after is None or (task.due is not None and task.due.at >= query.due_after),
        query.search is None or _mentions(task, query.search),
    )
    return all(checks)


def _overdue(task: Task, now: datetime | None) -> bool:
    return not task.completed and task.due is not None and now is not None and task.due.at < now


def _mentions(task: Task, needle: str) -> bool:
    return any(needle.lower() in text.lower() for text in (task.title, task.description or ""))


def _sort_value(task: Task, sort: SortField) -> Any:
    if sort is SortField.TITLE:
        return task.title.lower()
    if sort is SortField.PRIORITY:
        return task.priority.urgency
    return task.created_at if sort is SortField.CREATED_AT else task.updated_at

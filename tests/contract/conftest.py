"""Every store behind both ports: in-memory, SQLite and PostgreSQL, built directly."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.memory.task_repo import InMemoryTaskRepo
from adapters.sql.engine import PoolSettings, create_engine
from adapters.sql.runner import statement_runner
from adapters.sql.task_reader import SqlTaskReader
from adapters.sql.task_repo import SqlTaskRepo
from application.ports import TaskReader, TaskRepo
from domain.query import TaskPage, TaskQuery
from domain.task import Edited, NewTask, Task, TaskChanges

T0 = datetime(2026, 11, 26, 10, 0, 0, 123000, tzinfo=UTC)
T1 = T0 + timedelta(seconds=1)
T2 = T0 + timedelta(hours=1, milliseconds=1)


@dataclass(frozen=True, slots=True)
class Store:
    """Both ports of one store, with the shorthands the contract tests use."""

    repo: TaskRepo
    reader: TaskReader
    kind: str

    async def add(
        self, owner: str, title: str = "t", *, now: datetime = T0, limit: int | None = None, **fields: Any
    ) -> Task:
        return await self.repo.add(owner, NewTask(title=title, **fields), now, limit)

    async def edit(
        self, owner: str, task_id: int, changes: TaskChanges, now: datetime = T1, **options: Any
    ) -> Edited:
        return await self.repo.update(owner, task_id, changes, now, **options)

    async def update(
        self, owner: str, task_id: int, changes: TaskChanges, now: datetime = T1, **options: Any
    ) -> Task:
        return (await self.edit(owner, task_id, changes, now, **options)).task

    async def get(self, owner: str, task_id: int) -> Task | None:
        return await self.reader.get(owner, task_id)

    async def page(self, owner: str, **query: Any) -> TaskPage:
        return await self.reader.page(owner, TaskQuery(**query))

    async def ids(self, owner: str, **query: Any) -> tuple[list[int], int]:
        page = await self.page(owner, **query)
        return [task.id for task in page.items], page.total

    async def all_tasks(self, owner: str) -> list[Task]:
        """The owner's tasks by id (at most 500)."""
        return (await self.page(owner, limit=500, descending=False)).items


@asynccontextmanager
async def open_store(kind: str, request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    """The store of that kind: "memory", or "sqlite" / "postgres" on the session's migrated database."""
    if kind == "memory":
        memory = InMemoryTaskRepo()
        yield Store(memory, memory, kind)
        return
    engine = create_engine(request.getfixturevalue(f"{kind}_url"), PoolSettings())
    runner = statement_runner(engine)
    try:
        yield Store(SqlTaskRepo(runner), SqlTaskReader(runner), kind)
    finally:
        await engine.dispose()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    async with open_store(request.param, request) as opened:
        yield opened


@pytest.fixture
def owner() -> str:
    return f"owner-{uuid.uuid4()}"


@pytest.fixture
def stranger() -> str:
    return f"stranger-{uuid.uuid4()}"

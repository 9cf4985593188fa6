"""TaskReader on SQLAlchemy Core: each read is one statement, so one snapshot, and one round trip."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.sql.expression import BindParameter

from adapters.sql.listing import Shape, page_parameters, page_statement
from adapters.sql.rows import task_mapper
from adapters.sql.runner import StatementRunner
from adapters.sql.tables import task_counts, task_tags, tasks
from application.ports import TaskReader
from domain.fields import TAGS_MAX_COUNT
from domain.query import TagCount, TaskCounts, TaskPage, TaskQuery
from domain.task import Task


class SqlTaskReader(TaskReader):
    def __init__(self, runner: StatementRunner) -> None:
        self._run = runner.rows
        self._dialect = runner.dialect

    async def get(self, owner_id: str, task_id: int) -> Task | None:
        rows = await self._run(_GET_ONE, {"owner_id": owner_id, "task_id": task_id})
        return _READ_ONE(rows[0]) if rows else None

    async def page(self, owner_id: str, query: TaskQuery) -> TaskPage:
        if len(query.tags) > TAGS_MAX_COUNT:
            return TaskPage([], 0)  # no task carries that many tags; no statement of that shape
        statement = page_statement(Shape.of(query), self._dialect)
        rows = await self._run(statement, page_parameters(owner_id, query))
        # Each row is the total, then the task's columns; an empty page is one row of NULLs.
        read = task_mapper(statement)
        items = [read(row) for row in rows if row[1] is not None]
        return TaskPage(items, rows[0][0] if rows else 0)

    async def tags(self, owner_id: str) -> list[TagCount]:
        rows = await self._run(_TAGS, {"owner_id": owner_id})
        # Sorted here, by code point like the other stores: the database's collation may differ.
        return [TagCount(name, int(count)) for _, name, count in sorted(rows, key=lambda row: row[0])]

    async def counts(self, owner_id: str) -> TaskCounts:
        rows = await self._run(_COUNTS, {"owner_id": owner_id})
        return TaskCounts(int(rows[0][0]), int(rows[0][1])) if rows else TaskCounts(0, 0)


_OWNER: BindParameter[str] = bindparam("owner_id")
_GET_ONE = select(tasks).where(tasks.c.id == bindparam("task_id"), tasks.c.user_id == _OWNER)
_READ_ONE = task_mapper(_GET_ONE)
_COUNTS = select(task_counts.c.total, task_counts.c.completed).where(task_counts.c.user_id == _OWNER)


def _tags_statement() -> Any:
    """Each of the owner's tags: its count, and its spelling on the oldest (lowest id) task carrying it.

    One pass over the owner's entries in ix_task_tags_user_key, then one lookup per tag.
    """
    counted = (
        select(
            task_tags.c.tag_key,
            func.count().label("tasks"),
            func.min(task_tags.c.task_id).label("first_task_id"),
        )
        .where(task_tags.c.user_id == _OWNER)
        .group_by(task_tags.c.tag_key)
        .subquery("counted")
    )
    first = task_tags.alias("first_use")
    return select(counted.c.tag_key, first.c.name, counted.c.tasks).join(
        first, (first.c.task_id == counted.c.first_task_id) & (first.c.tag_key == counted.c.tag_key)
    )


_TAGS = _tags_statement()

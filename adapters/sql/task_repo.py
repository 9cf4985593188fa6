"""TaskRepo on SQLAlchemy Core: one statement, one round trip, per operation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    bindparam,
    delete,
    exc,
    func,
    insert,
    not_,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.sql.tables import fold_case, tasks
from application.errors import StorageUnavailable
from application.ports import TaskRepo
from domain.errors import TaskNotFound, VersionMismatch
from domain.task import (
    Keep,
    NewTask,
    SortField,
    StatusFilter,
    Task,
    TaskChanges,
    TaskPage,
    TaskQuery,
    Toggle,
)

_SORT_COLUMNS = {
    SortField.CREATED_AT: "created_at",
    SortField.UPDATED_AT: "updated_at",
    SortField.TITLE: "title",
}


class SqlTaskRepo(TaskRepo):
    def __init__(
        self, engine: AsyncEngine, *, timeout_seconds: float = 4.0, max_connections: int = 20
    ) -> None:
        self._engine = engine
        self._timeout = timeout_seconds
        # asyncio.Queue (behind the pool) lets a newcomer take a connection from a woken waiter,
        # which can starve a request for seconds under load; a Semaphore serves in arrival order.
        self._turns = asyncio.Semaphore(max_connections)

    async def add(self, owner_id: str, new: NewTask, now: datetime) -> Task:
        statement = (
            insert(tasks)
            .values(
                user_id=owner_id,
                title=new.title,
                description=new.description,
                completed=new.completed,
                created_at=now,
                updated_at=now,
                version=1,
            )
            .returning(*tasks.c)
        )
        async with self._transaction() as connection:
            row = (await connection.execute(statement)).one()
        return _row_to_task(row)

    async def get(self, owner_id: str, task_id: int) -> Task | None:
        parameters = {"owner_id": owner_id, "task_id": task_id}
        async with self._connection() as connection:
            row = (await connection.execute(_GET_ONE, parameters)).one_or_none()
        return None if row is None else _row_to_task(row)

    async def list(self, owner_id: str, query: TaskQuery) -> TaskPage:
        statement = _list_statement(query.status, query.sort, query.descending, query.search is not None)
        parameters = {"owner_id": owner_id, "limit": query.limit, "offset": query.offset}
        if query.search is not None:
            parameters["pattern"] = f"%{_escape_like(query.search)}%"
        async with self._connection() as connection:
            rows = (await connection.execute(statement, parameters)).all()
        items = [_row_to_task(row) for row in rows if row.id is not None]
        return TaskPage(items, rows[0].total if rows else 0)

    async def update(
        self,
        owner_id: str,
        task_id: int,
        changes: TaskChanges,
        now: datetime,
        expected_version: int | None = None,
    ) -> Task:
        statement = (
            update(tasks)
            .where(*_target(owner_id, task_id, expected_version))
            .values(**_assignments(changes), updated_at=now, version=tasks.c.version + 1)
            .returning(*tasks.c)
        )
        async with self._transaction() as connection:
            row = (await connection.execute(statement)).one_or_none()
            if row is None:
                await self._raise_missing(connection, owner_id, task_id, expected_version)
        assert row is not None
        return _row_to_task(row)

    async def delete(self, owner_id: str, task_id: int, expected_version: int | None = None) -> None:
        statement = (
            delete(tasks).where(*_target(owner_id, task_id, expected_version)).returning(tasks.c.id)
        )
        async with self._transaction() as connection:
            if (await connection.execute(statement)).one_or_none() is None:
                await self._raise_missing(connection, owner_id, task_id, expected_version)

    async def ping(self) -> None:
        async with self._connection() as connection:
            await connection.execute(select(1))

    @staticmethod
    async def _raise_missing(
        connection: AsyncConnection, owner_id: str, task_id: int, expected_version: int | None
    ) -> None:
        if expected_version is not None:
            exists = select(tasks.c.id).where(tasks.c.id == task_id, tasks.c.user_id == owner_id)
            if (await connection.execute(exists)).one_or_none() is not None:
                raise VersionMismatch(task_id, expected_version)
        raise TaskNotFound(task_id)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[AsyncConnection]:
        try:
            async with asyncio.timeout(self._timeout), self._turns, self._engine.connect() as connection:
                yield connection
        except (TimeoutError, exc.OperationalError, exc.InterfaceError, exc.TimeoutError) as error:
            raise StorageUnavailable(str(type(error).__name__)) from error
        except exc.DBAPIError as error:
            if error.connection_invalidated:
                raise StorageUnavailable("connection lost") from error
            raise

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection]:
        async with self._connection() as connection, connection.begin():
            yield connection


_GET_ONE = select(tasks).where(
    tasks.c.id == bindparam("task_id"), tasks.c.user_id == bindparam("owner_id")
)


@cache
def _list_statement(
    status: StatusFilter, sort: SortField, descending: bool, searching: bool
) -> Select[Any]:
    """Built once per shape of query; the values travel as bound parameters."""
    conditions: list[ColumnElement[bool]] = [tasks.c.user_id == bindparam("owner_id")]
    if status is StatusFilter.PENDING:
        conditions.append(not_(tasks.c.completed))
    elif status is StatusFilter.COMPLETED:
        conditions.append(tasks.c.completed)
    if searching:
        pattern = fold_case(bindparam("pattern"))
        conditions.append(
            or_(
                fold_case(tasks.c.title).like(pattern, escape="\\"),
                fold_case(tasks.c.description).like(pattern, escape="\\"),
            )
        )
    page = (
        select(tasks)
        .where(*conditions)
        .order_by(*_ordering(tasks.c, sort, descending))
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery("page")
    )
    total = select(func.count().label("total")).where(*conditions).subquery("total")
    # The page and the count in one round trip; the outer join keeps the count on an empty page.
    return (
        select(total.c.total, page)
        .select_from(total.outerjoin(page, true()))
        .order_by(*_ordering(page.c, sort, descending))
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _ordering(columns: Any, sort: SortField, descending: bool) -> Sequence[ColumnElement[Any]]:
    column = columns[_SORT_COLUMNS[sort]]
    key = func.lower(column) if sort is SortField.TITLE else column
    if descending:
        return key.desc(), columns.id.desc()
    return key.asc(), columns.id.asc()


def _target(owner_id: str, task_id: int, expected_version: int | None) -> list[ColumnElement[bool]]:
    conditions = [tasks.c.id == task_id, tasks.c.user_id == owner_id]
    if expected_version is not None:
        conditions.append(tasks.c.version == expected_version)
    return conditions


def _assignments(changes: TaskChanges) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if not isinstance(changes.title, Keep):
        values["title"] = changes.title
    if not isinstance(changes.description, Keep):
        values["description"] = changes.description
    if isinstance(changes.completed, Toggle):
        values["completed"] = not_(tasks.c.completed)
    elif not isinstance(changes.completed, Keep):
        values["completed"] = changes.completed
    return values


def _row_to_task(row: Row[Any]) -> Task:
    return Task(
        id=row.id,
        owner_id=row.user_id,
        title=row.title,
        description=row.description,
        completed=row.completed,
        created_at=_utc(row.created_at),
        updated_at=_utc(row.updated_at),
        version=row.version,
    )


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

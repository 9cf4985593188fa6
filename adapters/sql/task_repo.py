"""TaskRepo on SQLAlchemy Core statements: one statement, one round trip, per operation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import Enum
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    Update,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    not_,
    or_,
    select,
    true,
    update,
)

from adapters.sql.runner import StatementRunner
from adapters.sql.tables import fold_case, task_counts, tasks
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
    def __init__(self, runner: StatementRunner) -> None:
        self._run = runner.rows

    async def add(self, owner_id: str, new: NewTask, now: datetime) -> Task:
        parameters = {
            "owner_id": owner_id,
            "new_title": new.title,
            "new_description": new.description,
            "new_completed": new.completed,
            "now": now,
        }
        (row,) = await self._run(_INSERT, parameters)
        return _row_to_task(row)

    async def get(self, owner_id: str, task_id: int) -> Task | None:
        rows = await self._run(_GET_ONE, {"owner_id": owner_id, "task_id": task_id})
        return _row_to_task(rows[0]) if rows else None

    async def list(self, owner_id: str, query: TaskQuery) -> TaskPage:
        statement = _list_statement(query.status, query.sort, query.descending, _Search.of(query.search))
        parameters: dict[str, Any] = {"owner_id": owner_id, "limit": query.limit, "offset": query.offset}
        if query.search is not None:
            parameters["pattern"] = f"%{_escape_like(query.search)}%"
        rows = await self._run(statement, parameters)
        # Each row is the total, then the task's columns; an empty page is one row of NULLs.
        items = [_row_to_task(row, 1) for row in rows if row[1] is not None]
        return TaskPage(items, rows[0][0] if rows else 0)

    async def update(
        self,
        owner_id: str,
        task_id: int,
        changes: TaskChanges,
        now: datetime,
        expected_version: int | None = None,
    ) -> Task:
        statement = _update_statement(
            setting_title=not isinstance(changes.title, Keep),
            setting_description=not isinstance(changes.description, Keep),
            completion=_Completion.of(changes.completed),
            versioned=expected_version is not None,
        )
        # Only the parameters the statement names: SQLAlchemy would read others as more columns to set.
        parameters: dict[str, Any] = {"owner_id": owner_id, "task_id": task_id, "now": now}
        if expected_version is not None:
            parameters["expected_version"] = expected_version
        if not isinstance(changes.title, Keep):
            parameters["new_title"] = changes.title
        if not isinstance(changes.description, Keep):
            parameters["new_description"] = changes.description
        if isinstance(changes.completed, bool):
            parameters["new_completed"] = changes.completed
        rows = await self._run(statement, parameters)
        if not rows:
            await self._raise_missing(owner_id, task_id, expected_version)
        return _row_to_task(rows[0])

    async def delete(self, owner_id: str, task_id: int, expected_version: int | None = None) -> None:
        statement = _DELETE_VERSION if expected_version is not None else _DELETE
        parameters: dict[str, Any] = {"owner_id": owner_id, "task_id": task_id}
        if expected_version is not None:
            parameters["expected_version"] = expected_version
        if not await self._run(statement, parameters):
            await self._raise_missing(owner_id, task_id, expected_version)

    async def ping(self) -> None:
        await self._run(_PING, {})

    async def _raise_missing(self, owner_id: str, task_id: int, expected_version: int | None) -> None:
        parameters = {"owner_id": owner_id, "task_id": task_id}
        if expected_version is not None and await self._run(_EXISTS, parameters):
            raise VersionMismatch(task_id, expected_version)
        raise TaskNotFound(task_id)


# Every statement is built once, with named parameters, so PostgreSQL can keep it prepared.
_OWNED = (tasks.c.id == bindparam("task_id"), tasks.c.user_id == bindparam("owner_id"))
_AT_VERSION = tasks.c.version == bindparam("expected_version")
_PING: Select[Any] = select(literal_column("1"))
_GET_ONE = select(tasks).where(*_OWNED)
_EXISTS = select(tasks.c.id).where(*_OWNED)
_INSERT = (
    insert(tasks)
    .values(
        user_id=bindparam("owner_id"),
        title=bindparam("new_title"),
        description=bindparam("new_description"),
        completed=bindparam("new_completed"),
        created_at=bindparam("now"),
        updated_at=bindparam("now"),
        version=literal_column("1"),
    )
    .returning(*tasks.c)
)
_DELETE = delete(tasks).where(*_OWNED).returning(tasks.c.id)
_DELETE_VERSION = delete(tasks).where(*_OWNED, _AT_VERSION).returning(tasks.c.id)


class _Completion(Enum):
    KEEP = "keep"
    SET = "set"
    TOGGLE = "toggle"

    @classmethod
    def of(cls, change: bool | Keep | Toggle) -> _Completion:
        if isinstance(change, Toggle):
            return cls.TOGGLE
        return cls.KEEP if isinstance(change, Keep) else cls.SET


@cache
def _update_statement(
    *, setting_title: bool, setting_description: bool, completion: _Completion, versioned: bool
) -> Update:
    values: dict[str, Any] = {
        "updated_at": bindparam("now"),
        "version": tasks.c.version + literal_column("1"),
    }
    if setting_title:
        values["title"] = bindparam("new_title")
    if setting_description:
        values["description"] = bindparam("new_description")
    if completion is _Completion.SET:
        values["completed"] = bindparam("new_completed")
    elif completion is _Completion.TOGGLE:
        values["completed"] = not_(tasks.c.completed)
    conditions = (*_OWNED, _AT_VERSION) if versioned else _OWNED
    return update(tasks).where(*conditions).values(**values).returning(*tasks.c)


_EMPTY: ColumnElement[str] = literal_column("''")


class _Search(Enum):
    NONE = "none"
    SHORT = "short"
    TRIGRAMS = "trigrams"

    @classmethod
    def of(cls, text: str | None) -> _Search:
        if text is None:
            return cls.NONE
        # pg_trgm finds nothing to look up in a pattern under 3 characters: its index would be read whole.
        return cls.SHORT if len(text) < 3 else cls.TRIGRAMS


@cache
def _list_statement(status: StatusFilter, sort: SortField, descending: bool, search: _Search) -> Select[Any]:
    """Built once per shape of query; the values travel as bound parameters."""
    conditions = _filters(status, search)
    if search is _Search.NONE:
        return _page_and_total(tasks, conditions, _counted(status), sort, descending)
    # Every match is read once, for the count and the page alike, then the 20 are sorted out:
    # walking an order's index through non-matches costs more whether matches are rare or not.
    matches = select(tasks.c.id, tasks.c[_SORT_COLUMNS[sort]]).where(*conditions)
    matches_cte = matches.cte("matches").prefix_with("MATERIALIZED")
    total = select(func.count().label("total")).select_from(matches_cte).subquery("total")
    return _page_and_total(matches_cte, [], total, sort, descending)


def _filters(status: StatusFilter, search: _Search) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [tasks.c.user_id == bindparam("owner_id")]
    if status is StatusFilter.PENDING:
        conditions.append(not_(tasks.c.completed))
    elif status is StatusFilter.COMPLETED:
        conditions.append(tasks.c.completed)
    if search is not _Search.NONE:
        title: ColumnElement[str] = tasks.c.title
        description: ColumnElement[str] = tasks.c.description
        if search is _Search.SHORT:
            # Not the indexed expressions, so PostgreSQL reads the user's own tasks instead.
            title, description = title.concat(_EMPTY), description.concat(_EMPTY)
        pattern = fold_case(bindparam("pattern"))
        conditions.append(
            or_(
                fold_case(title).like(pattern, escape="\\"),
                fold_case(description).like(pattern, escape="\\"),
            )
        )
    return conditions


def _page_and_total(
    source: Any,
    conditions: Sequence[ColumnElement[bool]],
    total: Subquery,
    sort: SortField,
    descending: bool,
) -> Select[Any]:
    # The page's ids first, from the index alone where it can (no status or search filter), then
    # their rows: a deep offset skips index entries instead of fetching every skipped row.
    keys = (
        select(source.c.id)
        .where(*conditions)
        .order_by(*_ordering(source.c, sort, descending))
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery("keys")
    )
    page = select(tasks).join(keys, tasks.c.id == keys.c.id).subquery("page")
    # The page and the count in one round trip; the outer join keeps the count on an empty page.
    return (
        select(total.c.total, page)
        .select_from(total.outerjoin(page, true()))
        .order_by(*_ordering(page.c, sort, descending))
    )


def _counted(status: StatusFilter) -> Subquery:
    """The count kept in task_counts; a user who never had a task has no row there, so 0."""
    counts = task_counts.c
    count = {
        StatusFilter.ALL: counts.total,
        StatusFilter.COMPLETED: counts.completed,
        StatusFilter.PENDING: counts.total - counts.completed,
    }[status]
    kept = select(count).where(counts.user_id == bindparam("owner_id")).scalar_subquery()
    return select(func.coalesce(kept, 0).label("total")).subquery("total")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _ordering(columns: Any, sort: SortField, descending: bool) -> Sequence[ColumnElement[Any]]:
    column = columns[_SORT_COLUMNS[sort]]
    key = func.lower(column) if sort is SortField.TITLE else column
    if descending:
        return key.desc(), columns.id.desc()
    return key.asc(), columns.id.asc()


def _row_to_task(row: Sequence[Any], start: int = 0) -> Task:
    """From the columns of `tasks` in table order, beginning at `start`."""
    id_, owner_id, title, description, completed, created_at, updated_at, version = row[start : start + 8]
    return Task(
        id=id_,
        owner_id=owner_id,
        title=title,
        description=description,
        completed=completed,
        created_at=_utc(created_at),
        updated_at=_utc(updated_at),
        version=version,
    )


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

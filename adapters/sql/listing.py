"""The statement behind a page of tasks: its filters, its order, and its total, in one round trip.

One statement is built per shape of query (which filters, which order, how many tags...) and
kept, with the values as bound parameters, so PostgreSQL can keep it prepared.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache, partial
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    bindparam,
    func,
    literal_column,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.sql.expression import BindParameter

from adapters.sql.tables import fold_case, task_counts, tasks
from adapters.sql.tag_pages import sizes, tagged, tagged_keys
from domain.query import SortField, StatusFilter, TaskQuery

_SORT_COLUMNS: Final = {
    SortField.CREATED_AT: "created_at",
    SortField.UPDATED_AT: "updated_at",
    SortField.TITLE: "title",
    SortField.DUE: "due_at",
    SortField.PRIORITY: "priority",
}
_OWNER: BindParameter[str] = bindparam("owner_id")
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


@dataclass(frozen=True, slots=True)
class Shape:
    """What decides the statement; the values themselves are its parameters."""

    status: StatusFilter
    sort: SortField
    descending: bool
    search: _Search
    priorities: int
    tags: int
    due_before: bool
    due_after: bool
    has_due: bool | None

    @classmethod
    def of(cls, query: TaskQuery) -> Shape:
        return cls(
            query.status,
            query.sort,
            query.descending,
            _Search.of(query.search),
            len(query.priorities),
            len(query.tags),
            query.due_before is not None,
            query.due_after is not None,
            query.has_due,
        )

    @property
    def searches(self) -> bool:
        return self.search is not _Search.NONE

    @property
    def counted_by_status(self) -> bool:
        """Whether task_counts knows the total: no filter but a plain status."""
        return self.search is _Search.NONE and not self.filters_v2

    @property
    def filters_due(self) -> bool:
        return self.due_before or self.due_after or self.has_due is not None

    @property
    def filters_v2(self) -> bool:
        return self.status is StatusFilter.OVERDUE or bool(self.priorities or self.tags) or self.filters_due

    @property
    def only_tags(self) -> bool:
        plain = self.status is StatusFilter.ALL and self.search is _Search.NONE
        return plain and bool(self.tags) and not (self.priorities or self.filters_due)


def page_parameters(owner_id: str, query: TaskQuery) -> dict[str, Any]:
    parameters: dict[str, Any] = {"owner_id": owner_id, "limit": query.limit, "offset": query.offset}
    if query.search is not None:
        parameters["pattern"] = f"%{_escape_like(query.search)}%"
    if query.status is StatusFilter.OVERDUE:
        parameters["now"] = query.now
    for index, priority in enumerate(sorted(query.priorities, key=lambda priority: priority.urgency)):
        parameters[f"priority_{index}"] = priority.urgency
    for index, key in enumerate(query.tags):
        parameters[f"tag_{index}"] = key
    if query.due_before is not None:
        parameters["due_before"] = query.due_before
    if query.due_after is not None:
        parameters["due_after"] = query.due_after
    return parameters


Rows = Callable[[Subquery], Select[Any]]


def task_rows(keys: Subquery) -> Select[Any]:
    """A page's rows unless asked for others: the whole task, for each of the page's keys."""
    return select(tasks).join_from(tasks, keys, tasks.c.id == keys.c.id)


@lru_cache(maxsize=1024)
def page_statement(shape: Shape, dialect: str, rows: Rows = task_rows) -> Select[Any]:
    """Each row is the total, then a task's columns as `rows` picks them from the page's keys
    (`id` and the sort column; `rows` keeps both for `ordering`); an empty page is one row of NULLs.

    Shapes with a v2 filter are planned for their values on every run (not prepared): how
    many of one owner's tasks match decides the plan, and a generic plan cannot know it.
    """
    sort_column = _SORT_COLUMNS[shape.sort]
    if shape.search is not _Search.NONE:
        # Every match is read once, for the count and the page alike, then the page is sorted out:
        # walking an order's index through non-matches costs more whether matches are rare or not.
        matches = select(tasks.c.id, tasks.c[sort_column]).where(*_filters(shape))
        matches_cte = matches.cte("matches").prefix_with("MATERIALIZED")
        total = select(func.count().label("total")).select_from(matches_cte).subquery("total")
        statement = _page_and_total(_keys(matches_cte, [], shape), total, shape, rows)
    elif shape.tags and dialect == "postgresql":
        conditions = _filters(shape, with_tags=False)
        counted = sizes(shape.tags, _OWNER)
        if shape.only_tags:
            total = select(counted.c.matches.label("total")).subquery("total")
        else:
            total = select(func.count().label("total")).where(*_filters(shape)).subquery("total")
        keys = tagged_keys(
            shape.tags, _OWNER, conditions, sort_column, partial(ordering, shape=shape), counted
        )
        statement = _page_and_total(keys, total, shape, rows)
    else:
        conditions = _filters(shape)
        statement = _page_and_total(_keys(tasks, conditions, shape), _total(shape, conditions), shape, rows)
    if shape.filters_v2:
        return statement.execution_options(plan_each_time=True)
    return statement


def _filters(shape: Shape, *, with_tags: bool = True) -> list[ColumnElement[bool]]:
    columns = tasks.c
    conditions: list[ColumnElement[bool]] = [columns.user_id == _OWNER]
    if shape.status is StatusFilter.PENDING:
        conditions.append(not_(columns.completed))
    elif shape.status is StatusFilter.COMPLETED:
        conditions.append(columns.completed)
    elif shape.status is StatusFilter.OVERDUE:
        conditions += [not_(columns.completed), columns.due_at < bindparam("now")]
    if shape.priorities:
        conditions.append(columns.priority.in_([bindparam(f"priority_{n}") for n in range(shape.priorities)]))
    if shape.tags and with_tags:
        conditions.append(columns.id.in_(tagged(shape.tags, _OWNER)))
    if shape.due_before:
        conditions.append(columns.due_at < bindparam("due_before"))
    if shape.due_after:
        conditions.append(columns.due_at >= bindparam("due_after"))
    if shape.has_due is not None:
        conditions.append(columns.due_at.is_not(None) if shape.has_due else columns.due_at.is_(None))
    if shape.search is not _Search.NONE:
        conditions.append(_mentions(shape.search))
    return conditions


def _mentions(search: _Search) -> ColumnElement[bool]:
    title: ColumnElement[str] = tasks.c.title
    description: ColumnElement[str] = tasks.c.description
    if search is _Search.SHORT:
        # Not the indexed expressions, so PostgreSQL reads the user's own tasks instead.
        title, description = title.concat(_EMPTY), description.concat(_EMPTY)
    pattern = fold_case(bindparam("pattern"))
    return or_(
        fold_case(title).like(pattern, escape="\\"),
        fold_case(description).like(pattern, escape="\\"),
    )


def _total(shape: Shape, conditions: Sequence[ColumnElement[bool]]) -> Subquery:
    if shape.counted_by_status:
        return _counted(shape.status)
    if shape.only_tags:
        # Their index alone knows how many tasks carry them all.
        ids = tagged(shape.tags, _OWNER).subquery("tagged")
        return select(func.count().label("total")).select_from(ids).subquery("total")
    return select(func.count().label("total")).where(*conditions).subquery("total")


def _counted(status: StatusFilter) -> Subquery:
    """The count kept in task_counts; a user who never had a task has no row there, so 0."""
    counts = task_counts.c
    count = {
        StatusFilter.ALL: counts.total,
        StatusFilter.COMPLETED: counts.completed,
        StatusFilter.PENDING: counts.total - counts.completed,
    }[status]
    kept = select(count).where(counts.user_id == _OWNER).scalar_subquery()
    return select(func.coalesce(kept, 0).label("total")).subquery("total")


def _keys(source: Any, conditions: Sequence[ColumnElement[bool]], shape: Shape) -> Subquery:
    # The page's ids (and sort keys) first, from the index alone where it can, then their rows:
    # a deep offset skips index entries instead of fetching every skipped row.
    return (
        select(source.c.id, source.c[_SORT_COLUMNS[shape.sort]])
        .where(*conditions)
        .order_by(*ordering(source.c, shape))
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery("keys")
    )


def _page_and_total(keys: Any, total: Subquery, shape: Shape, rows: Rows) -> Select[Any]:
    page = rows(keys).subquery("page")
    # The page and the count in one round trip; the outer join keeps the count on an empty page.
    return (
        select(total.c.total, page)
        .select_from(total.outerjoin(page, true()))
        .order_by(*ordering(page.c, shape))
    )


def ordering(columns: Any, shape: Shape) -> Sequence[ColumnElement[Any]]:
    column = columns[_SORT_COLUMNS[shape.sort]]
    key = func.lower(column) if shape.sort is SortField.TITLE else column
    if shape.sort is SortField.DUE:
        # Tasks without a due come last whichever way the dues run.
        key = key.desc().nulls_last() if shape.descending else key.asc().nulls_last()
        return key, columns.id.desc() if shape.descending else columns.id.asc()
    if shape.descending:
        return key.desc(), columns.id.desc()
    return key.asc(), columns.id.asc()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

"""The list route's query parameters, once their types are checked, as the domain's TaskQuery.

Shared by the FastAPI route and the fast read path, so both read a query the same way.
"""

from __future__ import annotations

from typing import Final

from domain.errors import InvalidTask
from domain.fields import Priority
from domain.query import SortField, StatusFilter, TaskQuery, parse_boundary

# Deeper than any table can be; keeps absurd offsets from overflowing the database's integers.
MAX_OFFSET: Final = 2**62


def list_query(
    status: str,
    sort: str,
    q: str | None,
    priority: str | None,
    tag: list[str] | None,
    due_before: str | None,
    due_after: str | None,
    has_due: str | None,
    limit: int,
    offset: int,
) -> TaskQuery:
    """The query the parameters name, once FastAPI (or the fast path) has checked their types.

    Raises InvalidTask for a value only the domain can judge.
    """
    return TaskQuery(
        status=StatusFilter(status),
        sort=SortField(sort.lstrip("-")),
        descending=sort.startswith("-"),
        search=q,
        priorities=_priorities(priority),
        tags=tuple(tag or ()),
        due_before=None if due_before is None else parse_boundary("due_before", due_before),
        due_after=None if due_after is None else parse_boundary("due_after", due_after),
        has_due=_has_due(has_due),
        limit=limit,
        offset=min(offset, MAX_OFFSET),
    )


def _priorities(text: str | None) -> frozenset[Priority]:
    if text is None:
        return frozenset()
    return frozenset(Priority.parse(name.strip()) for name in text.split(","))


def _has_due(text: str | None) -> bool | None:
    if text is None:
        return None
    if text not in {"true", "false"}:
        raise InvalidTask("has_due", "must be true or false")
    return text == "true"

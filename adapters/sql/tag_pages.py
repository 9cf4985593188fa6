"""A page of tasks filtered by tags, on PostgreSQL: walk an order's index, or collect the tagged.

Which is faster depends on how many of the owner's tasks carry the tags, which the planner
cannot know (task_tags' statistics say nothing of one owner's share): walking the order's
index and checking each task stops after about limit / share tasks, cheap for a common tag;
collecting the tagged tasks and sorting them costs one lookup per match, cheap for a rare one.
Measured on a 100,000-task owner, each is hundreds of times slower than the other at the far
end. So the statement holds both, each behind a one-time filter on the real number of matches
(PostgreSQL runs only the branch whose filter holds): walk when matches² >= (offset + limit)
x the owner's tasks, that is when the walk would read fewer tasks than there are matches.
Both ways are fixed by the statement's form (a correlated count, an array of ids), so neither
depends on the planner's estimate of an owner it knows nothing about.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    any_,
    bindparam,
    cast,
    func,
    not_,
    select,
    union_all,
)
from sqlalchemy.sql.expression import BindParameter

from adapters.sql.tables import task_counts, task_tags, tasks

Ordering = Callable[[Any], Sequence[ColumnElement[Any]]]


def tagged(count: int, owner: BindParameter[str]) -> Select[Any]:
    """The ids of the owner's tasks that carry every one of `count` tags, from task_tags alone."""
    first = task_tags.alias("tag_0")
    ids = select(first.c.task_id).where(first.c.user_id == owner, first.c.tag_key == bindparam("tag_0"))
    for index in range(1, count):
        other = task_tags.alias(f"tag_{index}")
        ids = ids.join(
            other,
            and_(
                other.c.task_id == first.c.task_id,
                other.c.user_id == owner,
                other.c.tag_key == bindparam(f"tag_{index}"),
            ),
        )
    return ids


def sizes(count: int, owner: BindParameter[str]) -> CTE:
    """How many tasks carry the tags, and how many the owner holds: read once, used thrice."""
    matches = select(func.count()).select_from(tagged(count, owner).subquery("counted")).scalar_subquery()
    held = select(task_counts.c.total).where(task_counts.c.user_id == owner).scalar_subquery()
    return select(matches.label("matches"), func.coalesce(held, 0).label("held")).cte("sizes")


def tagged_keys(
    count: int,
    owner: BindParameter[str],
    conditions: Sequence[ColumnElement[bool]],
    sort_column: str,
    ordering: Ordering,
    counted: CTE,
) -> Any:
    """The page's ids and sort keys, by whichever of the two ways `counted` says is cheaper.

    `conditions` are every filter but the tags, on `tasks`.
    """
    # In floating point: (offset + limit) x held overflows a bigint for offsets near the API's limit.
    limit, offset = bindparam("limit", type_=Integer), bindparam("offset", type_=BigInteger)
    reach = cast(limit, Float) + cast(offset, Float)
    matches = cast(counted.c.matches, Float)
    walk_is_cheaper = select(matches * matches >= reach * cast(counted.c.held, Float)).scalar_subquery()

    # Walk: each task in order, checked against its own task_tags rows (the primary key).
    carried = (
        select(func.count())
        .where(
            task_tags.c.task_id == tasks.c.id,
            task_tags.c.tag_key.in_([bindparam(f"tag_{n}") for n in range(count)]),
        )
        .scalar_subquery()
    )
    walk = _paged(
        select(tasks.c.id, tasks.c[sort_column]).where(*conditions, carried == count, walk_is_cheaper),
        tasks.c,
        ordering,
    )

    # Collect: the tagged tasks looked up by id in the primary key, as one array, then sorted.
    # The array also keeps the estimate of this branch small when it will not run: a plan
    # costed past jit_above_cost gets compiled first, 20 ms for a first page.
    ids = func.array(tagged(count, owner).scalar_subquery())
    collect = _paged(
        select(tasks.c.id, tasks.c[sort_column]).where(
            tasks.c.id == any_(ids), *conditions, not_(walk_is_cheaper)
        ),
        tasks.c,
        ordering,
    )
    return union_all(walk, collect).subquery("keys")


def _paged(statement: Select[Any], columns: Any, ordering: Ordering) -> Select[Any]:
    return statement.order_by(*ordering(columns)).limit(bindparam("limit")).offset(bindparam("offset"))

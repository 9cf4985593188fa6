"""TaskPageRenderer on PostgreSQL: the database keeps each task's JSON, the API forwards the bytes.

`rendered_tasks` (migration 0007, kept by triggers) holds each task as the client receives it,
in the compact form orjson writes, so the bytes are those of the Task path. A page is one ordered
aggregate of the bodies of the ids the page statement of adapters.sql.listing finds, so its order
is the ORDER BY inside the aggregate, never the rows'.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, Text, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from adapters.sql.listing import Shape, ordering, page_parameters, page_statement
from adapters.sql.runner import StatementRunner
from adapters.sql.tables import rendered_tasks, tasks
from application.ports import RenderedPage, RenderedTask, TaskPageRenderer
from domain.query import TaskQuery


class SqlTaskRenderer(TaskPageRenderer):
    def __init__(self, runner: StatementRunner) -> None:
        self._run = runner.rows

    async def page(self, owner_id: str, query: TaskQuery) -> RenderedPage:
        shape, parameters = Shape.of(query), page_parameters(owner_id, query)
        ((total, body, unrendered),) = await self._run(rendered_page_statement(shape), parameters)
        if unrendered:
            # Tasks without stored JSON (rows loaded with the triggers off): this page from its rows.
            ((total, body, _),) = await self._run(rendered_page_statement(shape, from_rows=True), parameters)
        return RenderedPage(body.encode(), int(total or 0))

    async def get(self, owner_id: str, task_id: int) -> RenderedTask | None:
        rows = await self._run(_GET_ONE, {"owner_id": owner_id, "task_id": task_id})
        if not rows:
            return None
        version, body = rows[0]
        return RenderedTask(body.encode(), version)


@lru_cache(maxsize=1024)
def rendered_page_statement(shape: Shape, *, from_rows: bool = False) -> Select[Any, str, int]:
    """One row: the total, the page's JSON array in the page's order, and how many of its tasks
    have no stored JSON (left out of the array; `from_rows` renders every task from its row)."""
    # A search has just read its matches' rows, which renders 20 of them cheaper than fetching
    # 20 stored bodies from elsewhere on disk (bench-scale: up to 20% slower searches).
    stored = not (from_rows or shape.searches)
    listed = page_statement(shape, "postgresql", _bodies if stored else _rendered_rows)
    page = listed.order_by(None).subquery("listed")
    items = func.string_agg(page.c.body, aggregate_order_by(literal_column("','"), *ordering(page.c, shape)))
    body = func.concat(literal_column("'['"), items, literal_column("']'"))  # concat skips a NULL
    # count(id): an empty page is one row of NULLs, with no task in it. Rendered bodies are never
    # NULL, and PostgreSQL would render each task once more to look.
    unrendered = func.count(page.c.id).filter(page.c.body.is_(None)) if stored else literal_column("0")
    statement = select(
        func.max(page.c.total).label("total"), body.label("body"), unrendered.label("unrendered")
    ).select_from(page)
    # A search may read all of an owner's tasks: it would hold up the reads pipelined with it.
    return statement.execution_options(pipelined=not shape.searches, **listed.get_execution_options())


def _bodies(keys: Subquery) -> Select[Any]:
    """The page's rows: its keys (for the order) and each task's stored JSON, by primary key alone.

    A body rendered on the spot when missing would cost every page: PostgreSQL sets up the
    rendering expression on every run, used or not (pgbench: 14 us a page). So a missing body is
    NULL here, counted, and the page read again from its rows.
    """
    return select(*keys.c, rendered_tasks.c.body).outerjoin_from(
        keys, rendered_tasks, rendered_tasks.c.task_id == keys.c.id
    )


def _rendered_rows(keys: Subquery) -> Select[Any]:
    """The page's rows: its keys and each task rendered from its row now."""
    return select(*keys.c, _render_task("tasks").label("body")).join_from(
        keys, tasks, tasks.c.id == keys.c.id
    )


def _render_task(row: str) -> ColumnElement[str]:
    """Migration 0007's render_task of a row of `tasks` (named by its table or alias)."""
    return literal_column(f"render_task({row})", Text)


# One task: rendered from its row, which the ownership check reads anyway. A second probe for the
# stored body cost more than rendering one task (make bench, back to back with the first round's
# inline rendering: get-one 52% and 55% of the ceiling against 57% and 62%).
_GET_ONE = (
    select(tasks.c.version, _render_task("tasks").label("body"))
    .where(tasks.c.id == bindparam("task_id"), tasks.c.user_id == bindparam("owner_id"))
    .execution_options(pipelined=True)
)

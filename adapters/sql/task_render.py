"""TaskPageRenderer on PostgreSQL: the database keeps each task's JSON, the API forwards the bytes.

`tasks.rendered` (migration 0007, a generated column) is the task as the client receives it, in
the compact form orjson writes, so the bytes are those of the Task path. A page is one ordered
aggregate over the page statement of adapters.sql.listing, so its order is the ORDER BY inside the
aggregate, never the rows'. The column is PostgreSQL's alone and not in tables.py, so that
nothing else reads its 500 bytes a row.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Final

from sqlalchemy import Select, Text, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from adapters.sql.listing import Shape, ordering, page_parameters, page_statement
from adapters.sql.runner import StatementRunner
from adapters.sql.tables import tasks
from application.ports import RenderedPage, RenderedTask, TaskPageRenderer
from domain.query import TaskQuery

_RENDERED: Final = literal_column("tasks.rendered", Text).label("rendered")
# The page's rows: the JSON and what `ordering` sorts by.
_PAGE_COLUMNS: Final = (
    tasks.c.id,
    tasks.c.created_at,
    tasks.c.updated_at,
    tasks.c.title,
    tasks.c.due_at,
    tasks.c.priority,
    _RENDERED,
)


class SqlTaskRenderer(TaskPageRenderer):
    def __init__(self, runner: StatementRunner) -> None:
        self._run = runner.rows

    async def page(self, owner_id: str, query: TaskQuery) -> RenderedPage:
        rows = await self._run(rendered_page_statement(Shape.of(query)), page_parameters(owner_id, query))
        total, body = rows[0]
        return RenderedPage(body.encode(), int(total or 0))

    async def get(self, owner_id: str, task_id: int) -> RenderedTask | None:
        rows = await self._run(_GET_ONE, {"owner_id": owner_id, "task_id": task_id})
        if not rows:
            return None
        version, body = rows[0]
        return RenderedTask(body.encode(), version)


@lru_cache(maxsize=1024)
def rendered_page_statement(shape: Shape) -> Select[Any, str]:
    """One row: the total, and the page's JSON array in the page's order."""
    listed = page_statement(shape, "postgresql", _PAGE_COLUMNS)
    page = listed.order_by(None).subquery("listed")
    items = func.string_agg(
        page.c.rendered, aggregate_order_by(literal_column("','"), *ordering(page.c, shape))
    )
    body = func.concat(literal_column("'['"), items, literal_column("']'"))  # concat skips a NULL
    statement = select(func.max(page.c.total).label("total"), body.label("body")).select_from(page)
    return statement.execution_options(**listed.get_execution_options())


_GET_ONE = select(tasks.c.version, _RENDERED).where(
    tasks.c.id == bindparam("task_id"), tasks.c.user_id == bindparam("owner_id")
)

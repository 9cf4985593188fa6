"""TaskPageRenderer on PostgreSQL: the database writes the API's JSON, the API forwards the bytes.

Each task is written as the client receives it (the field order, times as
`2026-01-01T10:00:00.000Z`, the `due` object with `at`, tags in their order), in the compact
form orjson writes, so the bytes are those of the Task path. Strings go through to_json, whose
escapes are orjson's. A page is one ordered aggregate over the page statement of
adapters.sql.listing, so its order is the ORDER BY inside the aggregate, never the rows'.
json_agg would do the ordering too, but it separates elements with ", " where orjson writes ",".
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from adapters.sql.listing import Shape, ordering, page_parameters, page_statement
from adapters.sql.runner import StatementRunner
from adapters.sql.tables import tasks
from application.ports import RenderedPage, RenderedTask, TaskPageRenderer
from domain.fields import Priority
from domain.query import TaskQuery

# Priority is stored as its urgency, 0 (urgent) to 4 (none).
_PRIORITY_NAMES: Final = ",".join(
    f"'{priority.value}'" for priority in sorted(Priority, key=lambda priority: priority.urgency)
)


def _instant(column: str) -> str:
    """A timestamptz as the API writes it, or NULL."""
    return f"""'"' || to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"'"""


def _nullable(text: str) -> str:
    return f"coalesce({text}, 'null')"


def task_object(t: str) -> str:
    """The SQL text of one task's JSON, from the columns of `t` (a table or subquery name)."""
    due = (
        f"""CASE WHEN {t}.due_date IS NULL THEN 'null' ELSE """
        f"""'{{"date":"' || to_char({t}.due_date, 'YYYY-MM-DD') || '"'"""
        f""" || coalesce(',"time":"' || left({t}.due_time::text, 5) || '"', '')"""
        f""" || coalesce(',"time_zone":' || to_json({t}.due_time_zone)::text, '')"""
        f""" || ',"at":' || {_instant(f"{t}.due_at")} || '}}' END"""
    )
    parts = [
        f"""'{{"id":' || {t}.id::text""",
        f"""',"title":' || to_json({t}.title)::text""",
        f"""',"description":' || {_nullable(f"to_json({t}.description)::text")}""",
        f"""',"completed":' || CASE WHEN {t}.completed THEN 'true' ELSE 'false' END""",
        f"""',"priority":"' || (ARRAY[{_PRIORITY_NAMES}])[{t}.priority + 1] || '"'""",
        f"""',"tags":' || array_to_json({t}.tags)::text""",
        f"""',"due":' || {due}""",
        f"""',"recurrence":' || {_nullable(f"to_json({t}.recurrence)::text")}""",
        f"""',"repeat_from":' || to_json({t}.repeat_from)::text""",
        f"""',"remind_at":' || {_nullable(_instant(f"{t}.remind_at"))}""",
        f"""',"completed_at":' || {_nullable(_instant(f"{t}.completed_at"))}""",
        f"""',"next_occurrence_id":' || {_nullable(f"{t}.next_occurrence_id::text")}""",
        f"""',"created_at":' || {_instant(f"{t}.created_at")}""",
        f"""',"updated_at":' || {_instant(f"{t}.updated_at")} || '}}'""",
    ]
    return "(" + " || ".join(parts) + ")"


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
    listed = page_statement(shape, "postgresql")
    page = listed.order_by(None).subquery("listed")
    item: ColumnElement[str] = literal_column(task_object("listed"))
    items = func.string_agg(item, aggregate_order_by(literal_column("','"), *ordering(page.c, shape)))
    body = func.concat(literal_column("'['"), items, literal_column("']'"))  # concat skips a NULL
    statement = select(func.max(page.c.total).label("total"), body.label("body")).select_from(page)
    return statement.execution_options(**listed.get_execution_options())


_GET_ONE = select(tasks.c.version, literal_column(task_object("tasks")).label("body")).where(
    tasks.c.id == bindparam("task_id"), tasks.c.user_id == bindparam("owner_id")
)

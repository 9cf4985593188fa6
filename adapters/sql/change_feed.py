"""ChangeFeed on SQLAlchemy Core: a page of `task_changes` with the tasks' rows, in one statement.

One statement is one snapshot: the owner's `change_seq` read beside the page is a number every
change up to which is already visible (they commit in number order, see migration 0006), so
when the page is not full it is where the next one starts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import bindparam, delete, not_, select, true
from sqlalchemy.sql.expression import BindParameter

from adapters.sql.rows import task_mapper
from adapters.sql.runner import StatementRunner
from adapters.sql.tables import task_changes, task_counts, tasks
from application.ports import ChangeFeed
from domain.changes import Change, ChangeBatch, Deleted, Upserted

PURGE_BATCH: Final = 1000
PURGE_BATCHES_PER_CALL: Final = 100


class SqlChangeFeed(ChangeFeed):
    def __init__(self, runner: StatementRunner) -> None:
        self._runner = runner

    async def changes_after(
        self, owner_id: str, position: int, limit: int, *, with_deletions: bool
    ) -> ChangeBatch:
        statement = _WITH_DELETIONS if with_deletions else _EXISTING
        parameters = {"owner_id": owner_id, "after": position, "limit": limit + 1}
        found = await self._runner.rows(statement, parameters)
        # The owner's last number, from the same snapshot; no row: the owner never wrote.
        head = int(found[0][_HEAD]) if found else 0
        rows = [row for row in found if row[_SEQ] is not None]
        has_more = len(rows) > limit
        rows = rows[:limit]
        read = task_mapper(statement)
        changes: list[Change] = [
            Deleted(row[_TASK_ID]) if row[_DELETED] or row[_ID] is None else Upserted(read(row))
            for row in rows
        ]
        if has_more:
            return ChangeBatch(changes, rows[-1][_SEQ], True)
        return ChangeBatch(changes, max(position, head), False)

    async def purge_tombstones(self, before: datetime) -> int:
        purged = 0
        for _ in range(PURGE_BATCHES_PER_CALL):
            found = await self._runner.rows(_PURGE, {"before": int(before.timestamp()), "batch": PURGE_BATCH})
            purged += len(found)
            if len(found) < PURGE_BATCH:
                break
        return purged


def _page_statement(with_deletions: bool) -> Any:
    """head, seq, task_id, deleted, then the task's columns (id first); NULLs but head when empty."""
    owner: BindParameter[str] = bindparam("owner_id")
    head = (
        select(task_counts.c.change_seq.label("head")).where(task_counts.c.user_id == owner).subquery("head")
    )
    conditions = [task_changes.c.user_id == owner, task_changes.c.seq > bindparam("after")]
    if not with_deletions:
        conditions.append(not_(task_changes.c.deleted))
    page = (
        select(task_changes.c.seq, task_changes.c.task_id, task_changes.c.deleted)
        .where(*conditions)
        .order_by(task_changes.c.seq)
        .limit(bindparam("limit"))
        .subquery("page")
    )
    joined = head.outerjoin(page, true()).outerjoin(tasks, tasks.c.id == page.c.task_id)
    return (
        select(head.c.head, page.c.seq, page.c.task_id, page.c.deleted, *tasks.c)
        .select_from(joined)
        .order_by(page.c.seq)
    )


_WITH_DELETIONS = _page_statement(with_deletions=True)
_EXISTING = _page_statement(with_deletions=False)
# The columns beside the task's, by name (both statements have the same ones).
_NAMES = list(_WITH_DELETIONS.exported_columns.keys())
_HEAD, _SEQ, _TASK_ID, _DELETED, _ID = (
    _NAMES.index(name) for name in ("head", "seq", "task_id", "deleted", "id")
)
_tombstones: Any = (
    select(task_changes.c.task_id)
    .where(task_changes.c.deleted, task_changes.c.changed_at < bindparam("before"))
    .limit(bindparam("batch"))
)
# A batch at a time, so that a long backlog never holds one long transaction.
_PURGE = delete(task_changes).where(task_changes.c.task_id.in_(_tombstones)).returning(task_changes.c.task_id)

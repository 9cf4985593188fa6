"""TaskRepo on SQLAlchemy Core: every write is one transaction, and the first thing each one does
is lock its owner's row in `task_counts` (`lock_owner`). A write given an idempotency receipt
records its outcome last, in the same transaction (adapters.sql.idempotency); triggers number the
change for the feed (migration 0006).

On PostgreSQL a plain create or delete (no receipt) is instead one statement that takes the same
lock first, and a plain edit (no receipt, no new occurrence, no change of tags) a read and such a
statement on one connection: a round trip or two where the transaction takes four or five, each
a wait in the event loop's queue.

So one owner's writes run one after the other, in the order they commit: a quota check, or the
check that a recurring task is not yet completed, cannot be overtaken by a concurrent write.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from functools import cache
from typing import Any, Final

from sqlalchemy import (
    BigInteger,
    Insert,
    Select,
    Text,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    not_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.expression import BindParameter, TextualSelect

from adapters.sql.idempotency import record_outcome
from adapters.sql.rows import VALUE_COLUMNS, task_mapper, task_values
from adapters.sql.runner import StatementRunner, Transaction
from adapters.sql.tables import task_counts, task_tags, tasks
from application.ports import TaskRepo
from domain.errors import QuotaExceeded, TaskNotFound, VersionMismatch
from domain.fields import tag_key
from domain.idempotency import Receipt
from domain.task import Edited, Keep, NewTask, PlannedEdit, Task, TaskChanges, complete

# The bulk routes change every one of an owner's tasks: 66,667 of them took 4 s on PostgreSQL.
BULK_TIMEOUT_SECONDS: Final = 30.0

# Creates the owner's row on their first write; the no-op update locks it until commit.
# The same SQL on PostgreSQL and SQLite (3.35+); on SQLite BEGIN IMMEDIATE already serialises writers.
LOCK_OWNER: Final[TextualSelect] = text(
    "INSERT INTO task_counts (user_id, total, completed) VALUES (:owner_id, 0, 0) "
    "ON CONFLICT (user_id) DO UPDATE SET total = task_counts.total "
    "RETURNING total"
).columns(task_counts.c.total)


async def lock_owner(transaction: Transaction, owner_id: str) -> int:
    """Take the owner's write lock for the rest of the transaction; how many tasks they hold."""
    ((held,),) = await transaction.rows(LOCK_OWNER, {"owner_id": owner_id})
    return int(held)


class SqlTaskRepo(TaskRepo):
    def __init__(self, runner: StatementRunner) -> None:
        self._runner = runner
        self._one_statement = runner.dialect == "postgresql"

    async def add(
        self,
        owner_id: str,
        new: NewTask,
        now: datetime,
        task_limit: int | None,
        *,
        receipt: Receipt[Task] | None = None,
    ) -> Task:
        if receipt is None and self._one_statement:
            return await _add_alone(self._runner, owner_id, new, now, task_limit)

        async def work(transaction: Transaction) -> Task:
            _check_room(await lock_owner(transaction, owner_id), task_limit)
            task = await _insert(transaction, owner_id, new, now)
            if receipt is not None:
                await record_outcome(transaction, owner_id, receipt, task)
            return task

        return await self._runner.transaction(work)

    async def update(
        self,
        owner_id: str,
        task_id: int,
        changes: TaskChanges,
        now: datetime,
        *,
        expected_version: int | None = None,
        task_limit: int | None = None,
        receipt: Receipt[Edited] | None = None,
    ) -> Edited:
        # Changed tags rewrite task_tags too: a transaction's work.
        if receipt is None and self._one_statement and isinstance(changes.tags, Keep):
            edited = await _update_alone(self._runner, owner_id, task_id, changes, now, expected_version)
            if edited is not None:
                return edited

        async def work(transaction: Transaction) -> Edited:
            held = await lock_owner(transaction, owner_id)
            task, plan = await _planned_edit(
                transaction, _GET_FOR_UPDATE, owner_id, task_id, changes, now, expected_version
            )
            if plan.next_occurrence is not None:
                _check_room(held, task_limit)
            edited = await _save(transaction, task, plan, now)
            if receipt is not None:
                await record_outcome(transaction, owner_id, receipt, edited)
            return edited

        return await self._runner.transaction(work)

    async def delete(
        self,
        owner_id: str,
        task_id: int,
        expected_version: int | None = None,
        *,
        receipt: Receipt[None] | None = None,
    ) -> None:
        parameters: dict[str, Any] = {"owner_id": owner_id, "task_id": task_id}
        statement, alone = _DELETE, _DELETE_LOCKED
        if expected_version is not None:
            parameters["expected_version"] = expected_version
            statement, alone = _DELETE_AT_VERSION, _DELETE_AT_VERSION_LOCKED

        if receipt is None and self._one_statement:
            if await self._runner.rows(alone, parameters):
                return
            if expected_version is not None and await self._runner.rows(_EXISTS, parameters):
                raise VersionMismatch(task_id, expected_version)
            raise TaskNotFound(task_id)

        async def work(transaction: Transaction) -> None:
            await lock_owner(transaction, owner_id)
            if await transaction.rows(statement, parameters):
                if receipt is not None:
                    await record_outcome(transaction, owner_id, receipt, None)
                return
            if expected_version is not None and await transaction.rows(_EXISTS, parameters):
                raise VersionMismatch(task_id, expected_version)
            raise TaskNotFound(task_id)

        await self._runner.transaction(work)

    async def clear_completed(self, owner_id: str, *, receipt: Receipt[int] | None = None) -> int:
        async def work(transaction: Transaction) -> int:
            await lock_owner(transaction, owner_id)
            deleted = len(await transaction.rows(_CLEAR_COMPLETED, {"owner_id": owner_id}))
            if receipt is not None:
                await record_outcome(transaction, owner_id, receipt, deleted)
            return deleted

        return await self._runner.transaction(work, timeout_seconds=BULK_TIMEOUT_SECONDS)

    async def complete_all(self, owner_id: str, now: datetime, *, receipt: Receipt[int] | None = None) -> int:
        async def work(transaction: Transaction) -> int:
            await lock_owner(transaction, owner_id)
            rows = await transaction.rows(_PENDING_RECURRING, {"owner_id": owner_id})
            recurring = [_READ_RECURRING(row) for row in rows]
            # The rest in one statement: what completing a task without a series does to it.
            plain = await transaction.rows(_COMPLETE_PLAIN, {"owner_id": owner_id, "now": now})
            for task in recurring:
                await _save(transaction, task, complete(task, now), now)
            completed = len(plain) + len(recurring)
            if receipt is not None:
                await record_outcome(transaction, owner_id, receipt, completed)
            return completed

        return await self._runner.transaction(work, timeout_seconds=BULK_TIMEOUT_SECONDS)

    async def ping(self) -> None:
        await self._runner.rows(_PING, {})


def _check_room(held: int, task_limit: int | None) -> None:
    if task_limit is not None and held >= task_limit:
        raise QuotaExceeded(task_limit)


async def _insert(transaction: Transaction, owner_id: str, new: NewTask, now: datetime) -> Task:
    task = new.to_task(id=0, owner_id=owner_id, now=now)
    ((task_id,),) = await transaction.rows(_INSERT, {"owner_id": owner_id, **task_values(task)})
    task = replace(task, id=task_id)
    if task.tags:
        await _insert_tags(transaction, task)
    return task


async def _add_alone(
    runner: StatementRunner, owner_id: str, new: NewTask, now: datetime, task_limit: int | None
) -> Task:
    """The owner's lock, the quota check, the task and its tags in one statement."""
    task = new.to_task(id=0, owner_id=owner_id, now=now)
    limit = _NO_LIMIT if task_limit is None else task_limit
    parameters = {
        "owner_id": owner_id,
        "task_limit": limit,
        "tag_keys": [tag_key(tag) for tag in task.tags],
        "tag_names": list(task.tags),
        **task_values(task),
    }
    rows = await runner.rows(_ADD_LOCKED, parameters)
    if not rows:
        raise QuotaExceeded(limit)
    return replace(task, id=rows[0][0])


async def _update_alone(
    runner: StatementRunner,
    owner_id: str,
    task_id: int,
    changes: TaskChanges,
    now: datetime,
    expected_version: int | None,
) -> Edited | None:
    """The edit as a read, then one write that takes the owner's lock and lands only if the task
    is still at the version read: the edit a transaction would have made. None when it is not
    that simple (a new occurrence, a write in between): the transaction's turn.
    Both statements on one connection, for one wait at the pool."""

    async def work(statements: Transaction) -> Edited | None:
        task, plan = await _planned_edit(statements, _GET, owner_id, task_id, changes, now, expected_version)
        if plan.next_occurrence is not None or plan.task.tags != task.tags:
            return None
        written = {"owner_id": owner_id, "task_id": task_id, "read_version": task.version}
        written |= task_values(plan.task)
        if not await statements.rows(_UPDATE_LOCKED, written):
            return None
        return Edited(plan.task, None)

    return await runner.in_one_turn(work)


async def _planned_edit(
    statements: Transaction,
    read: Select[Any],
    owner_id: str,
    task_id: int,
    changes: TaskChanges,
    now: datetime,
    expected_version: int | None,
) -> tuple[Task, PlannedEdit]:
    """The task as `read` finds it, and the edit planned on it."""
    rows = await statements.rows(read, {"owner_id": owner_id, "task_id": task_id})
    if not rows:
        raise TaskNotFound(task_id)
    task = task_mapper(read)(rows[0])
    if expected_version is not None and task.version != expected_version:
        raise VersionMismatch(task_id, expected_version)
    return task, changes.apply_to(task, now)


async def _save(transaction: Transaction, before: Task, plan: PlannedEdit, now: datetime) -> Edited:
    """Write the planned task, with the occurrence it plans (created first, so the link has its id)."""
    saved, created = plan.task, None
    if plan.next_occurrence is not None:
        created = await _insert(transaction, saved.owner_id, plan.next_occurrence, now)
        saved = replace(saved, next_occurrence_id=created.id)
    await transaction.rows(_UPDATE, {"owner_id": saved.owner_id, "task_id": saved.id, **task_values(saved)})
    if saved.tags != before.tags:
        await transaction.rows(_DELETE_TAGS, {"task_id": saved.id})
        if saved.tags:
            await _insert_tags(transaction, saved)
    return Edited(saved, created)


async def _insert_tags(transaction: Transaction, task: Task) -> None:
    parameters: dict[str, Any] = {"task_id": task.id, "owner_id": task.owner_id}
    for index, tag in enumerate(task.tags):
        parameters[f"key_{index}"] = tag_key(tag)
        parameters[f"name_{index}"] = tag
    await transaction.rows(_insert_tags_statement(len(task.tags)), parameters)


# Every statement is built once, with named parameters, so PostgreSQL can keep it prepared.
_OWNED = (tasks.c.id == bindparam("task_id"), tasks.c.user_id == bindparam("owner_id"))
_PING: Select[Any] = select(literal_column("1"))
_GET_FOR_UPDATE = select(tasks).where(*_OWNED).with_for_update()
_EXISTS = select(tasks.c.id).where(*_OWNED)
# Parameters are named after their columns with a prefix: SQLAlchemy keeps the bare names for itself.
_SET: dict[str, BindParameter[Any]] = {column: bindparam(f"set_{column}") for column in VALUE_COLUMNS}
_INSERT = insert(tasks).values(user_id=bindparam("owner_id"), **_SET).returning(tasks.c.id)
_UPDATE = update(tasks).where(*_OWNED).values(**_SET)
_DELETE = delete(tasks).where(*_OWNED).returning(tasks.c.id)
_DELETE_AT_VERSION = (
    delete(tasks).where(*_OWNED, tasks.c.version == bindparam("expected_version")).returning(tasks.c.id)
)
_OWNERS = tasks.c.user_id == bindparam("owner_id")
# Deleting a task deletes its task_tags rows (ON DELETE CASCADE).
_CLEAR_COMPLETED = delete(tasks).where(_OWNERS, tasks.c.completed).returning(tasks.c.id)
_PENDING_RECURRING = (
    select(tasks)
    .where(_OWNERS, not_(tasks.c.completed), tasks.c.recurrence.is_not(None))
    .order_by(tasks.c.id)
)
_READ_RECURRING = task_mapper(_PENDING_RECURRING)
_COMPLETE_PLAIN = (
    update(tasks)
    .where(_OWNERS, not_(tasks.c.completed), tasks.c.recurrence.is_(None))
    .values(
        completed=True,
        completed_at=bindparam("now"),
        updated_at=bindparam("now"),
        version=tasks.c.version + literal_column("1"),
    )
    .returning(tasks.c.id)
)
_DELETE_TAGS = delete(task_tags).where(task_tags.c.task_id == bindparam("task_id"))


@cache
def _insert_tags_statement(count: int) -> Insert:
    return insert(task_tags).values(
        [
            {
                "task_id": bindparam("task_id"),
                "user_id": bindparam("owner_id"),
                "tag_key": bindparam(f"key_{index}"),
                "name": bindparam(f"name_{index}"),
            }
            for index in range(count)
        ]
    )


# PostgreSQL only: a plain create, edit or delete as one autocommit statement instead of a
# transaction. Each takes the owner's lock before it touches a task, as a transaction does (the
# task's part waits for the owner's row: an insert reads from it, and a condition on it alone is
# a one-time filter, evaluated before the scan), and the triggers that count and number the
# change run after both.
_NO_LIMIT: Final = 2**63 - 1
_OWNER_LOCKED = LOCK_OWNER.cte("owner_locked")
_AFTER_OWNER_LOCK = select(_OWNER_LOCKED.c.total).scalar_subquery().is_not(None)
_ADDED = (
    insert(tasks)
    .from_select(
        ["user_id", *VALUE_COLUMNS],
        select(
            bindparam("owner_id", type_=tasks.c.user_id.type),
            *(bindparam(f"set_{column}", type_=tasks.c[column].type) for column in VALUE_COLUMNS),
        ).where(_OWNER_LOCKED.c.total < bindparam("task_limit", type_=BigInteger())),
    )
    .returning(tasks.c.id)
    .cte("added")
)
_TAG = (
    func.unnest(bindparam("tag_keys", type_=ARRAY(Text())), bindparam("tag_names", type_=ARRAY(Text())))
    .table_valued("key", "name")
    .render_derived(name="tag")
)
_TAGGED = (
    insert(task_tags)
    .from_select(
        ["task_id", "user_id", "tag_key", "name"],
        select(_ADDED.c.id, bindparam("owner_id", type_=task_tags.c.user_id.type), _TAG.c.key, _TAG.c.name),
    )
    .cte("tagged")
)
_ADD_LOCKED = select(_ADDED.c.id).add_cte(_OWNER_LOCKED, _TAGGED)
_GET = select(tasks).where(*_OWNED)
_UPDATE_LOCKED = (
    update(tasks)
    .where(*_OWNED, tasks.c.version == bindparam("read_version"), _AFTER_OWNER_LOCK)
    .values(**_SET)
    .returning(tasks.c.id)
    .add_cte(_OWNER_LOCKED)
)
_DELETE_LOCKED = _DELETE.where(_AFTER_OWNER_LOCK).add_cte(_OWNER_LOCKED)
_DELETE_AT_VERSION_LOCKED = _DELETE_AT_VERSION.where(_AFTER_OWNER_LOCK).add_cte(_OWNER_LOCKED)

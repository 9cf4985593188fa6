"""Between a `tasks` row and a Task: columns found by name, once per statement."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from functools import cache
from operator import itemgetter
from typing import Any, Final

from sqlalchemy.sql.expression import Executable

from adapters.sql.tables import tasks
from domain.due import Due
from domain.fields import Priority
from domain.recurrence import RepeatFrom
from domain.task import Task

# The columns a Task is read from, in the order `_task_from` takes them.
TASK_COLUMNS: Final = (
    "id",
    "user_id",
    "title",
    "description",
    "completed",
    "created_at",
    "updated_at",
    "version",
    "priority",
    "tags",
    "due_date",
    "due_time",
    "due_time_zone",
    "recurrence",
    "repeat_from",
    "remind_at",
    "completed_at",
    "next_occurrence_id",
)

_BY_URGENCY: Final = tuple(sorted(Priority, key=lambda priority: priority.urgency))
_REPEAT_FROM: Final = {mode.value: mode for mode in RepeatFrom}

TaskMapper = Callable[[Sequence[Any]], Task]


@cache
def task_mapper(statement: Executable) -> TaskMapper:
    """How to read a Task from the rows of `statement`, by the names of its result columns."""
    names = list(statement.exported_columns.keys())  # type: ignore[attr-defined]
    pick = itemgetter(*(names.index(name) for name in TASK_COLUMNS))
    return lambda row: _task_from(*pick(row))


def _task_from(
    id_: int,
    owner_id: str,
    title: str,
    description: str | None,
    completed: bool,
    created_at: datetime,
    updated_at: datetime,
    version: int,
    urgency: int,
    tags: Sequence[str],
    due_date: date | None,
    due_time: time | None,
    due_time_zone: str | None,
    recurrence: str | None,
    repeat_from: str,
    remind_at: datetime | None,
    completed_at: datetime | None,
    next_occurrence_id: int | None,
) -> Task:
    return Task(
        id=id_,
        owner_id=owner_id,
        title=title,
        description=description,
        completed=completed,
        created_at=_utc(created_at),
        updated_at=_utc(updated_at),
        version=version,
        priority=_BY_URGENCY[urgency],
        tags=tuple(tags),
        due=None if due_date is None else Due(date=due_date, time=due_time, time_zone=due_time_zone),
        recurrence=recurrence,
        repeat_from=_REPEAT_FROM[repeat_from],
        remind_at=None if remind_at is None else _utc(remind_at),
        completed_at=None if completed_at is None else _utc(completed_at),
        next_occurrence_id=next_occurrence_id,
    )


# What a write sets: every column but id and user_id, as parameter `set_<column>`.
VALUE_COLUMNS: Final = tuple(column.name for column in tasks.c if column.name not in ("id", "user_id"))


def task_values(task: Task) -> dict[str, Any]:
    """The parameters of VALUE_COLUMNS for this task."""
    due = task.due
    return {
        "set_title": task.title,
        "set_description": task.description,
        "set_completed": task.completed,
        "set_created_at": task.created_at,
        "set_updated_at": task.updated_at,
        "set_version": task.version,
        "set_priority": task.priority.urgency,
        "set_tags": list(task.tags),
        "set_due_date": None if due is None else due.date,
        "set_due_time": None if due is None else due.time,
        "set_due_time_zone": None if due is None else due.time_zone,
        "set_due_at": None if due is None else due.at,
        "set_recurrence": task.recurrence,
        "set_repeat_from": task.repeat_from.value,
        "set_remind_at": task.remind_at,
        "set_completed_at": task.completed_at,
        "set_next_occurrence_id": task.next_occurrence_id,
    }


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

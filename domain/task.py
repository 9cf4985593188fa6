"""The Task entity, what creates one, and the one vocabulary for changing one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from enum import Enum
from typing import Final, TypeVar

from domain.due import Due
from domain.errors import InvalidTask
from domain.fields import Priority, clean_description, clean_instant, clean_tags, clean_title
from domain.recurrence import RepeatFrom, check_rule, next_occurrence


class Keep(Enum):
    KEEP = "keep"


KEEP: Final = Keep.KEEP
"""Marker: leave the field as it is (distinct from None, which clears it)."""


class Flip(Enum):
    FLIP = "flip"


FLIP: Final = Flip.FLIP
"""Marker: `completed` becomes the opposite of what it is."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Task:
    id: int
    owner_id: str
    title: str
    description: str | None
    completed: bool
    created_at: datetime
    updated_at: datetime
    version: int = 1
    priority: Priority = Priority.NONE
    tags: tuple[str, ...] = ()
    due: Due | None = None
    recurrence: str | None = None
    repeat_from: RepeatFrom = RepeatFrom.DUE
    remind_at: datetime | None = None
    completed_at: datetime | None = None
    next_occurrence_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NewTask:
    """What a caller may choose when creating a task; rules are applied on construction."""

    title: str
    description: str | None = None
    completed: bool = False
    priority: Priority = Priority.NONE
    tags: Sequence[str] = ()
    due: Due | None = None
    recurrence: str | None = None
    repeat_from: RepeatFrom = RepeatFrom.DUE
    remind_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", clean_title(self.title))
        object.__setattr__(self, "description", clean_description(self.description))
        object.__setattr__(self, "tags", clean_tags(self.tags))
        object.__setattr__(self, "remind_at", clean_instant("remind_at", self.remind_at))
        if self.recurrence is not None:
            object.__setattr__(self, "recurrence", check_rule(self.recurrence, self.due))

    def to_task(self, *, id: int, owner_id: str, now: datetime) -> Task:
        """The stored task, as every store builds it."""
        return Task(
            id=id,
            owner_id=owner_id,
            title=self.title,
            description=self.description,
            completed=self.completed,
            created_at=now,
            updated_at=now,
            priority=self.priority,
            tags=tuple(self.tags),
            due=self.due,
            recurrence=self.recurrence,
            repeat_from=self.repeat_from,
            remind_at=self.remind_at,
            completed_at=now if self.completed else None,
        )


@dataclass(frozen=True, slots=True)
class PlannedEdit:
    """A task after some changes, and the next occurrence to create with it in one transaction."""

    task: Task
    next_occurrence: NewTask | None = None


@dataclass(frozen=True, slots=True)
class Edited:
    """What a store did: the task as saved, and the occurrence this very edit created, if any."""

    task: Task
    next_occurrence: Task | None = None


V = TypeVar("V")


def _given(change: V | Keep, current: V) -> V:
    return current if isinstance(change, Keep) else change


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskChanges:
    """Every editable field: KEEP leaves it alone, a value sets it, FLIP flips `completed`.

    PUT, PATCH and /complete all build one; the field rules are those of a new task.
    """

    title: str | Keep = KEEP
    description: str | None | Keep = KEEP
    completed: bool | Flip | Keep = KEEP
    priority: Priority | Keep = KEEP
    tags: Sequence[str] | Keep = KEEP
    due: Due | None | Keep = KEEP
    recurrence: str | None | Keep = KEEP
    repeat_from: RepeatFrom | Keep = KEEP
    remind_at: datetime | None | Keep = KEEP

    def __post_init__(self) -> None:
        if not isinstance(self.title, Keep):
            object.__setattr__(self, "title", clean_title(self.title))
        if not isinstance(self.description, Keep):
            object.__setattr__(self, "description", clean_description(self.description))
        if not isinstance(self.tags, Keep):
            object.__setattr__(self, "tags", clean_tags(self.tags))
        if not isinstance(self.remind_at, Keep):
            object.__setattr__(self, "remind_at", clean_instant("remind_at", self.remind_at))

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, field.name) is KEEP for field in fields(self))

    def apply_to(self, task: Task, now: datetime) -> PlannedEdit:
        """The task after these changes (one version later), with the occurrence its completion makes."""
        due = _given(self.due, task.due)
        recurrence = _given(self.recurrence, task.recurrence)
        if recurrence is not None and (self.due is not KEEP or self.recurrence is not KEEP):
            if due is None and self.due is not KEEP:
                raise InvalidTask("due", "cannot be cleared on a recurring task unless recurrence is too")
            recurrence = check_rule(recurrence, due)
        completed = not task.completed if self.completed is FLIP else _given(self.completed, task.completed)
        assert not isinstance(completed, Flip)
        completes = completed and not task.completed
        completed_at = now if completes else task.completed_at if completed else None
        changed = replace(
            task,
            title=_given(self.title, task.title),
            description=_given(self.description, task.description),
            completed=completed,
            priority=_given(self.priority, task.priority),
            tags=tuple(_given(self.tags, task.tags)),
            due=due,
            recurrence=recurrence,
            repeat_from=_given(self.repeat_from, task.repeat_from),
            remind_at=_given(self.remind_at, task.remind_at),
            completed_at=completed_at,
            updated_at=now,
            version=task.version + 1,
        )
        if completes and changed.next_occurrence_id is None:
            return PlannedEdit(changed, next_in_series(changed, now))
        return PlannedEdit(changed)


def complete(task: Task, now: datetime) -> PlannedEdit:
    """What completing a task does, as `complete-all` applies it to each pending one."""
    return TaskChanges(completed=True).apply_to(task, now)


def next_in_series(task: Task, completed_at: datetime) -> NewTask | None:
    """The next occurrence of a recurring task completed at `completed_at`; None when the series ends."""
    if task.recurrence is None or task.due is None:
        return None
    occurrence = next_occurrence(task.recurrence, task.due, task.repeat_from, completed_at)
    if occurrence is None:
        return None
    remind_at = task.remind_at
    if remind_at is not None:
        # A reminder keeps its distance from the due.
        remind_at = remind_at + (occurrence.due.at - task.due.at)
    return NewTask(
        title=task.title,
        description=task.description,
        priority=task.priority,
        tags=task.tags,
        due=occurrence.due,
        recurrence=occurrence.rule,
        repeat_from=task.repeat_from,
        remind_at=remind_at,
    )

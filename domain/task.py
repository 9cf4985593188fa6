"""The Task entity and every rule about its fields."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Final

from domain.errors import InvalidTask

TITLE_MAX_LENGTH: Final = 200
DESCRIPTION_MAX_LENGTH: Final = 1000
OWNER_ID_MAX_LENGTH: Final = 255
_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def clean_title(value: str) -> str:
    """Trim surrounding whitespace; 1 to 200 characters must remain."""
    _reject_unstorable("title", value)
    title = value.strip()
    if not title:
        raise InvalidTask("title", "must not be empty or only whitespace")
    if len(title) > TITLE_MAX_LENGTH:
        raise InvalidTask("title", f"must be at most {TITLE_MAX_LENGTH} characters")
    return title


def clean_description(value: str | None) -> str | None:
    """Kept as given (null allowed), up to 1000 characters."""
    if value is None:
        return None
    _reject_unstorable("description", value)
    if len(value) > DESCRIPTION_MAX_LENGTH:
        raise InvalidTask("description", f"must be at most {DESCRIPTION_MAX_LENGTH} characters")
    return value


def check_owner_id(value: str) -> str:
    if not value or len(value) > OWNER_ID_MAX_LENGTH or "\x00" in value:
        raise InvalidTask("owner_id", f"must be 1 to {OWNER_ID_MAX_LENGTH} characters")
    return value


def _reject_unstorable(field_name: str, value: str) -> None:
    if "\x00" in value:
        raise InvalidTask(field_name, "must not contain the NUL character")
    # JSON's "\ud800" escapes decode to lone surrogates, which no UTF-8 database can store.
    if _LONE_SURROGATE.search(value):
        raise InvalidTask(field_name, "must not contain unpaired surrogate code points")


@dataclass(frozen=True, slots=True, kw_only=True)
class NewTask:
    """What a caller may choose when creating a task; rules are applied on construction."""

    title: str
    description: str | None = None
    completed: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", clean_title(self.title))
        object.__setattr__(self, "description", clean_description(self.description))


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


class Toggle(Enum):
    """Marker: flip `completed` whatever it is now."""

    COMPLETED = "toggle"


class Keep(Enum):
    KEEP = "keep"


KEEP: Final = Keep.KEEP
"""Marker: leave the field as it is (distinct from None, which clears a description)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskChanges:
    """A partial update, validated by the same rules as a new task."""

    title: str | Keep = KEEP
    description: str | Keep | None = KEEP
    completed: bool | Toggle | Keep = KEEP

    def __post_init__(self) -> None:
        if self.title is not KEEP:
            object.__setattr__(self, "title", clean_title(self.title))
        if self.description is not KEEP:
            object.__setattr__(self, "description", clean_description(self.description))

    @property
    def is_empty(self) -> bool:
        return self.title is KEEP and self.description is KEEP and self.completed is KEEP

    def apply_to(self, task: Task, now: datetime) -> Task:
        """The task after these changes: a new object, one version later."""
        completed = task.completed
        if isinstance(self.completed, Toggle):
            completed = not task.completed
        elif isinstance(self.completed, bool):
            completed = self.completed
        return Task(
            id=task.id,
            owner_id=task.owner_id,
            title=task.title if isinstance(self.title, Keep) else self.title,
            description=task.description if isinstance(self.description, Keep) else self.description,
            completed=completed,
            created_at=task.created_at,
            updated_at=now,
            version=task.version + 1,
        )


class StatusFilter(Enum):
    ALL = "all"
    PENDING = "pending"
    COMPLETED = "completed"


class SortField(Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    TITLE = "title"


LIST_LIMIT_MAX: Final = 500
LIST_LIMIT_DEFAULT: Final = 100


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskQuery:
    """Which of an owner's tasks to list, in which order, which page. Ties break on id."""

    status: StatusFilter = StatusFilter.ALL
    sort: SortField = SortField.CREATED_AT
    descending: bool = True
    search: str | None = None
    limit: int = LIST_LIMIT_DEFAULT
    offset: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= LIST_LIMIT_MAX:
            raise InvalidTask("limit", f"must be between 1 and {LIST_LIMIT_MAX}")
        if self.offset < 0:
            raise InvalidTask("offset", "must be 0 or more")
        if self.search is not None:
            _reject_unstorable("q", self.search)
            if self.search == "":
                object.__setattr__(self, "search", None)


@dataclass(frozen=True, slots=True)
class TaskPage:
    items: list[Task] = field(default_factory=list)
    total: int = 0

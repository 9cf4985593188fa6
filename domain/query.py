"""Which of an owner's tasks to list, in which order, and what a page of them is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum
from typing import Final

from domain.errors import InvalidTask
from domain.fields import Priority, clean_tag, tag_key
from domain.task import Task
from domain.text import reject_unstorable

LIST_LIMIT_MAX: Final = 500
LIST_LIMIT_DEFAULT: Final = 100


class StatusFilter(Enum):
    ALL = "all"
    PENDING = "pending"
    COMPLETED = "completed"
    OVERDUE = "overdue"  # pending, and due before `TaskQuery.now`


class SortField(Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    TITLE = "title"
    DUE = "due"  # by due.at; tasks without a due come last in both directions
    PRIORITY = "priority"  # ascending is most urgent first


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskQuery:
    """Filters combine with AND; ties in every order break on id."""

    status: StatusFilter = StatusFilter.ALL
    sort: SortField = SortField.CREATED_AT
    descending: bool = True
    search: str | None = None
    priorities: frozenset[Priority] = frozenset()  # empty: any priority
    tags: tuple[str, ...] = ()  # a task matches when it carries every one (compared by tag_key)
    due_before: datetime | None = None
    due_after: datetime | None = None
    has_due: bool | None = None
    now: datetime | None = None  # what "overdue" is measured against; the use case sets it
    limit: int = LIST_LIMIT_DEFAULT
    offset: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= LIST_LIMIT_MAX:
            raise InvalidTask("limit", f"must be between 1 and {LIST_LIMIT_MAX}")
        if self.offset < 0:
            raise InvalidTask("offset", "must be 0 or more")
        if self.search is not None:
            reject_unstorable("q", self.search)
            if self.search == "":
                object.__setattr__(self, "search", None)
        keys = dict.fromkeys(tag_key(_filter_tag(tag)) for tag in self.tags)
        object.__setattr__(self, "tags", tuple(keys))

    @property
    def filters_due(self) -> bool:
        """Whether any filter reads the due (so tasks without one may drop out)."""
        return (
            self.status is StatusFilter.OVERDUE
            or self.due_before is not None
            or self.due_after is not None
            or self.has_due is not None
        )


def _filter_tag(value: str) -> str:
    try:
        return clean_tag(value)
    except InvalidTask as error:
        raise InvalidTask("tag", error.message) from None


def parse_boundary(field_name: str, text: str) -> datetime:
    """An RFC 3339 instant, or a YYYY-MM-DD date meaning its midnight UTC."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or "T" not in text.upper():
        example = "(2026-12-07T08:00:00Z) or a date (2026-12-07)"
        raise InvalidTask(field_name, f"must be an RFC 3339 time with an offset {example}")
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class TaskPage:
    items: list[Task] = field(default_factory=list)
    total: int = 0


@dataclass(frozen=True, slots=True)
class TagCount:
    name: str  # the spelling of the tag's oldest use
    count: int


@dataclass(frozen=True, slots=True)
class TaskCounts:
    total: int
    completed: int

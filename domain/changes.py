"""What changed in an owner's tasks, in the order it was committed, and how long deletions are kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from domain.errors import DomainError
from domain.task import Task

CHANGES_LIMIT_MAX: Final = 1000
CHANGES_LIMIT_DEFAULT: Final = 500
# A cursor is honoured this long; tombstones are kept a day longer, so that a transaction that
# began before a cursor was issued and committed after it is covered too.
CURSOR_LIFETIME: Final = timedelta(days=30)
TOMBSTONE_LIFETIME: Final = CURSOR_LIFETIME + timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Upserted:
    """The task was created or changed; this is its state now."""

    task: Task


@dataclass(frozen=True, slots=True)
class Deleted:
    task_id: int


Change = Upserted | Deleted


@dataclass(frozen=True, slots=True)
class ChangeBatch:
    """Changes after some position, in commit order; `position` is where the next batch starts."""

    changes: list[Change] = field(default_factory=list)
    position: int = 0
    has_more: bool = False


@dataclass(frozen=True, slots=True)
class SyncPoint:
    """Where a client is in its owner's changes, and when it was told so."""

    position: int
    issued_at: datetime

    def expired(self, now: datetime) -> bool:
        return self.issued_at < now - CURSOR_LIFETIME


class CursorExpired(DomainError):
    """The cursor is older than the deletions we remember, or not one of the caller's."""

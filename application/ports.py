"""What the core needs from the outside world."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.changes import ChangeBatch
from domain.idempotency import Receipt, Recorded
from domain.identity import Principal
from domain.query import TagCount, TaskCounts, TaskPage, TaskQuery
from domain.task import Edited, NewTask, Task, TaskChanges


class TaskRepo(Protocol):
    """The writes. Each method is one transaction, scoped to one owner: another's task is never seen.

    A write given a receipt records `receipt.request.render(result)` under its key in the same
    transaction, or raises KeyInUse (changing nothing) when the key holds an outcome newer than
    `receipt.window_start`.
    """

    async def add(
        self,
        owner_id: str,
        new: NewTask,
        now: datetime,
        task_limit: int | None,
        *,
        receipt: Receipt[Task] | None = None,
    ) -> Task:
        """Raises QuotaExceeded when the owner already holds task_limit tasks (None: no limit)."""
        ...

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
        """Apply the changes (`TaskChanges.apply_to`) and create the next occurrence it plans, together.

        Raises TaskNotFound, VersionMismatch, InvalidTask, or QuotaExceeded (for the occurrence).
        """
        ...

    async def delete(
        self,
        owner_id: str,
        task_id: int,
        expected_version: int | None = None,
        *,
        receipt: Receipt[None] | None = None,
    ) -> None:
        """Raises TaskNotFound or VersionMismatch."""
        ...

    async def clear_completed(self, owner_id: str, *, receipt: Receipt[int] | None = None) -> int:
        """Delete the owner's completed tasks; how many."""
        ...

    async def complete_all(self, owner_id: str, now: datetime, *, receipt: Receipt[int] | None = None) -> int:
        """Complete the owner's pending tasks (recurring ones create their next occurrence, no limit)."""
        ...

    async def ping(self) -> None:
        """Return when the store answers; raise StorageUnavailable otherwise."""
        ...


class TaskReader(Protocol):
    """The reads: one owner's tasks, pages of them and what they add up to."""

    async def get(self, owner_id: str, task_id: int) -> Task | None: ...

    async def page(self, owner_id: str, query: TaskQuery) -> TaskPage: ...

    async def tags(self, owner_id: str) -> list[TagCount]:
        """The owner's tags, ordered by name ignoring case, with how many tasks carry each."""
        ...

    async def counts(self, owner_id: str) -> TaskCounts: ...


@dataclass(frozen=True, slots=True)
class RenderedPage:
    """A page as the client receives it: `body` is opaque here, only the store and the client read it."""

    body: bytes
    total: int


@dataclass(frozen=True, slots=True)
class RenderedTask:
    body: bytes
    version: int


class TaskPageRenderer(Protocol):
    """The hot reads, rendered by the store in the client's representation, with what heads them."""

    async def page(self, owner_id: str, query: TaskQuery) -> RenderedPage: ...

    async def get(self, owner_id: str, task_id: int) -> RenderedTask | None: ...


class SchemaVersion(Protocol):
    async def is_current(self) -> bool:
        """Whether the store has every migration this code ships; StorageUnavailable if it does not answer."""
        ...


class ChangeFeed(Protocol):
    """Each task's last change, numbered per owner in the order the changes committed."""

    async def changes_after(
        self, owner_id: str, position: int, limit: int, *, with_deletions: bool
    ) -> ChangeBatch:
        """At most `limit` changes numbered after `position`, oldest first, read in one snapshot.

        Without deletions: only the tasks that exist (a first, full sync).
        """
        ...

    async def purge_tombstones(self, before: datetime) -> int:
        """Forget deletions older than `before`; how many."""
        ...


class IdempotencyRecords(Protocol):
    async def find(self, owner_id: str, key: str, window_start: datetime) -> Recorded | None:
        """The outcome recorded under the owner's key since `window_start`, if any."""
        ...

    async def purge(self, before: datetime) -> int:
        """Forget outcomes recorded before `before`; how many."""
        ...


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> Principal:
        """Return the caller proven by the token; raise AuthenticationFailed otherwise."""
        ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...

"""What the core needs from the outside world."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.identity import Principal
from domain.task import NewTask, Task, TaskChanges, TaskPage, TaskQuery


class TaskRepo(Protocol):
    """Every method is atomic and scoped to one owner: another owner's task is never seen."""

    async def add(self, owner_id: str, new: NewTask, now: datetime) -> Task: ...

    async def get(self, owner_id: str, task_id: int) -> Task | None: ...

    async def list(self, owner_id: str, query: TaskQuery) -> TaskPage: ...

    async def update(
        self,
        owner_id: str,
        task_id: int,
        changes: TaskChanges,
        now: datetime,
        expected_version: int | None = None,
    ) -> Task:
        """Apply the changes in one step. Raises TaskNotFound or VersionMismatch."""
        ...

    async def delete(self, owner_id: str, task_id: int, expected_version: int | None = None) -> None:
        """Raises TaskNotFound or VersionMismatch."""
        ...

    async def ping(self) -> None:
        """Return when the store answers; raise StorageUnavailable otherwise."""
        ...


class SchemaVersion(Protocol):
    async def is_current(self) -> bool:
        """Whether the store has every migration this code ships; StorageUnavailable if it does not answer."""
        ...


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> Principal:
        """Return the caller proven by the token; raise AuthenticationFailed otherwise."""
        ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...

from dataclasses import dataclass

from application.ports import TaskReader


@dataclass(frozen=True, slots=True)
class AccountTasks:
    total: int
    completed: int
    limit: int


class CountTasks:
    """What `/api/me` tells about the caller's tasks and their quota."""

    def __init__(self, reader: TaskReader, task_limit: int) -> None:
        self._reader = reader
        self._task_limit = task_limit

    async def __call__(self, owner_id: str) -> AccountTasks:
        counts = await self._reader.counts(owner_id)
        return AccountTasks(counts.total, counts.completed, self._task_limit)

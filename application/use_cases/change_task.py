"""The one way every edit reaches the store; each edit use case builds its own changes."""

from application.ports import Clock, TaskRepo
from domain.task import Task, TaskChanges


class ChangeTask:
    def __init__(self, repo: TaskRepo, clock: Clock) -> None:
        self._repo = repo
        self._clock = clock

    async def _apply(
        self, owner_id: str, task_id: int, changes: TaskChanges, expected_version: int | None
    ) -> Task:
        return await self._repo.update(owner_id, task_id, changes, self._clock.now(), expected_version)

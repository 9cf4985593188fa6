"""The bulk routes: one transaction each, over the caller's own tasks only."""

from application.ports import Clock, TaskRepo


class ClearCompleted:
    def __init__(self, repo: TaskRepo) -> None:
        self._repo = repo

    async def __call__(self, owner_id: str) -> int:
        return await self._repo.clear_completed(owner_id)


class CompleteAll:
    """Never refused by the task limit: it may take the owner past it by the occurrences it creates."""

    def __init__(self, repo: TaskRepo, clock: Clock) -> None:
        self._repo = repo
        self._clock = clock

    async def __call__(self, owner_id: str) -> int:
        return await self._repo.complete_all(owner_id, self._clock.now())

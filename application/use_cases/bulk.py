"""The bulk routes: one transaction each, over the caller's own tasks only."""

from application.ports import Clock, TaskRepo
from domain.idempotency import IdempotentRequest, receipt_at


class ClearCompleted:
    def __init__(self, repo: TaskRepo, clock: Clock) -> None:
        self._repo = repo
        self._clock = clock

    async def __call__(self, owner_id: str, idempotency: IdempotentRequest[int] | None = None) -> int:
        receipt = receipt_at(idempotency, self._clock.now())
        return await self._repo.clear_completed(owner_id, receipt=receipt)


class CompleteAll:
    """Never refused by the task limit: it may take the owner past it by the occurrences it creates."""

    def __init__(self, repo: TaskRepo, clock: Clock) -> None:
        self._repo = repo
        self._clock = clock

    async def __call__(self, owner_id: str, idempotency: IdempotentRequest[int] | None = None) -> int:
        now = self._clock.now()
        return await self._repo.complete_all(owner_id, now, receipt=receipt_at(idempotency, now))

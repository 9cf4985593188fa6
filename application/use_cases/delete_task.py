from dataclasses import dataclass

from application.ports import Clock, TaskRepo
from domain.idempotency import IdempotentRequest, receipt_at


@dataclass(frozen=True, slots=True)
class DeleteTaskCommand:
    owner_id: str
    task_id: int
    expected_version: int | None = None
    idempotency: IdempotentRequest[None] | None = None


class DeleteTask:
    def __init__(self, repo: TaskRepo, clock: Clock) -> None:
        self._repo = repo
        self._clock = clock

    async def __call__(self, command: DeleteTaskCommand) -> None:
        receipt = receipt_at(command.idempotency, self._clock.now())
        await self._repo.delete(command.owner_id, command.task_id, command.expected_version, receipt=receipt)

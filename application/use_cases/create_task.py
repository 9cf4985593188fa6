from dataclasses import dataclass

from application.ports import Clock, TaskRepo
from domain.fields import check_owner_id
from domain.idempotency import IdempotentRequest, receipt_at
from domain.task import NewTask, Task


@dataclass(frozen=True, slots=True)
class CreateTaskCommand:
    owner_id: str
    new: NewTask
    idempotency: IdempotentRequest[Task] | None = None


class CreateTask:
    def __init__(self, repo: TaskRepo, clock: Clock, task_limit: int) -> None:
        self._repo = repo
        self._clock = clock
        self._task_limit = task_limit

    async def __call__(self, command: CreateTaskCommand) -> Task:
        owner_id = check_owner_id(command.owner_id)
        now = self._clock.now()
        receipt = receipt_at(command.idempotency, now)
        return await self._repo.add(owner_id, command.new, now, self._task_limit, receipt=receipt)

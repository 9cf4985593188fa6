from dataclasses import dataclass

from application.ports import Clock, TaskRepo
from domain.errors import InvalidTask
from domain.idempotency import IdempotentRequest, receipt_at
from domain.task import Edited, TaskChanges


@dataclass(frozen=True, slots=True, kw_only=True)
class EditTaskCommand:
    """PUT, PATCH and /complete alike: the changes name what to set, KEEP the rest."""

    owner_id: str
    task_id: int
    changes: TaskChanges
    expected_version: int | None = None
    idempotency: IdempotentRequest[Edited] | None = None


class EditTask:
    def __init__(self, repo: TaskRepo, clock: Clock, task_limit: int) -> None:
        self._repo = repo
        self._clock = clock
        self._task_limit = task_limit

    async def __call__(self, command: EditTaskCommand) -> Edited:
        if command.changes.is_empty:
            raise InvalidTask("body", "must name at least one field of the task")
        now = self._clock.now()
        return await self._repo.update(
            command.owner_id,
            command.task_id,
            command.changes,
            now,
            expected_version=command.expected_version,
            task_limit=self._task_limit,
            receipt=receipt_at(command.idempotency, now),
        )

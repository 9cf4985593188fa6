from dataclasses import dataclass

from application.use_cases.change_task import ChangeTask
from domain.task import Task, TaskChanges, Toggle


@dataclass(frozen=True, slots=True, kw_only=True)
class SetCompletionCommand:
    """`completed=None` flips the current state."""

    owner_id: str
    task_id: int
    completed: bool | None = None
    expected_version: int | None = None


class SetCompletion(ChangeTask):
    async def __call__(self, command: SetCompletionCommand) -> Task:
        target = Toggle.COMPLETED if command.completed is None else command.completed
        changes = TaskChanges(completed=target)
        return await self._apply(command.owner_id, command.task_id, changes, command.expected_version)

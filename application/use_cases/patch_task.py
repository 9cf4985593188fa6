from dataclasses import dataclass

from application.use_cases.change_task import ChangeTask
from domain.errors import InvalidTask
from domain.task import Task, TaskChanges


@dataclass(frozen=True, slots=True, kw_only=True)
class PatchTaskCommand:
    owner_id: str
    task_id: int
    changes: TaskChanges
    expected_version: int | None = None


class PatchTask(ChangeTask):
    async def __call__(self, command: PatchTaskCommand) -> Task:
        if command.changes.is_empty:
            raise InvalidTask("body", "must name at least one of title, description, completed")
        return await self._apply(
            command.owner_id, command.task_id, command.changes, command.expected_version
        )

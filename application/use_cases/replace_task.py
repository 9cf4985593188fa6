from dataclasses import dataclass

from application.use_cases.change_task import ChangeTask
from domain.task import KEEP, Keep, Task, TaskChanges


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplaceTaskCommand:
    """PUT: the title is required; an omitted description or completed keeps its value."""

    owner_id: str
    task_id: int
    title: str
    description: str | None | Keep = KEEP
    completed: bool | Keep = KEEP
    expected_version: int | None = None


class ReplaceTask(ChangeTask):
    async def __call__(self, command: ReplaceTaskCommand) -> Task:
        changes = TaskChanges(
            title=command.title, description=command.description, completed=command.completed
        )
        return await self._apply(command.owner_id, command.task_id, changes, command.expected_version)

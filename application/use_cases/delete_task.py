from dataclasses import dataclass

from application.ports import TaskRepo


@dataclass(frozen=True, slots=True)
class DeleteTaskCommand:
    owner_id: str
    task_id: int
    expected_version: int | None = None


class DeleteTask:
    def __init__(self, repo: TaskRepo) -> None:
        self._repo = repo

    async def __call__(self, command: DeleteTaskCommand) -> None:
        await self._repo.delete(command.owner_id, command.task_id, command.expected_version)

from dataclasses import dataclass

from application.ports import TaskRepo
from domain.errors import TaskNotFound
from domain.task import Task


@dataclass(frozen=True, slots=True)
class GetTaskCommand:
    owner_id: str
    task_id: int


class GetTask:
    def __init__(self, repo: TaskRepo) -> None:
        self._repo = repo

    async def __call__(self, command: GetTaskCommand) -> Task:
        task = await self._repo.get(command.owner_id, command.task_id)
        if task is None:
            raise TaskNotFound(command.task_id)
        return task

from dataclasses import dataclass

from application.ports import TaskRepo
from domain.task import TaskPage, TaskQuery


@dataclass(frozen=True, slots=True)
class ListTasksCommand:
    owner_id: str
    query: TaskQuery


class ListTasks:
    def __init__(self, repo: TaskRepo) -> None:
        self._repo = repo

    async def __call__(self, command: ListTasksCommand) -> TaskPage:
        return await self._repo.list(command.owner_id, command.query)

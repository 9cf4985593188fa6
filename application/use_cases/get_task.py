from dataclasses import dataclass

from application.ports import TaskReader
from domain.errors import TaskNotFound
from domain.task import Task


@dataclass(frozen=True, slots=True)
class GetTaskCommand:
    owner_id: str
    task_id: int


class GetTask:
    def __init__(self, reader: TaskReader) -> None:
        self._reader = reader

    async def __call__(self, command: GetTaskCommand) -> Task:
        task = await self._reader.get(command.owner_id, command.task_id)
        if task is None:
            raise TaskNotFound(command.task_id)
        return task

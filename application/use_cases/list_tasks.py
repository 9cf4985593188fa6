from dataclasses import dataclass, replace

from application.ports import Clock, TaskReader
from domain.query import StatusFilter, TaskPage, TaskQuery


@dataclass(frozen=True, slots=True)
class ListTasksCommand:
    owner_id: str
    query: TaskQuery


class ListTasks:
    def __init__(self, reader: TaskReader, clock: Clock) -> None:
        self._reader = reader
        self._clock = clock

    async def __call__(self, command: ListTasksCommand) -> TaskPage:
        query = command.query
        if query.status is StatusFilter.OVERDUE and query.now is None:
            query = replace(query, now=self._clock.now())
        return await self._reader.page(command.owner_id, query)

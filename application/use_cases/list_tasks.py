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
        return await self._reader.page(command.owner_id, measured_query(command.query, self._clock))


def measured_query(query: TaskQuery, clock: Clock) -> TaskQuery:
    """The query with the moment "overdue" is measured against, when it asks for overdue tasks."""
    if query.status is StatusFilter.OVERDUE and query.now is None:
        return replace(query, now=clock.now())
    return query

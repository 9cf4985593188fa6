"""The hot reads in the store's rendering: the same owner and query as ListTasks and GetTask."""

from application.ports import Clock, RenderedPage, RenderedTask, TaskPageRenderer
from application.use_cases.get_task import GetTaskCommand
from application.use_cases.list_tasks import ListTasksCommand, measured_query
from domain.errors import TaskNotFound


class ListRenderedTasks:
    def __init__(self, renderer: TaskPageRenderer, clock: Clock) -> None:
        self._renderer = renderer
        self._clock = clock

    async def __call__(self, command: ListTasksCommand) -> RenderedPage:
        return await self._renderer.page(command.owner_id, measured_query(command.query, self._clock))


class GetRenderedTask:
    def __init__(self, renderer: TaskPageRenderer) -> None:
        self._renderer = renderer

    async def __call__(self, command: GetTaskCommand) -> RenderedTask:
        rendered = await self._renderer.get(command.owner_id, command.task_id)
        if rendered is None:
            raise TaskNotFound(command.task_id)
        return rendered

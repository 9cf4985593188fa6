from application.errors import SchemaOutdated
from application.ports import SchemaVersion, TaskRepo


class CheckReadiness:
    """Ready means the store answers and its schema is the one this code expects."""

    def __init__(self, repo: TaskRepo, schema: SchemaVersion) -> None:
        self._repo = repo
        self._schema = schema

    async def __call__(self) -> None:
        await self._repo.ping()
        if not await self._schema.is_current():
            raise SchemaOutdated()

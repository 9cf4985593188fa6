from application.ports import TaskReader
from domain.query import TagCount


class ListTags:
    def __init__(self, reader: TaskReader) -> None:
        self._reader = reader

    async def __call__(self, owner_id: str) -> list[TagCount]:
        return await self._reader.tags(owner_id)

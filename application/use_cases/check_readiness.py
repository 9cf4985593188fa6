from application.ports import TaskRepo


class CheckReadiness:
    def __init__(self, repo: TaskRepo) -> None:
        self._repo = repo

    async def __call__(self) -> None:
        await self._repo.ping()

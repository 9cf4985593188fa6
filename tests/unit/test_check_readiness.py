"""Ready means the store answers and has every migration the code ships."""

from __future__ import annotations

import pytest

from adapters.memory.schema_version import InMemorySchemaVersion
from adapters.memory.task_repo import InMemoryTaskRepo
from application.errors import SchemaOutdated, StorageUnavailable
from application.use_cases import CheckReadiness


class BehindSchema:
    async def is_current(self) -> bool:
        return False


class UnreachableRepo(InMemoryTaskRepo):
    async def ping(self) -> None:
        raise StorageUnavailable("db.example:5432/todo: connection refused")


async def test_a_store_with_every_migration_is_ready() -> None:
    await CheckReadiness(InMemoryTaskRepo(), InMemorySchemaVersion())()


async def test_a_store_behind_the_migrations_is_not_ready() -> None:
    with pytest.raises(SchemaOutdated):
        await CheckReadiness(InMemoryTaskRepo(), BehindSchema())()


async def test_a_store_that_does_not_answer_says_so_before_any_schema_question() -> None:
    with pytest.raises(StorageUnavailable, match="connection refused"):
        await CheckReadiness(UnreachableRepo(), BehindSchema())()

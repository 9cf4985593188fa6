"""X-Total-Count comes from task_counts, kept by triggers: it must always equal counting the rows."""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from adapters.sql.engine import PoolSettings, create_engine, normalise_url
from adapters.sql.migrate import alembic_config
from adapters.sql.runner import statement_runner
from adapters.sql.task_reader import SqlTaskReader
from adapters.sql.task_repo import SqlTaskRepo
from domain.due import Due
from domain.errors import TaskNotFound
from domain.query import StatusFilter, TaskQuery
from domain.task import FLIP, NewTask, TaskChanges
from tests.support.postgres import PostgresServer

NOW = datetime(2026, 11, 27, 12, 0, 0, 123000, tzinfo=UTC)
DUE = Due(date=date(2026, 11, 20), time=None, time_zone=None)


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'counts.db'}"
    postgres: PostgresServer = request.getfixturevalue("postgres")
    return postgres.create_database(f"counts_{uuid.uuid4().hex[:12]}")


async def totals(reader: SqlTaskReader, owner: str) -> tuple[int, int, int]:
    """X-Total-Count for status=all, pending and completed."""
    statuses = (StatusFilter.ALL, StatusFilter.PENDING, StatusFilter.COMPLETED)
    pages = [await reader.page(owner, TaskQuery(status=status, limit=1)) for status in statuses]
    return pages[0].total, pages[1].total, pages[2].total


def rows_counted(url: str) -> dict[str, tuple[int, int]]:
    """What count(*) says, per user: (total, completed)."""
    engine = sa.create_engine(normalise_url(url, asynchronous=False))
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT user_id, count(*), sum(CASE WHEN completed THEN 1 ELSE 0 END) "
                "FROM tasks GROUP BY user_id"
            )
        ).all()
        kept = connection.execute(sa.text("SELECT user_id, total, completed FROM task_counts")).all()
    engine.dispose()
    counted = {user: (int(total), int(completed)) for user, total, completed in rows}
    nonzero_kept = {user: (int(t), int(c)) for user, t, c in kept if t or c}
    assert nonzero_kept == counted
    return counted


@pytest.fixture
async def repo_on(empty_database: str) -> AsyncIterator[tuple[str, SqlTaskRepo, SqlTaskReader]]:
    command.upgrade(alembic_config(empty_database), "head")
    engine = create_engine(empty_database, PoolSettings(size=8))
    runner = statement_runner(engine, max_connections=8)
    try:
        yield empty_database, SqlTaskRepo(runner), SqlTaskReader(runner)
    finally:
        await engine.dispose()


async def test_tasks_stored_before_the_counts_existed_are_counted(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "0002")
    engine = sa.create_engine(normalise_url(empty_database, asynchronous=False))
    insert = sa.text(
        "INSERT INTO tasks (user_id, title, completed, created_at, updated_at, version) "
        "VALUES (:user_id, :title, :completed, :now, :now, 1)"
    )
    with engine.begin() as connection:
        for n in range(7):
            connection.execute(insert, {"user_id": "old-a", "title": f"a{n}", "completed": n < 3, "now": NOW})
        connection.execute(insert, {"user_id": "old-b", "title": "b", "completed": False, "now": NOW})
    engine.dispose()

    command.upgrade(config, "head")

    async_engine = create_engine(empty_database, PoolSettings(size=2))
    try:
        reader = SqlTaskReader(statement_runner(async_engine))
        assert await totals(reader, "old-a") == (7, 4, 3)
        assert await totals(reader, "old-b") == (1, 1, 0)
        assert await totals(reader, "never-seen") == (0, 0, 0)
    finally:
        await async_engine.dispose()
    assert rows_counted(empty_database) == {"old-a": (7, 3), "old-b": (1, 0)}


async def test_counts_follow_every_kind_of_write(repo_on: tuple[str, SqlTaskRepo, SqlTaskReader]) -> None:
    url, repo, reader = repo_on
    owner = "writer"
    first = await repo.add(owner, NewTask(title="one", completed=True), NOW, None)
    second = await repo.add(owner, NewTask(title="two"), NOW, None)
    await repo.add(owner, NewTask(title="three"), NOW, None)
    assert await totals(reader, owner) == (3, 2, 1)

    await repo.update(owner, second.id, TaskChanges(completed=FLIP), NOW)  # pending -> completed
    await repo.update(owner, first.id, TaskChanges(completed=True), NOW)  # no change in status
    await repo.update(owner, first.id, TaskChanges(title="renamed"), NOW)  # not the status at all
    assert await totals(reader, owner) == (3, 1, 2)

    await repo.delete(owner, first.id)
    with pytest.raises(TaskNotFound):
        await repo.delete(owner, first.id)
    assert await totals(reader, owner) == (2, 1, 1)
    assert rows_counted(url) == {owner: (2, 1)}

    recurring = NewTask(title="daily", due=DUE, recurrence="FREQ=DAILY")
    await repo.add(owner, recurring, NOW, None)
    assert await repo.complete_all(owner, NOW) == 2  # "three" and "daily", which makes one more
    assert await totals(reader, owner) == (4, 1, 3)
    assert await repo.clear_completed(owner) == 3
    assert await totals(reader, owner) == (1, 1, 0)
    assert rows_counted(url) == {owner: (1, 0)}


async def test_counts_stay_exact_under_concurrent_writes(
    repo_on: tuple[str, SqlTaskRepo, SqlTaskReader],
) -> None:
    url, repo, reader = repo_on
    owners = ["crowd-a", "crowd-b", "crowd-c"]
    rng = random.Random(7)

    async def writer(worker: int) -> None:
        mine: list[tuple[str, int]] = []
        for step in range(30):
            owner = owners[(worker + step) % len(owners)]
            action = rng.random()
            if action < 0.5 or not mine:
                recurring = {"due": DUE, "recurrence": "FREQ=DAILY"} if rng.random() < 0.3 else {}
                new = NewTask(title=f"w{worker}-{step}", completed=rng.random() < 0.3, **recurring)  # type: ignore[arg-type]
                task = await repo.add(owner, new, NOW, None)
                mine.append((owner, task.id))
            elif action < 0.9:
                owner, task_id = mine.pop(rng.randrange(len(mine))) if action >= 0.75 else rng.choice(mine)
                # A bulk route of another writer may have deleted it already.
                with contextlib.suppress(TaskNotFound):
                    if action < 0.75:
                        await repo.update(owner, task_id, TaskChanges(completed=FLIP), NOW)
                    else:
                        await repo.delete(owner, task_id)
            elif action < 0.95:
                await repo.complete_all(owner, NOW)
            else:
                await repo.clear_completed(owner)

    await asyncio.gather(*(writer(worker) for worker in range(8)))

    counted = rows_counted(url)
    for owner in owners:
        total, completed = counted.get(owner, (0, 0))
        assert await totals(reader, owner) == (total, total - completed, completed)

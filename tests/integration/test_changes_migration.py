"""Migration 0006: tasks that exist before it enter the feed, and later changes number after them."""

from __future__ import annotations

from alembic import command

from adapters.sql.change_feed import SqlChangeFeed
from adapters.sql.engine import PoolSettings, create_engine
from adapters.sql.migrate import alembic_config
from adapters.sql.runner import statement_runner
from adapters.sql.task_repo import SqlTaskRepo
from domain.changes import Deleted, Upserted
from domain.task import TaskChanges
from tests.integration.test_migrations import FINISHED, V1_HEAD, empty_database, insert_v1_tasks

__all__ = ["empty_database"]  # the fixture, on both databases


async def test_tasks_from_before_the_feed_are_in_it_and_numbering_goes_on(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, V1_HEAD)
    insert_v1_tasks(empty_database)
    command.upgrade(config, "head")

    engine = create_engine(empty_database, PoolSettings(timeout_seconds=4.0, size=2))
    runner = statement_runner(engine, timeout_seconds=4.0, max_connections=2)
    feed, repo = SqlChangeFeed(runner), SqlTaskRepo(runner)
    try:
        first = await feed.changes_after("v1-user", 0, 10, with_deletions=False)
        assert [change.task.title for change in first.changes if isinstance(change, Upserted)] == [
            "pending",
            "done",
        ]
        assert first.position == 2
        pending, done = (change.task for change in first.changes if isinstance(change, Upserted))

        await repo.update("v1-user", pending.id, TaskChanges(title="edited"), FINISHED)
        await repo.delete("v1-user", done.id)

        later = await feed.changes_after("v1-user", first.position, 10, with_deletions=True)
        assert [type(change) for change in later.changes] == [Upserted, Deleted]
        assert later.position == 4
        other = await feed.changes_after("v1-other", 0, 10, with_deletions=True)
        assert other.position == 1 and len(other.changes) == 1
    finally:
        await engine.dispose()

"""Migrations keep data: v1 tasks read with the v2 defaults, and every step goes down and up again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from adapters.sql.engine import PoolSettings, create_engine, normalise_url
from adapters.sql.migrate import alembic_config
from adapters.sql.runner import statement_runner
from adapters.sql.task_reader import SqlTaskReader
from adapters.sql.task_repo import SqlTaskRepo
from domain.fields import Priority
from domain.query import StatusFilter, TagCount, TaskCounts, TaskQuery
from domain.recurrence import RepeatFrom
from domain.task import TaskChanges
from tests.support.postgres import PostgresServer

CREATED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
FINISHED = CREATED + timedelta(days=2, microseconds=500)
V1_HEAD = "0004"

_INSERT_V1 = sa.text(
    "INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at, version) "
    "VALUES (:user_id, :title, :description, :completed, :created_at, :updated_at, :version)"
)


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    postgres: PostgresServer = request.getfixturevalue("postgres")
    name = f"migrations_{uuid.uuid4().hex[:12]}"
    yield postgres.create_database(name)
    postgres.drop_database(name)


def insert_v1_tasks(url: str) -> None:
    rows = [
        {"user_id": "v1-user", "title": "pending", "description": None, "completed": False, "version": 1},
        {
            "user_id": "v1-user",
            "title": "done",
            "description": "kept\nas is",
            "completed": True,
            "version": 3,
        },
        {"user_id": "v1-other", "title": "theirs", "description": None, "completed": False, "version": 1},
    ]
    engine = sa.create_engine(normalise_url(url, asynchronous=False))
    with engine.begin() as connection:
        for row in rows:
            finished = FINISHED if row["completed"] else CREATED
            connection.execute(_INSERT_V1, {**row, "created_at": CREATED, "updated_at": finished})
    engine.dispose()


def v1_columns(url: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(normalise_url(url, asynchronous=False))
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT id, user_id, title, description, completed, version FROM tasks ORDER BY id")
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


async def test_v1_tasks_read_with_the_v2_defaults_after_the_upgrade(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, V1_HEAD)
    insert_v1_tasks(empty_database)

    command.upgrade(config, "head")

    engine = create_engine(empty_database, PoolSettings(size=2))
    runner = statement_runner(engine, max_connections=2)
    reader, repo = SqlTaskReader(runner), SqlTaskRepo(runner)
    try:
        page = await reader.page("v1-user", TaskQuery(descending=False))
        assert page.total == 2
        pending, done = page.items
        assert (pending.title, pending.description, pending.completed, pending.version) == (
            "pending",
            None,
            False,
            1,
        )
        assert (done.title, done.description, done.completed, done.version) == (
            "done",
            "kept\nas is",
            True,
            3,
        )
        for task in (pending, done):
            assert (task.priority, task.tags, task.due, task.recurrence) == (Priority.NONE, (), None, None)
            assert (task.repeat_from, task.remind_at, task.next_occurrence_id) == (RepeatFrom.DUE, None, None)
            assert (task.created_at, await reader.get("v1-user", task.id)) == (CREATED, task)
        # Completed before completed_at existed: its last change stands for its completion.
        assert (pending.completed_at, done.completed_at, done.updated_at) == (None, FINISHED, FINISHED)

        assert await reader.counts("v1-user") == TaskCounts(2, 1)
        assert (await reader.page("v1-user", TaskQuery(has_due=False))).total == 2
        assert (await reader.page("v1-user", TaskQuery(tags=("work",)))).total == 0
        assert (await reader.page("v1-user", TaskQuery(status=StatusFilter.OVERDUE, now=FINISHED))).total == 0
        assert await reader.tags("v1-user") == []

        # And they take v2 edits like any other task.
        tagged = (await repo.update("v1-user", pending.id, TaskChanges(tags=["Work"]), FINISHED)).task
        assert (await reader.page("v1-user", TaskQuery(tags=("work",)))).items == [tagged]
        assert await reader.tags("v1-user") == [TagCount("Work", 1)]
    finally:
        await engine.dispose()


def revisions_in_order(url: str) -> list[tuple[str, str]]:
    """(revision, the one below it or "base"), from the first migration to the last."""
    script = ScriptDirectory.from_config(alembic_config(url))
    steps = [(step.revision, step.down_revision or "base") for step in script.walk_revisions()]
    return [(str(revision), str(down)) for revision, down in reversed(steps)]


def test_every_migration_goes_down_and_up_again(empty_database: str) -> None:
    config = alembic_config(empty_database)
    steps = revisions_in_order(empty_database)
    assert [revision for revision, _ in steps][:5] == ["0001", "0002", "0003", "0004", "0005"]
    for revision, down in steps:
        command.upgrade(config, revision)
        command.downgrade(config, down)
        command.upgrade(config, revision)
    command.downgrade(config, "base")
    command.upgrade(config, "head")


def test_going_down_and_up_keeps_the_v1_data(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "0001")
    insert_v1_tasks(empty_database)
    kept = v1_columns(empty_database)
    for revision, down in revisions_in_order(empty_database)[1:]:
        command.upgrade(config, revision)
        command.downgrade(config, down)
        assert v1_columns(empty_database) == kept, f"down from {revision}"
        command.upgrade(config, revision)
    command.downgrade(config, V1_HEAD)
    assert v1_columns(empty_database) == kept

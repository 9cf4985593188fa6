"""Bulk routes, the quota and recurring completion, on every store; and races between two servers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta

import pytest

from adapters.sql.engine import PoolSettings, create_engine
from adapters.sql.runner import statement_runner
from adapters.sql.task_reader import SqlTaskReader
from adapters.sql.task_repo import SqlTaskRepo
from domain.due import Due
from domain.errors import InvalidTask, QuotaExceeded, VersionMismatch
from domain.fields import Priority
from domain.query import TagCount
from domain.recurrence import RepeatFrom
from domain.task import FLIP, NewTask, Task, TaskChanges
from tests.contract.conftest import T0, Store

DAILY_AT_NINE = Due(date=date(2026, 12, 1), time=time(9, 0), time_zone="UTC")
DONE = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # before the due: the next one is the day after
COMPLETE = TaskChanges(completed=True)


async def add_daily(store: Store, owner: str, **fields: object) -> Task:
    defaults: dict[str, object] = {
        "description": "water them",
        "priority": Priority.HIGH,
        "tags": ["Home", "plants"],
        "due": DAILY_AT_NINE,
        "recurrence": "FREQ=DAILY;COUNT=5",
        "remind_at": datetime(2026, 12, 1, 8, 45, tzinfo=UTC),
    }
    return await store.add(owner, "Water the plants", **{**defaults, **fields})  # type: ignore[arg-type]


class TestRecurringCompletion:
    async def test_completion_creates_the_next_occurrence_linked_to_it(
        self, store: Store, owner: str
    ) -> None:
        task = await add_daily(store, owner)
        edited = await store.edit(owner, task.id, COMPLETE, DONE)
        created = edited.next_occurrence
        assert created is not None
        assert edited.task.next_occurrence_id == created.id
        assert (edited.task.completed, edited.task.completed_at, edited.task.due) == (
            True,
            DONE,
            DAILY_AT_NINE,
        )
        assert (created.title, created.description, created.priority, created.tags) == (
            "Water the plants",
            "water them",
            Priority.HIGH,
            ("Home", "plants"),
        )
        assert (created.completed, created.completed_at, created.next_occurrence_id) == (False, None, None)
        assert created.due == Due(date=date(2026, 12, 2), time=time(9, 0), time_zone="UTC")
        assert created.recurrence == "FREQ=DAILY;COUNT=4"
        assert created.remind_at == datetime(2026, 12, 2, 8, 45, tzinfo=UTC)
        assert await store.all_tasks(owner) == [edited.task, created]
        assert await store.ids(owner, tags=("home",)) == ([created.id, task.id], 2)

    async def test_reopening_and_completing_again_creates_nothing_new(self, store: Store, owner: str) -> None:
        task = await add_daily(store, owner)
        first = await store.edit(owner, task.id, COMPLETE, DONE)
        reopened = await store.edit(owner, task.id, TaskChanges(completed=FLIP), DONE)
        again = await store.edit(owner, task.id, COMPLETE, DONE + timedelta(hours=1))
        assert (reopened.next_occurrence, again.next_occurrence) == (None, None)
        assert first.next_occurrence is not None
        assert reopened.task.next_occurrence_id == again.task.next_occurrence_id == first.next_occurrence.id
        assert len(await store.all_tasks(owner)) == 2

    async def test_the_last_of_a_series_creates_nothing(self, store: Store, owner: str) -> None:
        task = await add_daily(store, owner, recurrence="FREQ=DAILY;COUNT=1")
        edited = await store.edit(owner, task.id, COMPLETE, DONE)
        assert (edited.next_occurrence, edited.task.next_occurrence_id) == (None, None)
        assert await store.all_tasks(owner) == [edited.task]

    async def test_deleting_either_task_leaves_the_other_and_the_link(self, store: Store, owner: str) -> None:
        task = await add_daily(store, owner)
        edited = await store.edit(owner, task.id, COMPLETE, DONE)
        assert edited.next_occurrence is not None
        await store.repo.delete(owner, edited.next_occurrence.id)
        assert await store.get(owner, task.id) == edited.task
        second = await add_daily(store, owner)
        linked = await store.edit(owner, second.id, COMPLETE, DONE)
        assert linked.next_occurrence is not None
        await store.repo.delete(owner, second.id)
        assert await store.get(owner, linked.next_occurrence.id) == linked.next_occurrence

    async def test_breaking_a_rule_changes_nothing(self, store: Store, owner: str) -> None:
        task = await add_daily(store, owner)
        with pytest.raises(InvalidTask):
            await store.edit(owner, task.id, TaskChanges(due=None, completed=True), DONE)
        with pytest.raises(VersionMismatch):
            await store.edit(owner, task.id, COMPLETE, DONE, expected_version=7)
        assert await store.all_tasks(owner) == [task]
        assert await store.reader.tags(owner) == [TagCount("Home", 1), TagCount("plants", 1)]

    async def test_the_quota_refuses_the_occurrence_and_changes_nothing(
        self, store: Store, owner: str
    ) -> None:
        task = await add_daily(store, owner)
        plain = await store.add(owner, "plain")
        with pytest.raises(QuotaExceeded):
            await store.edit(owner, task.id, COMPLETE, DONE, task_limit=2)
        assert await store.all_tasks(owner) == [task, plain]
        # Completing a task that makes no occurrence is never refused; one below the limit is fine.
        assert (await store.update(owner, plain.id, COMPLETE, DONE, task_limit=2)).completed
        assert (await store.edit(owner, task.id, COMPLETE, DONE, task_limit=3)).next_occurrence is not None

    async def test_repeat_from_completion_counts_from_the_day_of_completion(
        self, store: Store, owner: str
    ) -> None:
        due = Due(date=date(2026, 12, 1), time=time(18, 0), time_zone="Europe/Berlin")
        task = await store.add(
            owner, due=due, recurrence="FREQ=DAILY;INTERVAL=3", repeat_from=RepeatFrom.COMPLETION
        )
        wednesday_night = datetime(2026, 12, 9, 21, 0, tzinfo=UTC)
        created = (await store.edit(owner, task.id, COMPLETE, wednesday_night)).next_occurrence
        assert created is not None
        assert created.due == Due(date=date(2026, 12, 12), time=time(18, 0), time_zone="Europe/Berlin")
        assert created.repeat_from is RepeatFrom.COMPLETION


class TestQuota:
    async def test_add_is_refused_at_the_limit_and_changes_nothing(self, store: Store, owner: str) -> None:
        kept = [await store.add(owner, f"t{n}", limit=3) for n in range(3)]
        with pytest.raises(QuotaExceeded) as raised:
            await store.add(owner, "one too many", limit=3)
        assert raised.value.limit == 3
        assert await store.all_tasks(owner) == kept
        assert (await store.add(owner, "no limit", limit=None)).title == "no limit"

    async def test_the_limit_is_per_owner(self, store: Store, owner: str, stranger: str) -> None:
        await store.add(stranger, limit=1)
        assert (await store.add(owner, limit=1)).owner_id == owner

    async def test_concurrent_adds_stop_exactly_at_the_limit(self, store: Store, owner: str) -> None:
        results = await asyncio.gather(
            *(store.add(owner, f"t{n}", limit=5) for n in range(12)), return_exceptions=True
        )
        refused = [result for result in results if isinstance(result, QuotaExceeded)]
        assert (len(refused), len(await store.all_tasks(owner))) == (7, 5)


class TestBulk:
    async def test_clear_completed_deletes_only_the_owners_completed_tasks(
        self, store: Store, owner: str, stranger: str
    ) -> None:
        pending = await store.add(owner, "pending", tags=["keep"])
        await store.add(owner, "done", completed=True, tags=["gone"])
        await store.add(owner, "done too", completed=True, tags=["Keep"])
        theirs = await store.add(stranger, "theirs", completed=True)
        assert await store.repo.clear_completed(owner) == 2
        assert await store.all_tasks(owner) == [pending]
        assert await store.reader.tags(owner) == [TagCount("keep", 1)]
        assert await store.get(stranger, theirs.id) == theirs
        assert await store.repo.clear_completed(owner) == 0

    async def test_complete_all_completes_the_owners_pending_tasks(
        self, store: Store, owner: str, stranger: str
    ) -> None:
        first = await store.add(owner, "first")
        done = await store.add(owner, "done", completed=True)
        daily = await add_daily(store, owner)
        theirs = await store.add(stranger, "theirs")
        assert await store.repo.complete_all(owner, DONE) == 2
        tasks = {task.id: task for task in await store.all_tasks(owner)}
        assert (tasks[first.id].completed, tasks[first.id].completed_at, tasks[first.id].version) == (
            True,
            DONE,
            2,
        )
        assert tasks[first.id].updated_at == DONE
        assert tasks[done.id] == done
        occurrence_id = tasks[daily.id].next_occurrence_id
        assert occurrence_id is not None and tasks[daily.id].completed
        assert (tasks[occurrence_id].completed, tasks[occurrence_id].due) == (
            False,
            Due(date=date(2026, 12, 2), time=time(9, 0), time_zone="UTC"),
        )
        assert len(tasks) == 4
        assert await store.get(stranger, theirs.id) == theirs
        counts = await store.reader.counts(owner)
        assert (counts.total, counts.completed) == (4, 3)

    async def test_complete_all_is_never_refused_by_the_limit_and_skips_linked_tasks(
        self, store: Store, owner: str
    ) -> None:
        daily = await add_daily(store, owner)
        linked = await store.edit(owner, daily.id, COMPLETE, DONE)
        await store.update(owner, daily.id, TaskChanges(completed=False), DONE)
        # Pending now: the re-opened task (linked already) and its occurrence (which makes one more).
        assert await store.repo.complete_all(owner, DONE) == 2
        tasks = await store.all_tasks(owner)
        assert len(tasks) == 3
        assert linked.next_occurrence is not None
        assert [task.next_occurrence_id for task in tasks[:2]] == [linked.next_occurrence.id, tasks[2].id]
        assert await store.repo.complete_all(owner, DONE) == 1


@pytest.fixture(params=["postgres", "sqlite"])
async def two_servers(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[SqlTaskRepo, SqlTaskRepo, SqlTaskReader]]:
    """Two engines on one database, as two server processes would have."""
    url = request.getfixturevalue(f"{request.param}_url")
    engines = [create_engine(url, PoolSettings(size=4)) for _ in range(2)]
    runners = [statement_runner(engine, max_connections=4) for engine in engines]
    try:
        yield SqlTaskRepo(runners[0]), SqlTaskRepo(runners[1]), SqlTaskReader(runners[1])
    finally:
        for engine in engines:
            await engine.dispose()


async def test_two_servers_completing_one_recurring_task_create_one_occurrence(
    two_servers: tuple[SqlTaskRepo, SqlTaskRepo, SqlTaskReader], owner: str
) -> None:
    left, right, reader = two_servers
    store = Store(left, reader, "sql")
    for _ in range(20):
        task = await add_daily(store, owner)
        results = await asyncio.gather(
            left.update(owner, task.id, COMPLETE, DONE), right.update(owner, task.id, COMPLETE, DONE)
        )
        created = [result.next_occurrence for result in results if result.next_occurrence is not None]
        assert len(created) == 1
        stored = await reader.get(owner, task.id)
        assert stored is not None and stored.next_occurrence_id == created[0].id
    assert len(await store.all_tasks(owner)) == 40
    assert (await reader.counts(owner)).total == 40


async def test_two_servers_adding_at_the_limit_stop_exactly_there(
    two_servers: tuple[SqlTaskRepo, SqlTaskRepo, SqlTaskReader], owner: str
) -> None:
    left, right, reader = two_servers
    adds = [(left if n % 2 else right).add(owner, _new(n), T0, 6) for n in range(14)]
    results = await asyncio.gather(*adds, return_exceptions=True)
    assert sum(isinstance(result, QuotaExceeded) for result in results) == 8
    assert (await reader.counts(owner)).total == 6


def _new(n: int) -> NewTask:
    return NewTask(title=f"t{n}")

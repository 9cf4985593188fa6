"""The change feed and the stored outcomes, on every store (in-memory, SQLite, PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from adapters.memory.task_repo import InMemoryTaskRepo
from adapters.sql.change_feed import SqlChangeFeed
from adapters.sql.engine import PoolSettings, create_engine
from adapters.sql.idempotency import SqlIdempotencyRecords
from adapters.sql.runner import statement_runner
from adapters.sql.task_repo import SqlTaskRepo
from application.ports import ChangeFeed, IdempotencyRecords, TaskRepo
from domain.changes import Deleted, Upserted
from domain.errors import TaskNotFound
from domain.idempotency import REPLAY_WINDOW, IdempotentRequest, KeyInUse, Outcome
from domain.task import FLIP, Edited, NewTask, Task, TaskChanges

NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class Stores:
    repo: TaskRepo
    feed: ChangeFeed
    records: IdempotencyRecords


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def stores(request: pytest.FixtureRequest) -> AsyncIterator[Stores]:
    if request.param == "memory":
        memory = InMemoryTaskRepo()
        yield Stores(memory, memory, memory)
        return
    engine = create_engine(request.getfixturevalue(f"{request.param}_url"), PoolSettings(timeout_seconds=4.0))
    runner = statement_runner(engine, timeout_seconds=4.0)
    try:
        yield Stores(SqlTaskRepo(runner), SqlChangeFeed(runner), SqlIdempotencyRecords(runner))
    finally:
        await engine.dispose()


def rendered(result: object) -> Outcome:
    return Outcome(201, (("etag", 'W/"1"'),), repr(result).encode())


def keyed(key: str, fingerprint: str = "f" * 64) -> IdempotentRequest[Task]:
    return IdempotentRequest(key=key, fingerprint=fingerprint, render=rendered)


async def add(stores: Stores, owner: str, title: str = "t") -> Task:
    return await stores.repo.add(owner, NewTask(title=title), NOW, None)


class TestChangeFeed:
    async def test_changes_come_numbered_in_the_order_they_were_made(
        self, stores: Stores, owner: str
    ) -> None:
        first, second = await add(stores, owner, "first"), await add(stores, owner, "second")
        start = (await stores.feed.changes_after(owner, 0, 10, with_deletions=True)).position
        await stores.repo.update(owner, first.id, TaskChanges(title="edited"), NOW)
        await stores.repo.delete(owner, second.id)

        batch = await stores.feed.changes_after(owner, start, 10, with_deletions=True)

        assert [type(change) for change in batch.changes] == [Upserted, Deleted]
        assert isinstance(batch.changes[0], Upserted) and batch.changes[0].task.title == "edited"
        assert batch.changes[1] == Deleted(second.id)
        assert batch.position > start and not batch.has_more
        assert (await stores.feed.changes_after(owner, batch.position, 10, with_deletions=True)).changes == []

    async def test_a_full_sync_leaves_tombstones_out(self, stores: Stores, owner: str) -> None:
        kept, gone = await add(stores, owner), await add(stores, owner)
        await stores.repo.delete(owner, gone.id)
        batch = await stores.feed.changes_after(owner, 0, 10, with_deletions=False)
        assert batch.changes == [Upserted(kept)]

    async def test_pages_continue_where_the_last_one_stopped(self, stores: Stores, owner: str) -> None:
        tasks = [await add(stores, owner, f"t{n}") for n in range(5)]
        first = await stores.feed.changes_after(owner, 0, 3, with_deletions=False)
        rest = await stores.feed.changes_after(owner, first.position, 3, with_deletions=True)
        assert first.has_more and not rest.has_more
        assert [*first.changes, *rest.changes] == [Upserted(task) for task in tasks]

    async def test_bulk_changes_are_in_the_feed(self, stores: Stores, owner: str) -> None:
        done, pending = await add(stores, owner), await add(stores, owner)
        await stores.repo.update(owner, done.id, TaskChanges(completed=True), NOW)
        start = (await stores.feed.changes_after(owner, 0, 10, with_deletions=True)).position
        await stores.repo.clear_completed(owner)
        await stores.repo.complete_all(owner, NOW)

        changes = (await stores.feed.changes_after(owner, start, 10, with_deletions=True)).changes

        assert changes[0] == Deleted(done.id)
        assert isinstance(changes[1], Upserted) and changes[1].task.id == pending.id
        assert changes[1].task.completed

    async def test_an_owner_never_sees_anothers_changes(
        self, stores: Stores, owner: str, stranger: str
    ) -> None:
        await add(stores, stranger)
        assert (await stores.feed.changes_after(owner, 0, 10, with_deletions=True)).changes == []

    async def test_purging_forgets_old_tombstones_only(self, stores: Stores, owner: str) -> None:
        kept, gone = await add(stores, owner), await add(stores, owner)
        await stores.repo.delete(owner, gone.id)
        assert await stores.feed.purge_tombstones(NOW - timedelta(days=1)) == 0

        assert await stores.feed.purge_tombstones(NOW + timedelta(days=1)) >= 1

        assert (await stores.feed.changes_after(owner, 0, 10, with_deletions=True)).changes == [
            Upserted(kept)
        ]


class TestStoredOutcomes:
    async def test_a_keyed_write_records_its_rendered_outcome(self, stores: Stores, owner: str) -> None:
        task = await stores.repo.add(owner, NewTask(title="t"), NOW, None, receipt=keyed("k").receipt(NOW))
        recorded = await stores.records.find(owner, "k", NOW - REPLAY_WINDOW)
        assert recorded is not None
        assert recorded.outcome == rendered(task) and recorded.fingerprint == "f" * 64

    async def test_a_taken_key_changes_nothing(self, stores: Stores, owner: str) -> None:
        await stores.repo.add(owner, NewTask(title="first"), NOW, None, receipt=keyed("k").receipt(NOW))
        before = await stores.feed.changes_after(owner, 0, 10, with_deletions=True)

        with pytest.raises(KeyInUse):
            await stores.repo.add(owner, NewTask(title="second"), NOW, None, receipt=keyed("k").receipt(NOW))

        after = await stores.feed.changes_after(owner, 0, 10, with_deletions=True)
        assert after.changes == before.changes and after.position == before.position

    async def test_a_failed_write_records_nothing(self, stores: Stores, owner: str) -> None:
        request: IdempotentRequest[None] = IdempotentRequest(key="k", fingerprint="f", render=rendered)
        receipt = request.receipt(NOW)
        with pytest.raises(TaskNotFound):
            await stores.repo.delete(owner, 2**62, receipt=receipt)
        assert await stores.records.find(owner, "k", NOW - REPLAY_WINDOW) is None

    async def test_after_24_hours_an_outcome_is_forgotten_and_its_key_free(
        self, stores: Stores, owner: str
    ) -> None:
        await stores.repo.add(owner, NewTask(title="first"), NOW, None, receipt=keyed("k", "a").receipt(NOW))
        later = NOW + REPLAY_WINDOW + timedelta(seconds=1)
        assert await stores.records.find(owner, "k", later - REPLAY_WINDOW) is None

        await stores.repo.add(
            owner, NewTask(title="again"), later, None, receipt=keyed("k", "b").receipt(later)
        )

        recorded = await stores.records.find(owner, "k", later - REPLAY_WINDOW)
        assert recorded is not None and recorded.fingerprint == "b"

    async def test_purging_forgets_outcomes_past_their_window(
        self, stores: Stores, owner: str, stranger: str
    ) -> None:
        await stores.repo.add(owner, NewTask(title="t"), NOW, None, receipt=keyed("old").receipt(NOW))
        await stores.repo.add(stranger, NewTask(title="t"), NOW, None, receipt=keyed("old").receipt(NOW))
        assert await stores.records.purge(NOW - timedelta(seconds=1)) == 0

        assert await stores.records.purge(NOW + timedelta(seconds=1)) >= 2

        assert await stores.records.find(owner, "old", NOW - REPLAY_WINDOW) is None
        assert await stores.records.find(stranger, "old", NOW - REPLAY_WINDOW) is None

    async def test_keyed_and_plain_writes_of_one_owner_at_once_all_land_in_turn(
        self, stores: Stores, owner: str
    ) -> None:
        # On PostgreSQL a keyed write is a transaction and a plain one a single statement; both
        # take the owner's lock before the task's, so they queue instead of deadlocking.
        task = await add(stores, owner)
        flip = TaskChanges(completed=FLIP)

        async def toggle(number: int) -> Edited:
            if number % 2:
                return await stores.repo.update(owner, task.id, flip, NOW)
            request: IdempotentRequest[Edited] = IdempotentRequest(
                key=f"edit-{number}", fingerprint="f", render=rendered
            )
            return await stores.repo.update(owner, task.id, flip, NOW, receipt=request.receipt(NOW))

        async def add_keyed(number: int) -> Task:
            return await stores.repo.add(
                owner, NewTask(title="t"), NOW, None, receipt=keyed(f"add-{number}").receipt(NOW)
            )

        toggles, added = await asyncio.gather(
            asyncio.gather(*(toggle(number) for number in range(20))),
            asyncio.gather(
                *(add_keyed(number) for number in range(5)), *(add(stores, owner) for _ in range(5))
            ),
        )

        assert sorted(edited.task.version for edited in toggles) == list(range(2, 22))
        feed = await stores.feed.changes_after(owner, 0, 100, with_deletions=True)
        assert len(feed.changes) == 11 and feed.position == 1 + 20 + 10
        final = next(
            change.task
            for change in feed.changes
            if isinstance(change, Upserted) and change.task.id == task.id
        )
        assert (final.version, final.completed) == (21, task.completed)
        assert len({new.id for new in added}) == 10

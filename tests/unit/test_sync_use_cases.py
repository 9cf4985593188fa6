"""ListChanges, ReplayOutcome and PurgeExpired as the container builds them, on the in-memory store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.use_cases import CreateTaskCommand, ListChangesCommand
from domain.changes import CHANGES_LIMIT_MAX, CursorExpired, SyncPoint, Upserted
from domain.errors import InvalidTask
from domain.idempotency import REPLAY_WINDOW, IdempotencyConflict, IdempotentRequest, Outcome
from domain.task import NewTask, Task
from entrypoints.container import Container
from tests.support.memory import FixedClock

OWNER = "alice"


def keyed(key: str, fingerprint: str) -> IdempotentRequest[Task]:
    return IdempotentRequest(
        key=key, fingerprint=fingerprint, render=lambda task: Outcome(201, (), b"%d" % task.id)
    )


async def test_a_cursor_is_honoured_for_30_days_then_expires(
    memory_container: Container, fixed_clock: FixedClock
) -> None:
    list_changes = memory_container.list_changes()
    point = (await list_changes(ListChangesCommand(OWNER))).next
    assert point.issued_at == fixed_clock.now()

    fixed_clock.advance(minutes=30 * 24 * 60)
    assert (await list_changes(ListChangesCommand(OWNER, point))).batch.changes == []
    fixed_clock.advance(minutes=1)
    with pytest.raises(CursorExpired):
        await list_changes(ListChangesCommand(OWNER, point))


@pytest.mark.parametrize("limit", [0, CHANGES_LIMIT_MAX + 1])
async def test_a_limit_outside_1_to_1000_is_refused(memory_container: Container, limit: int) -> None:
    with pytest.raises(InvalidTask):
        await memory_container.list_changes()(ListChangesCommand(OWNER, limit=limit))


async def test_a_first_sync_lists_the_tasks_and_hands_out_a_fresh_point(
    memory_container: Container, fixed_clock: FixedClock
) -> None:
    task = await memory_container.create_task()(CreateTaskCommand(OWNER, NewTask(title="t")))
    found = await memory_container.list_changes()(ListChangesCommand(OWNER, None))
    assert found.batch.changes == [Upserted(task)]
    assert found.next == SyncPoint(found.batch.position, fixed_clock.now())


async def test_a_replay_is_the_recorded_outcome_and_another_request_under_the_key_is_refused(
    memory_container: Container, fixed_clock: FixedClock
) -> None:
    task = await memory_container.create_task()(CreateTaskCommand(OWNER, NewTask(title="t"), keyed("k", "a")))
    replay = memory_container.replay_outcome()

    assert await replay(OWNER, "k", "a") == Outcome(201, (), b"%d" % task.id)
    assert await replay("bob", "k", "a") is None
    with pytest.raises(IdempotencyConflict):
        await replay(OWNER, "k", "b")
    fixed_clock.at += REPLAY_WINDOW + timedelta(seconds=1)
    assert await replay(OWNER, "k", "a") is None


async def test_the_purge_forgets_outcomes_after_24_hours(
    memory_container: Container, fixed_clock: FixedClock
) -> None:
    await memory_container.create_task()(CreateTaskCommand(OWNER, NewTask(title="t"), keyed("k", "a")))
    purge = memory_container.purge_expired()
    assert (await purge()).outcomes == 0
    fixed_clock.at += REPLAY_WINDOW + timedelta(seconds=1)
    assert (await purge()).outcomes == 1

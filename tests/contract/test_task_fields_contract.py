"""Every v2 field is stored and read back as the domain made it, on every store."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from domain.due import Due
from domain.fields import Priority
from domain.recurrence import RepeatFrom
from domain.task import FLIP, TaskChanges
from tests.contract.conftest import T0, T1, T2, Store

BERLIN_MORNING = Due(date=date(2026, 12, 7), time=time(9, 30), time_zone="Europe/Berlin")


@pytest.mark.parametrize(
    ("due", "falls_due_at"),
    [
        (BERLIN_MORNING, datetime(2026, 12, 7, 8, 30, tzinfo=UTC)),
        (
            Due(date=date(2026, 7, 7), time=time(9, 30), time_zone="America/New_York"),
            datetime(2026, 7, 7, 13, 30, tzinfo=UTC),
        ),
        # All-day: due at the end of the day, in its zone or in UTC.
        (Due(date=date(2026, 12, 7), time=None, time_zone=None), datetime(2026, 12, 8, tzinfo=UTC)),
        (
            Due(date=date(2026, 12, 7), time=None, time_zone="Europe/Berlin"),
            datetime(2026, 12, 7, 23, tzinfo=UTC),
        ),
        (Due(date=date(9999, 12, 30), time=None, time_zone="UTC"), datetime(9999, 12, 31, tzinfo=UTC)),
    ],
)
async def test_a_due_round_trips(store: Store, owner: str, due: Due, falls_due_at: datetime) -> None:
    added = await store.add(owner, due=due)
    fetched = await store.get(owner, added.id)
    assert fetched == added
    assert fetched is not None and fetched.due == due
    assert (fetched.due.all_day, fetched.due.at) == (due.time is None, falls_due_at)
    # The stored instant is the one filters read.
    assert await store.ids(owner, due_before=falls_due_at + timedelta(microseconds=1)) == ([added.id], 1)
    assert await store.ids(owner, due_before=falls_due_at) == ([], 0)


async def test_tags_keep_their_order_and_first_spelling(store: Store, owner: str) -> None:
    added = await store.add(owner, tags=[" Work ", "home", "WORK", "Ünïcode", "home "])
    assert added.tags == ("Work", "home", "Ünïcode")
    fetched = await store.get(owner, added.id)
    assert fetched is not None and fetched.tags == ("Work", "home", "Ünïcode")
    assert (await store.page(owner, tags=("ünïcode",))).items == [added]


async def test_no_tags_is_an_empty_tuple(store: Store, owner: str) -> None:
    added = await store.add(owner)
    fetched = await store.get(owner, added.id)
    assert fetched is not None and fetched.tags == ()


async def test_twenty_tags_of_forty_characters_fit(store: Store, owner: str) -> None:
    tags = [f"{n:02d}" + "界" * 38 for n in range(20)]
    added = await store.add(owner, tags=tags)
    fetched = await store.get(owner, added.id)
    assert fetched is not None and fetched.tags == tuple(tags)


@pytest.mark.parametrize("priority", list(Priority))
async def test_each_priority_round_trips(store: Store, owner: str, priority: Priority) -> None:
    added = await store.add(owner, priority=priority)
    fetched = await store.get(owner, added.id)
    assert fetched is not None and fetched.priority is priority


async def test_recurrence_and_repeat_from_round_trip(store: Store, owner: str) -> None:
    added = await store.add(
        owner, due=BERLIN_MORNING, recurrence="FREQ=WEEKLY;BYDAY=MO", repeat_from=RepeatFrom.COMPLETION
    )
    fetched = await store.get(owner, added.id)
    assert fetched is not None
    assert (fetched.recurrence, fetched.repeat_from) == ("FREQ=WEEKLY;BYDAY=MO", RepeatFrom.COMPLETION)
    assert fetched.next_occurrence_id is None


async def test_remind_at_is_kept_as_an_instant_in_utc(store: Store, owner: str) -> None:
    given = datetime(2026, 12, 7, 10, 15, 30, 250000, tzinfo=timezone(timedelta(hours=2)))
    added = await store.add(owner, remind_at=given)
    fetched = await store.get(owner, added.id)
    assert fetched is not None and fetched.remind_at == given
    assert fetched.remind_at.utcoffset() == timedelta(0)


async def test_the_v2_defaults(store: Store, owner: str) -> None:
    fetched = await store.get(owner, (await store.add(owner)).id)
    assert fetched is not None
    assert (fetched.priority, fetched.tags, fetched.due, fetched.recurrence) == (
        Priority.NONE,
        (),
        None,
        None,
    )
    assert (fetched.repeat_from, fetched.remind_at, fetched.completed_at) == (RepeatFrom.DUE, None, None)
    assert fetched.next_occurrence_id is None


async def test_completed_at_is_set_on_completion_and_cleared_on_reopening(store: Store, owner: str) -> None:
    born_done = await store.add(owner, completed=True, now=T0)
    assert born_done.completed_at == T0
    task = await store.add(owner)
    completed = await store.update(owner, task.id, TaskChanges(completed=True), T1)
    assert completed.completed_at == T1
    again = await store.update(owner, task.id, TaskChanges(completed=True), T2)
    assert again.completed_at == T1  # already completed: when it was, not when it was said again
    reopened = await store.update(owner, task.id, TaskChanges(completed=FLIP), T2)
    assert reopened.completed_at is None
    for expected in (again, reopened):
        assert expected.version > 1
    assert await store.get(owner, task.id) == reopened
    assert await store.get(owner, born_done.id) == born_done


async def test_every_v2_field_changes_and_clears(store: Store, owner: str) -> None:
    task = await store.add(owner, tags=["a"], due=BERLIN_MORNING, remind_at=T0, priority=Priority.LOW)
    changes = TaskChanges(
        priority=Priority.URGENT,
        tags=["B", "c"],
        due=Due(date=date(2027, 1, 1), time=None, time_zone=None),
        recurrence="FREQ=DAILY",
        repeat_from=RepeatFrom.COMPLETION,
        remind_at=T1,
    )
    changed = await store.update(owner, task.id, changes, T2)
    assert await store.get(owner, task.id) == changed
    assert (changed.priority, changed.tags, changed.recurrence) == (Priority.URGENT, ("B", "c"), "FREQ=DAILY")
    assert (changed.due, changed.remind_at) == (Due(date=date(2027, 1, 1), time=None, time_zone=None), T1)
    assert await store.ids(owner, tags=("a",)) == ([], 0)
    assert await store.ids(owner, tags=("b", "C")) == ([task.id], 1)

    cleared = await store.update(
        owner, task.id, TaskChanges(tags=[], due=None, recurrence=None, remind_at=None), T2
    )
    assert await store.get(owner, task.id) == cleared
    assert (cleared.tags, cleared.due, cleared.recurrence, cleared.remind_at) == ((), None, None, None)
    assert await store.ids(owner, tags=("b",)) == ([], 0)
    assert await store.ids(owner, has_due=False) == ([task.id], 1)
    assert await store.reader.tags(owner) == []


async def test_respelling_a_tag_is_stored(store: Store, owner: str) -> None:
    task = await store.add(owner, tags=["work"])
    changed = await store.update(owner, task.id, TaskChanges(tags=["Work"]))
    assert changed.tags == ("Work",)
    assert [(tag.name, tag.count) for tag in await store.reader.tags(owner)] == [("Work", 1)]

"""Every v2 filter and order, alone and combined, the tag listing and the counts, on every store."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from domain.due import Due
from domain.fields import Priority
from domain.query import SortField, StatusFilter, TagCount
from domain.task import Task, TaskChanges
from tests.contract.conftest import T1, Store

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def at(hours: float) -> Due:
    """A timed due `hours` after NOW, in UTC."""
    moment = NOW + timedelta(hours=hours)
    return Due(date=moment.date(), time=moment.time(), time_zone="UTC")


async def dated(store: Store, owner: str) -> dict[str, Task]:
    """Tasks whose dues run: -48h, -1h, +0 (exactly NOW), +3h, +48h; and two without a due."""
    seeds = {"plus3": at(3), "minus48": at(-48), "none1": None, "now": at(0), "minus1": at(-1)}
    created = {name: await store.add(owner, name, due=due) for name, due in seeds.items()}
    created["plus48"] = await store.add(owner, "plus48", due=at(48))
    created["none2"] = await store.add(owner, "none2")
    return created


@pytest.mark.parametrize(
    ("descending", "expected"),
    [
        (False, ["minus48", "minus1", "now", "plus3", "plus48", "none1", "none2"]),
        (True, ["plus48", "plus3", "now", "minus1", "minus48", "none2", "none1"]),
    ],
)
async def test_sort_by_due_puts_undated_tasks_last_both_ways(
    store: Store, owner: str, descending: bool, expected: list[str]
) -> None:
    created = await dated(store, owner)
    page = await store.page(owner, sort=SortField.DUE, descending=descending)
    assert [task.title for task in page.items] == expected
    assert page.total == 7
    # Paging walks the same order across the undated boundary.
    pages = [
        await store.ids(owner, sort=SortField.DUE, descending=descending, limit=2, offset=n)
        for n in (0, 2, 4, 6)
    ]
    assert [task_id for ids, _ in pages for task_id in ids] == [created[name].id for name in expected]


async def test_sort_by_due_breaks_ties_by_id(store: Store, owner: str) -> None:
    same = [await store.add(owner, f"t{n}", due=at(1)) for n in range(3)]
    assert (await store.ids(owner, sort=SortField.DUE, descending=False))[0] == [task.id for task in same]
    assert (await store.ids(owner, sort=SortField.DUE, descending=True))[0] == [task.id for task in same][
        ::-1
    ]


async def test_sort_by_priority_most_urgent_first_and_back(store: Store, owner: str) -> None:
    order = [Priority.LOW, Priority.URGENT, Priority.NONE, Priority.HIGH, Priority.MEDIUM, Priority.URGENT]
    created = [await store.add(owner, f"p{n}", priority=priority) for n, priority in enumerate(order)]
    ascending = [created[n].id for n in (1, 5, 3, 4, 0, 2)]
    assert await store.ids(owner, sort=SortField.PRIORITY, descending=False) == (ascending, 6)
    assert await store.ids(owner, sort=SortField.PRIORITY, descending=True) == (ascending[::-1], 6)


async def test_overdue_is_pending_and_due_strictly_before_now(store: Store, owner: str) -> None:
    created = await dated(store, owner)
    done_late = await store.add(owner, "done late", due=at(-5), completed=True)
    expected = [created["minus1"].id, created["minus48"].id]
    assert await store.ids(owner, status=StatusFilter.OVERDUE, now=NOW) == (expected, 2)
    # Measured against the given now, not the clock.
    later = await store.ids(owner, status=StatusFilter.OVERDUE, now=NOW + timedelta(hours=4))
    names = ("minus1", "now", "minus48", "plus3")  # newest first: the default order
    assert later == ([created[name].id for name in names], 4)
    await store.update(owner, done_late.id, TaskChanges(completed=False))
    assert (await store.ids(owner, status=StatusFilter.OVERDUE, now=NOW))[1] == 3


async def test_due_before_and_after_split_at_the_boundary(store: Store, owner: str) -> None:
    created = await dated(store, owner)
    before = await store.ids(owner, due_before=NOW, sort=SortField.DUE, descending=False)
    after = await store.ids(owner, due_after=NOW, sort=SortField.DUE, descending=False)
    assert before == ([created["minus48"].id, created["minus1"].id], 2)
    assert after == ([created[name].id for name in ("now", "plus3", "plus48")], 3)
    window = await store.ids(
        owner, due_after=at(-1).at, due_before=at(3).at, sort=SortField.DUE, descending=False
    )
    assert window == ([created["minus1"].id, created["now"].id], 2)


async def test_an_all_day_due_falls_due_at_the_end_of_its_day_in_its_zone(store: Store, owner: str) -> None:
    berlin = await store.add(owner, due=Due(date=date(2026, 12, 7), time=None, time_zone="Europe/Berlin"))
    utc = await store.add(owner, due=Due(date=date(2026, 12, 7), time=None, time_zone=None))
    boundary = datetime(2026, 12, 8, tzinfo=UTC)
    assert await store.ids(owner, due_before=boundary) == ([berlin.id], 1)
    assert await store.ids(owner, due_after=boundary) == ([utc.id], 1)


@pytest.mark.parametrize(("has_due", "expected"), [(True, 5), (False, 2)])
async def test_has_due(store: Store, owner: str, has_due: bool, expected: int) -> None:
    created = await dated(store, owner)
    found, total = await store.ids(owner, has_due=has_due)
    assert total == expected
    assert all(
        (created_task.due is not None) is has_due
        for created_task in created.values()
        if created_task.id in found
    )


async def test_priority_filter_matches_any_of_them(store: Store, owner: str) -> None:
    created = {priority: await store.add(owner, priority.value, priority=priority) for priority in Priority}
    wanted = frozenset({Priority.HIGH, Priority.URGENT, Priority.NONE})
    found, total = await store.ids(owner, priorities=wanted, descending=False)
    assert (set(found), total) == ({created[priority].id for priority in wanted}, 3)
    assert await store.ids(owner, priorities=frozenset({Priority.LOW})) == ([created[Priority.LOW].id], 1)


async def test_tag_filter_needs_every_tag_ignoring_case(store: Store, owner: str, stranger: str) -> None:
    both = await store.add(owner, "both", tags=["Work", "Urgent-ish"])
    work = await store.add(owner, "work", tags=["work"])
    other = await store.add(owner, "other", tags=["home"])
    await store.add(stranger, "theirs", tags=["work"])
    assert await store.ids(owner, tags=("WORK",)) == ([work.id, both.id], 2)
    assert await store.ids(owner, tags=("work", "urgent-ish")) == ([both.id], 1)
    assert await store.ids(owner, tags=("work", "home")) == ([], 0)
    assert await store.ids(owner, tags=("HOME",)) == ([other.id], 1)
    assert await store.ids(owner, tags=("nothing",)) == ([], 0)


async def test_more_tags_than_a_task_can_carry_match_nothing(store: Store, owner: str) -> None:
    tags = [f"t{n}" for n in range(20)]
    await store.add(owner, tags=tags)
    assert (await store.ids(owner, tags=tuple(tags)))[1] == 1
    assert await store.ids(owner, tags=(*tags, "t20")) == ([], 0)


async def test_a_tag_filters_total_counts_past_the_page(store: Store, owner: str) -> None:
    tagged = [await store.add(owner, f"t{n}", tags=["x", "y"] if n % 2 else ["x"]) for n in range(7)]
    assert await store.ids(owner, tags=("x",), limit=2, offset=1) == ([tagged[5].id, tagged[4].id], 7)
    assert await store.ids(owner, tags=("x", "y"), limit=2) == ([tagged[5].id, tagged[3].id], 3)
    assert await store.ids(owner, tags=("y",), offset=10) == ([], 3)


async def test_every_filter_combines_with_and_and_with_search(store: Store, owner: str) -> None:
    def matching(title: str, **overrides: object) -> dict[str, object]:
        fields: dict[str, object] = {
            "title": title,
            "tags": ["Work"],
            "priority": Priority.HIGH,
            "due": at(-2),
        }
        return {**fields, **overrides}

    seeds = [
        matching("report one"),
        matching("report two", due=at(-30)),
        matching("report late", due=at(-60)),
        matching("report done", completed=True),
        matching("report home", tags=["home"]),
        matching("report low", priority=Priority.LOW),
        matching("report future", due=at(5)),
        matching("report undated", due=None),
        matching("notes"),
    ]
    created = [await store.add(owner, **fields) for fields in seeds]  # type: ignore[arg-type]
    query = {
        "status": StatusFilter.OVERDUE,
        "now": NOW,
        "tags": ("work",),
        "priorities": frozenset({Priority.HIGH, Priority.URGENT}),
        "due_after": at(-48).at,
        "has_due": True,
        "search": "REPORT",
        "sort": SortField.DUE,
        "descending": False,
    }
    assert await store.ids(owner, **query) == ([created[1].id, created[0].id], 2)
    assert await store.ids(owner, **{**query, "limit": 1, "offset": 1}) == ([created[0].id], 2)
    without_search = {**query, "search": None, "due_before": at(-1).at}
    assert await store.ids(owner, **without_search) == ([created[1].id, created[0].id, created[8].id], 3)
    short_search = {**query, "search": "re", "sort": SortField.PRIORITY}
    assert await store.ids(owner, **short_search) == ([created[0].id, created[1].id], 2)


async def test_tags_are_listed_by_key_with_the_oldest_spelling_and_a_count(
    store: Store, owner: str, stranger: str
) -> None:
    first = await store.add(owner, tags=["work", "Zebra"])
    await store.add(owner, tags=["Work", "home"])
    await store.add(owner, tags=["WORK"])
    await store.add(stranger, tags=["work", "theirs"])
    assert await store.reader.tags(owner) == [TagCount("home", 1), TagCount("work", 3), TagCount("Zebra", 1)]
    await store.repo.delete(owner, first.id)
    assert await store.reader.tags(owner) == [TagCount("home", 1), TagCount("Work", 2)]
    assert await store.reader.tags(f"nobody-{owner}") == []


async def test_counts_follow_the_owners_tasks(store: Store, owner: str, stranger: str) -> None:
    assert await store.reader.counts(owner) == (await store.reader.counts(f"nobody-{owner}"))
    first = await store.add(owner)
    await store.add(owner, completed=True)
    await store.add(stranger)
    counts = await store.reader.counts(owner)
    assert (counts.total, counts.completed) == (2, 1)
    await store.update(owner, first.id, TaskChanges(completed=True), T1)
    await store.repo.delete(owner, first.id)
    counts = await store.reader.counts(owner)
    assert (counts.total, counts.completed) == (1, 1)
    await store.repo.clear_completed(owner)
    counts = await store.reader.counts(owner)
    assert (counts.total, counts.completed) == (0, 0)


async def test_a_page_reads_every_field(store: Store, owner: str) -> None:
    added = await store.add(
        owner,
        tags=["a", "B"],
        priority=Priority.MEDIUM,
        due=Due(date=date(2026, 12, 7), time=time(9, 30), time_zone="Europe/Berlin"),
        recurrence="FREQ=DAILY",
        remind_at=NOW,
    )
    for query in (
        {},
        {"tags": ("b",)},
        {"search": "t"},
        {"sort": SortField.DUE},
        {"status": StatusFilter.PENDING},
    ):
        assert (await store.page(owner, **query)).items == [added]


async def test_a_tag_page_far_past_the_end_is_empty_not_an_overflow(store: Store, owner: str) -> None:
    for n in range(30):
        await store.add(owner, f"t{n}", tags=["work"])
    page = await store.page(owner, tags=("work",), offset=2**62, limit=500)
    assert (page.items, page.total) == ([], 30)

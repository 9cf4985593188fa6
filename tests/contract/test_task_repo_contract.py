"""One contract, every store (in-memory, SQLite, PostgreSQL): the v1 reads, pages and search."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from domain.errors import TaskNotFound
from domain.query import SortField, StatusFilter
from domain.task import FLIP, TaskChanges
from tests.contract.conftest import T0, T1, T2, Store

MAX_ID = 2**63 - 1


def assert_utc(moment: datetime, expected: datetime) -> None:
    assert moment == expected
    assert moment.utcoffset() == timedelta(0)


class TestTaskContract:
    async def test_add_then_get_round_trips_every_field(self, store: Store, owner: str) -> None:
        added = await store.add(owner, "Buy milk", description="  two litres\n", completed=True)
        fetched = await store.get(owner, added.id)
        assert fetched == added
        assert isinstance(added.id, int)
        assert added.id > 0
        assert added.owner_id == owner
        assert (added.title, added.description, added.completed) == ("Buy milk", "  two litres\n", True)
        assert added.version == 1
        assert_utc(added.created_at, T0)
        assert_utc(added.updated_at, T0)
        assert fetched is not None
        assert_utc(fetched.created_at, T0)
        assert_utc(fetched.updated_at, T0)

    async def test_add_without_description_stores_none(self, store: Store, owner: str) -> None:
        added = await store.add(owner, "t")
        fetched = await store.get(owner, added.id)
        assert fetched is not None
        assert (fetched.description, fetched.completed) == (None, False)

    async def test_ids_are_distinct_and_increasing(self, store: Store, owner: str) -> None:
        created = [await store.add(owner, f"t{n}") for n in range(3)]
        assert [task.id for task in created] == sorted({task.id for task in created})

    async def test_a_deleted_tasks_id_is_never_given_to_a_new_task(self, store: Store, owner: str) -> None:
        newest = await store.add(owner, "newest")
        await store.repo.delete(owner, newest.id)
        replacement = await store.add(owner, "replacement")
        assert replacement.id > newest.id
        with pytest.raises(TaskNotFound):
            await store.repo.delete(owner, newest.id, expected_version=1)
        assert await store.get(owner, replacement.id) == replacement

    async def test_get_of_another_owners_task_is_none(self, store: Store, owner: str, stranger: str) -> None:
        added = await store.add(owner, "mine")
        assert await store.get(stranger, added.id) is None

    @pytest.mark.parametrize("task_id", [0, -1, 10**12, MAX_ID])
    async def test_get_of_a_missing_id_is_none(self, store: Store, owner: str, task_id: int) -> None:
        assert await store.get(owner, task_id) is None

    async def test_unicode_round_trips(self, store: Store, owner: str) -> None:
        title = "🥛 牛乳を買う שלום عربى"
        description = "👩‍👩‍👧 家族 — מים ومياه, café, Ωmega, \N{MUSICAL SYMBOL G CLEF}"
        added = await store.add(owner, title, description=description)
        fetched = await store.get(owner, added.id)
        assert fetched is not None
        assert (fetched.title, fetched.description) == (title, description)
        assert await store.ids(owner, search="牛乳") == ([added.id], 1)
        assert await store.ids(owner, search="מים") == ([added.id], 1)

    async def test_longest_title_and_description_fit(self, store: Store, owner: str) -> None:
        title, description = "🥛" * 200, "界" * 1000
        added = await store.add(owner, title, description=description)
        fetched = await store.get(owner, added.id)
        assert fetched is not None
        assert (fetched.title, fetched.description) == (title, description)

    @pytest.mark.parametrize(
        ("sort", "descending", "expected"),
        [
            (SortField.CREATED_AT, False, [0, 2, 4, 1, 3]),
            (SortField.CREATED_AT, True, [3, 1, 4, 2, 0]),
            (SortField.UPDATED_AT, False, [2, 4, 1, 0, 3]),
            (SortField.UPDATED_AT, True, [3, 0, 1, 4, 2]),
            (SortField.TITLE, False, [1, 3, 2, 4, 0]),
            (SortField.TITLE, True, [0, 4, 2, 3, 1]),
        ],
    )
    async def test_list_order_breaks_ties_by_id_in_the_same_direction(
        self, store: Store, owner: str, sort: SortField, descending: bool, expected: list[int]
    ) -> None:
        seeds = [("cherry", T0), ("apple", T1), ("Banana", T0), ("Apple", T1), ("banana", T0)]
        created = [await store.add(owner, title, now=now) for title, now in seeds]
        for index in (0, 3):
            await store.update(owner, created[index].id, TaskChanges(completed=True), T2)
        page = await store.page(owner, sort=sort, descending=descending)
        assert [task.id for task in page.items] == [created[index].id for index in expected]
        assert page.total == 5

    async def test_default_order_is_newest_first(self, store: Store, owner: str) -> None:
        first = await store.add(owner, "first", now=T0)
        second = await store.add(owner, "second", now=T1)
        third = await store.add(owner, "third", now=T0)
        assert await store.ids(owner) == ([second.id, third.id, first.id], 3)

    async def test_list_sees_only_the_owners_tasks(self, store: Store, owner: str, stranger: str) -> None:
        mine = await store.add(owner, "mine")
        await store.add(stranger, "theirs")
        assert await store.ids(owner) == ([mine.id], 1)
        assert await store.ids(f"nobody-{uuid.uuid4()}") == ([], 0)

    @pytest.mark.parametrize(
        ("status", "expected"),
        [
            (StatusFilter.ALL, [0, 1, 2]),
            (StatusFilter.PENDING, [0, 2]),
            (StatusFilter.COMPLETED, [1]),
        ],
    )
    async def test_status_filter(
        self, store: Store, owner: str, status: StatusFilter, expected: list[int]
    ) -> None:
        created = [await store.add(owner, f"t{n}", completed=n == 1) for n in range(3)]
        assert await store.ids(owner, status=status, descending=False) == (
            [created[index].id for index in expected],
            len(expected),
        )

    async def test_status_filter_follows_updates(self, store: Store, owner: str) -> None:
        task = await store.add(owner, "t")
        await store.update(owner, task.id, TaskChanges(completed=FLIP), T1)
        assert await store.ids(owner, status=StatusFilter.COMPLETED) == ([task.id], 1)
        assert await store.ids(owner, status=StatusFilter.PENDING) == ([], 0)

    @pytest.mark.parametrize(
        ("search", "expected"),
        [
            ("MILK", ["milk", "powder"]),
            ("mIlK", ["milk", "powder"]),
            ("mI", ["milk", "powder"]),  # under 3 characters: read without the trigram indexes
            ("powder", ["powder"]),
            ("100%", ["percent"]),
            ("%", ["percent"]),
            ("e_n", ["underscore"]),
            ("_", ["underscore"]),
            ("C:\\", ["backslash"]),
            ("\\", ["backslash"]),
            ("\\t", ["backslash"]),
            ("and/or", ["slash"]),
            ("/", ["slash"]),
            ("xyz", []),
        ],
    )
    async def test_search_is_case_insensitive_literal_on_title_or_description(
        self, store: Store, owner: str, search: str, expected: list[str]
    ) -> None:
        seeds = {
            "milk": ("Buy Milk", None),
            "powder": ("Groceries", "MILK powder"),
            "percent": ("100% done", None),
            "near_percent": ("1000 percent", "100 percent"),
            "underscore": ("file_name", None),
            "near_underscore": ("fileXname", "tilenames"),
            "backslash": ("Path", "C:\\temp"),
            "near_backslash": ("C:temp", "tab\there"),
            "slash": ("this and/or that", None),
            "near_slash": ("andor", "and or"),
        }
        created = {
            key: await store.add(owner, title, description=text) for key, (title, text) in seeds.items()
        }
        found, total = await store.ids(owner, search=search, descending=False)
        assert found == [created[key].id for key in expected]
        assert total == len(expected)

    @pytest.mark.parametrize(("search", "expected"), [("école", [0]), ("CAFÉ", [0]), ("gęślą", [1])])
    async def test_search_folds_case_beyond_ascii(
        self, store: Store, owner: str, search: str, expected: list[int]
    ) -> None:
        created = [
            await store.add(owner, "Café de l'ÉCOLE"),
            await store.add(owner, "Jaźń", description="ZAŻÓŁĆ GĘŚLĄ JAŹŃ"),
            await store.add(owner, "ecole cafe gesla"),
        ]
        assert await store.ids(owner, search=search) == ([created[n].id for n in expected], len(expected))

    async def test_search_combines_with_status_and_paging(self, store: Store, owner: str) -> None:
        created = [await store.add(owner, f"milk {n}", completed=n % 2 == 0) for n in range(5)]
        await store.add(owner, "bread", completed=True)
        page = await store.page(
            owner, search="MILK", status=StatusFilter.COMPLETED, descending=False, limit=2
        )
        assert [task.id for task in page.items] == [created[0].id, created[2].id]
        assert page.total == 3

    async def test_limit_offset_and_total(self, store: Store, owner: str) -> None:
        created = [(await store.add(owner, f"t{n}")).id for n in range(7)]
        assert await store.ids(owner, descending=False, limit=3) == (created[0:3], 7)
        assert await store.ids(owner, descending=False, limit=3, offset=3) == (created[3:6], 7)
        assert await store.ids(owner, descending=False, limit=3, offset=6) == (created[6:], 7)
        assert await store.ids(owner, descending=True, limit=2, offset=1) == (created[5:3:-1], 7)
        assert await store.ids(owner, limit=500) == (created[::-1], 7)

    @pytest.mark.parametrize("offset", [7, 8, 1000])
    async def test_offset_beyond_the_end_gives_no_items_but_the_total(
        self, store: Store, owner: str, offset: int
    ) -> None:
        for n in range(7):
            await store.add(owner, f"t{n}")
        assert await store.ids(owner, offset=offset) == ([], 7)
        assert await store.ids(owner, offset=offset, status=StatusFilter.COMPLETED) == ([], 0)

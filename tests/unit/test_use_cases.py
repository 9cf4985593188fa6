"""The use cases as the container builds them: the in-memory repository, a clock the test controls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, ClassVar

import pytest

from application.use_cases import (
    AccountTasks,
    ClearCompleted,
    CompleteAll,
    CountTasks,
    CreateTask,
    CreateTaskCommand,
    DeleteTask,
    DeleteTaskCommand,
    EditTask,
    EditTaskCommand,
    GetTask,
    GetTaskCommand,
    ListTags,
    ListTasks,
    ListTasksCommand,
)
from domain.due import Due
from domain.errors import InvalidTask, QuotaExceeded, TaskNotFound, VersionMismatch
from domain.query import SortField, StatusFilter, TagCount, TaskQuery
from domain.task import FLIP, NewTask, Task, TaskChanges
from entrypoints.container import Container
from tests.support.memory import T0, FixedClock, build_memory_container, memory_settings

ALICE = "alice"
BOB = "bob"


@dataclass
class App:
    clock: FixedClock
    create: CreateTask
    get: GetTask
    list: ListTasks
    edit: EditTask
    delete: DeleteTask
    clear_completed: ClearCompleted
    complete_all: CompleteAll
    tags: ListTags
    counts: CountTasks

    async def add(self, owner: str, title: str, **fields: Any) -> Task:
        task = await self.create(CreateTaskCommand(owner, NewTask(title=title, **fields)))
        self.clock.advance()
        return task

    async def change(
        self, owner: str, task_id: int, *, expected_version: int | None = None, **changes: Any
    ) -> Task:
        """What PUT, PATCH and /complete all do: EditTask with the named changes."""
        command = EditTaskCommand(
            owner_id=owner, task_id=task_id, changes=TaskChanges(**changes), expected_version=expected_version
        )
        return (await self.edit(command)).task

    async def fetch(self, owner: str, task_id: int) -> Task:
        return await self.get(GetTaskCommand(owner, task_id))

    async def page(self, owner: str, **query: Any) -> tuple[list[str], int]:
        result = await self.list(ListTasksCommand(owner, TaskQuery(**query)))
        return [task.title for task in result.items], result.total


@pytest.fixture
def app(memory_container: Container, fixed_clock: FixedClock) -> App:
    """The use cases as the container builds them, on its in-memory repository and fixed clock."""
    return App(
        clock=fixed_clock,
        create=memory_container.create_task(),
        get=memory_container.get_task(),
        list=memory_container.list_tasks(),
        edit=memory_container.edit_task(),
        delete=memory_container.delete_task(),
        clear_completed=memory_container.clear_completed(),
        complete_all=memory_container.complete_all(),
        tags=memory_container.list_tags(),
        counts=memory_container.count_tasks(),
    )


async def test_create_stamps_owner_times_and_first_version(app: App) -> None:
    task = await app.create(CreateTaskCommand(ALICE, NewTask(title=" Buy milk ", description="2 l")))
    assert task.owner_id == ALICE
    assert (task.title, task.description, task.completed) == ("Buy milk", "2 l", False)
    assert task.created_at == task.updated_at == T0
    assert task.version == 1
    assert await app.fetch(ALICE, task.id) == task


@pytest.mark.parametrize("owner", ["", "x" * 256, "a\x00b"])
async def test_create_refuses_a_bad_owner_id(app: App, owner: str) -> None:
    with pytest.raises(InvalidTask):
        await app.create(CreateTaskCommand(owner, NewTask(title="t")))
    assert await app.page(ALICE) == ([], 0)


async def test_owner_id_of_255_characters_is_accepted(app: App) -> None:
    owner = "u" * 255
    task = await app.add(owner, "t")
    assert (await app.fetch(owner, task.id)).owner_id == owner


class TestOwnership:
    @pytest.fixture
    async def alices(self, app: App) -> Task:
        return await app.add(ALICE, "Alice's", description="private", completed=False)

    async def test_get(self, app: App, alices: Task) -> None:
        with pytest.raises(TaskNotFound):
            await app.fetch(BOB, alices.id)

    async def test_replace(self, app: App, alices: Task) -> None:
        with pytest.raises(TaskNotFound):
            await app.change(BOB, alices.id, title="mine")
        assert await app.fetch(ALICE, alices.id) == alices

    async def test_patch(self, app: App, alices: Task) -> None:
        with pytest.raises(TaskNotFound):
            await app.change(BOB, alices.id, description=None)
        assert await app.fetch(ALICE, alices.id) == alices

    @pytest.mark.parametrize("completed", [FLIP, True])
    async def test_complete(self, app: App, alices: Task, completed: object) -> None:
        with pytest.raises(TaskNotFound):
            await app.change(BOB, alices.id, completed=completed)
        assert await app.fetch(ALICE, alices.id) == alices

    async def test_delete(self, app: App, alices: Task) -> None:
        with pytest.raises(TaskNotFound):
            await app.delete(DeleteTaskCommand(BOB, alices.id))
        assert await app.fetch(ALICE, alices.id) == alices

    async def test_with_the_right_version_still_not_found(self, app: App, alices: Task) -> None:
        with pytest.raises(TaskNotFound):
            await app.delete(DeleteTaskCommand(BOB, alices.id, expected_version=1))
        with pytest.raises(TaskNotFound):
            await app.change(BOB, alices.id, completed=FLIP, expected_version=1)
        assert await app.fetch(ALICE, alices.id) == alices

    async def test_list_shows_only_own_tasks(self, app: App, alices: Task) -> None:
        await app.add(BOB, "Bob's")
        assert await app.page(BOB) == (["Bob's"], 1)
        assert await app.page(ALICE) == (["Alice's"], 1)

    async def test_missing_and_foreign_look_the_same(self, app: App, alices: Task) -> None:
        with pytest.raises(TaskNotFound) as foreign:
            await app.fetch(BOB, alices.id)
        with pytest.raises(TaskNotFound) as missing:
            await app.fetch(BOB, alices.id + 1000)
        assert str(foreign.value) == f"task {alices.id} not found"
        assert str(missing.value) == f"task {alices.id + 1000} not found"


class TestReplace:
    async def test_omitted_fields_keep_their_value(self, app: App) -> None:
        task = await app.add(ALICE, "old", description="keep me", completed=True)
        replaced = await app.change(ALICE, task.id, title=" new ")
        assert (replaced.title, replaced.description, replaced.completed) == ("new", "keep me", True)
        assert replaced.version == 2
        assert replaced.created_at == T0
        assert replaced.updated_at == app.clock.now() > T0

    async def test_given_fields_replace_and_none_clears_description(self, app: App) -> None:
        task = await app.add(ALICE, "old", description="gone")
        await app.change(ALICE, task.id, title="new", description=None, completed=True)
        stored = await app.fetch(ALICE, task.id)
        assert (stored.title, stored.description, stored.completed) == ("new", None, True)

    async def test_invalid_title_changes_nothing(self, app: App) -> None:
        task = await app.add(ALICE, "old")
        with pytest.raises(InvalidTask):
            await app.change(ALICE, task.id, title="   ")
        assert await app.fetch(ALICE, task.id) == task


class TestPatch:
    async def test_nothing_to_change_is_invalid(self, app: App) -> None:
        task = await app.add(ALICE, "t")
        with pytest.raises(InvalidTask):
            await app.change(ALICE, task.id)
        assert await app.fetch(ALICE, task.id) == task

    async def test_changes_only_named_fields(self, app: App) -> None:
        task = await app.add(ALICE, "title", description="desc")
        patched = await app.change(ALICE, task.id, completed=True)
        assert (patched.title, patched.description, patched.completed) == ("title", "desc", True)
        assert patched.version == 2

    async def test_description_none_clears_it(self, app: App) -> None:
        task = await app.add(ALICE, "title", description="desc")
        await app.change(ALICE, task.id, description=None)
        assert (await app.fetch(ALICE, task.id)).description is None

    async def test_missing_task_is_not_found(self, app: App) -> None:
        with pytest.raises(TaskNotFound):
            await app.change(ALICE, 999, title="x")


class TestCompletion:
    @pytest.mark.parametrize("before", [False, True])
    @pytest.mark.parametrize("target", [False, True])
    async def test_set(self, app: App, before: bool, target: bool) -> None:
        task = await app.add(ALICE, "t", completed=before)
        done = await app.change(ALICE, task.id, completed=target)
        assert done.completed is target
        assert done.version == 2

    async def test_no_value_toggles(self, app: App) -> None:
        task = await app.add(ALICE, "t")
        assert (await app.change(ALICE, task.id, completed=FLIP)).completed is True
        assert (await app.change(ALICE, task.id, completed=FLIP)).completed is False
        stored = await app.fetch(ALICE, task.id)
        assert (stored.completed, stored.version) == (False, 3)


class TestExpectedVersion:
    async def test_match_applies(self, app: App) -> None:
        task = await app.add(ALICE, "t")
        done = await app.change(ALICE, task.id, completed=True, expected_version=1)
        assert (done.completed, done.version) == (True, 2)

    async def test_mismatch_changes_nothing(self, app: App) -> None:
        task = await app.add(ALICE, "t", description="d")
        stale = 5
        with pytest.raises(VersionMismatch):
            await app.change(ALICE, task.id, title="x", expected_version=stale)
        with pytest.raises(VersionMismatch):
            await app.change(ALICE, task.id, description=None, expected_version=stale)
        with pytest.raises(VersionMismatch):
            await app.change(ALICE, task.id, completed=FLIP, expected_version=stale)
        with pytest.raises(VersionMismatch):
            await app.delete(DeleteTaskCommand(ALICE, task.id, expected_version=stale))
        assert await app.fetch(ALICE, task.id) == task

    async def test_old_version_after_an_edit_is_a_mismatch(self, app: App) -> None:
        task = await app.add(ALICE, "t")
        await app.change(ALICE, task.id, completed=FLIP)
        with pytest.raises(VersionMismatch):
            await app.change(ALICE, task.id, completed=FLIP, expected_version=1)
        assert (await app.fetch(ALICE, task.id)).completed is True


class TestDelete:
    async def test_then_get_is_not_found(self, app: App) -> None:
        task = await app.add(ALICE, "t")
        await app.delete(DeleteTaskCommand(ALICE, task.id))
        with pytest.raises(TaskNotFound):
            await app.fetch(ALICE, task.id)
        assert await app.page(ALICE) == ([], 0)

    async def test_twice_is_not_found(self, app: App) -> None:
        task = await app.add(ALICE, "t")
        await app.delete(DeleteTaskCommand(ALICE, task.id, expected_version=1))
        with pytest.raises(TaskNotFound):
            await app.delete(DeleteTaskCommand(ALICE, task.id))

    async def test_only_that_task_goes(self, app: App) -> None:
        first = await app.add(ALICE, "first")
        await app.add(ALICE, "second")
        await app.delete(DeleteTaskCommand(ALICE, first.id))
        assert await app.page(ALICE) == (["second"], 1)


class TestList:
    @pytest.fixture
    async def seeded(self, app: App) -> None:
        await app.add(ALICE, "cherry", description="red fruit")
        await app.add(ALICE, "apple", completed=True)
        await app.add(ALICE, "Banana", description="Yellow and 100% ripe")
        await app.add(BOB, "apple pie")

    @pytest.mark.usefixtures("seeded")
    @pytest.mark.parametrize(
        ("sort", "descending", "expected"),
        [
            (SortField.CREATED_AT, True, ["Banana", "apple", "cherry"]),
            (SortField.CREATED_AT, False, ["cherry", "apple", "Banana"]),
            (SortField.TITLE, False, ["apple", "Banana", "cherry"]),
            (SortField.TITLE, True, ["cherry", "Banana", "apple"]),
        ],
    )
    async def test_sort(self, app: App, sort: SortField, descending: bool, expected: list[str]) -> None:
        assert await app.page(ALICE, sort=sort, descending=descending) == (expected, 3)

    @pytest.mark.usefixtures("seeded")
    async def test_default_is_newest_first(self, app: App) -> None:
        assert await app.page(ALICE) == (["Banana", "apple", "cherry"], 3)

    @pytest.mark.usefixtures("seeded")
    async def test_sort_by_updated_at_follows_edits(self, app: App) -> None:
        oldest = (await app.list(ListTasksCommand(ALICE, TaskQuery(descending=False)))).items[0]
        await app.change(ALICE, oldest.id, title="date")
        assert await app.page(ALICE, sort=SortField.UPDATED_AT) == (["date", "Banana", "apple"], 3)
        assert await app.page(ALICE, sort=SortField.UPDATED_AT, descending=False) == (
            ["apple", "Banana", "date"],
            3,
        )

    @pytest.mark.usefixtures("seeded")
    @pytest.mark.parametrize(
        ("status", "expected"),
        [
            (StatusFilter.ALL, ["apple", "Banana", "cherry"]),
            (StatusFilter.PENDING, ["Banana", "cherry"]),
            (StatusFilter.COMPLETED, ["apple"]),
        ],
    )
    async def test_status_filter(self, app: App, status: StatusFilter, expected: list[str]) -> None:
        assert await app.page(ALICE, status=status, sort=SortField.TITLE, descending=False) == (
            expected,
            len(expected),
        )

    @pytest.mark.usefixtures("seeded")
    @pytest.mark.parametrize(
        ("search", "expected"),
        [
            ("APPLE", ["apple"]),
            ("an", ["Banana"]),
            ("RED", ["cherry"]),
            ("yellow", ["Banana"]),
            ("100%", ["Banana"]),
            ("%", ["Banana"]),
            ("_", []),
            ("r", ["Banana", "cherry"]),
            ("nothing", []),
        ],
    )
    async def test_search_title_or_description(self, app: App, search: str, expected: list[str]) -> None:
        titles, total = await app.page(ALICE, search=search, sort=SortField.TITLE, descending=False)
        assert (titles, total) == (expected, len(expected))

    @pytest.mark.usefixtures("seeded")
    async def test_search_combines_with_status(self, app: App) -> None:
        assert await app.page(ALICE, search="r", status=StatusFilter.PENDING, sort=SortField.TITLE) == (
            ["cherry", "Banana"],
            2,
        )
        assert await app.page(ALICE, search="r", status=StatusFilter.COMPLETED) == ([], 0)

    async def test_paging_and_total(self, app: App) -> None:
        for number in range(7):
            await app.add(ALICE, f"task {number}")
        order = dict(sort=SortField.CREATED_AT, descending=False)
        assert await app.page(ALICE, limit=3, offset=0, **order) == (["task 0", "task 1", "task 2"], 7)
        assert await app.page(ALICE, limit=3, offset=3, **order) == (["task 3", "task 4", "task 5"], 7)
        assert await app.page(ALICE, limit=3, offset=6, **order) == (["task 6"], 7)
        assert await app.page(ALICE, limit=3, offset=50, **order) == ([], 7)

    async def test_total_counts_matches_before_paging(self, app: App) -> None:
        for number in range(5):
            await app.add(ALICE, f"milk {number}", completed=number % 2 == 0)
        await app.add(ALICE, "bread")
        assert await app.page(ALICE, search="milk", status=StatusFilter.COMPLETED, limit=1) == (
            ["milk 4"],
            3,
        )

    async def test_empty_list(self, app: App) -> None:
        assert await app.page(ALICE) == ([], 0)


class TestV2:
    """The v2 use cases, through the same container."""

    WEEKLY: ClassVar[dict[str, Any]] = {
        "due": Due(date=date(2026, 12, 7), time=time(9, 30), time_zone="Europe/Berlin"),
        "recurrence": "FREQ=WEEKLY;BYDAY=MO",
    }

    async def test_completing_a_recurring_task_reports_the_occurrence_it_created(self, app: App) -> None:
        task = await app.add(ALICE, "sync", **self.WEEKLY)
        edited = await app.edit(
            EditTaskCommand(owner_id=ALICE, task_id=task.id, changes=TaskChanges(completed=True))
        )
        assert edited.next_occurrence is not None
        assert edited.task.next_occurrence_id == edited.next_occurrence.id
        assert edited.next_occurrence.due == Due(
            date=date(2026, 12, 14), time=time(9, 30), time_zone="Europe/Berlin"
        )
        again = await app.edit(
            EditTaskCommand(owner_id=ALICE, task_id=task.id, changes=TaskChanges(title="x"))
        )
        assert again.next_occurrence is None

    async def test_overdue_is_measured_against_the_clock(self, app: App) -> None:
        await app.add(ALICE, "late", due=Due(date=date(2026, 11, 25)))
        await app.add(ALICE, "today", due=Due(date=date(2026, 11, 26)))
        assert await app.page(ALICE, status=StatusFilter.OVERDUE) == (["late"], 1)
        app.clock.at = datetime(2026, 11, 27, 0, 0, 1, tzinfo=UTC)
        assert await app.page(ALICE, status=StatusFilter.OVERDUE, sort=SortField.TITLE, descending=False) == (
            ["late", "today"],
            2,
        )

    async def test_bulk_changes_touch_only_the_owners_tasks(self, app: App) -> None:
        await app.add(ALICE, "done", completed=True)
        await app.add(ALICE, "pending")
        bobs = await app.add(BOB, "bob's", completed=True)
        bobs_pending = await app.add(BOB, "bob's pending")
        assert await app.clear_completed(ALICE) == 1
        assert await app.complete_all(ALICE) == 1
        assert await app.fetch(BOB, bobs.id) == bobs
        assert await app.fetch(BOB, bobs_pending.id) == bobs_pending
        assert await app.counts(ALICE) == AccountTasks(total=1, completed=1, limit=10000)

    async def test_tags_are_counted_per_owner(self, app: App) -> None:
        await app.add(ALICE, "a", tags=["Work", "home"])
        await app.add(ALICE, "b", tags=["work"])
        await app.add(BOB, "c", tags=["bob"])
        assert await app.tags(ALICE) == [TagCount("home", 1), TagCount("Work", 2)]

    async def test_the_task_limit_comes_from_the_settings(self, fixed_clock: FixedClock) -> None:
        settings = memory_settings().model_copy(update={"max_tasks_per_user": 1})
        container = build_memory_container(fixed_clock, settings)
        create = container.create_task()
        await create(CreateTaskCommand(ALICE, NewTask(title="the one")))
        with pytest.raises(QuotaExceeded):
            await create(CreateTaskCommand(ALICE, NewTask(title="one too many")))
        assert (await container.count_tasks()(ALICE)).limit == 1

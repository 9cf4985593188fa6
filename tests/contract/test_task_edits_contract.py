"""One contract, every store (in-memory, SQLite, PostgreSQL): v1 edits and deletes."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from domain.errors import TaskNotFound, VersionMismatch
from domain.task import FLIP, Task, TaskChanges
from tests.contract.conftest import T0, T1, T2, Store

MAX_ID = 2**63 - 1


def assert_utc(moment: datetime, expected: datetime) -> None:
    assert moment == expected
    assert moment.utcoffset() == timedelta(0)


class TestTaskEdits:
    async def test_update_title(self, store: Store, owner: str) -> None:
        task = await store.add(owner, "old", description="d", completed=True)
        changed = await store.update(owner, task.id, TaskChanges(title="  new "), T2)
        expected = Task(
            id=task.id,
            owner_id=owner,
            title="new",
            description="d",
            completed=True,
            created_at=T0,
            updated_at=T2,
            version=2,
            completed_at=T0,
        )
        assert changed == expected
        assert await store.get(owner, task.id) == expected
        assert_utc(changed.updated_at, T2)

    async def test_update_description(self, store: Store, owner: str) -> None:
        task = await store.add(owner, "t", description="old")
        changed = await store.update(owner, task.id, TaskChanges(description=" new "), T1)
        assert (changed.title, changed.description, changed.completed) == ("t", " new ", False)
        assert await store.get(owner, task.id) == changed

    async def test_update_description_to_none(self, store: Store, owner: str) -> None:
        task = await store.add(owner, "t", description="old")
        changed = await store.update(owner, task.id, TaskChanges(description=None), T1)
        assert changed.description is None
        stored = await store.get(owner, task.id)
        assert stored is not None
        assert stored.description is None
        assert await store.ids(owner, search="old") == ([], 0)

    @pytest.mark.parametrize("before", [False, True])
    @pytest.mark.parametrize("target", [False, True])
    async def test_update_completed(self, store: Store, owner: str, before: bool, target: bool) -> None:
        task = await store.add(owner, "t", completed=before)
        changed = await store.update(owner, task.id, TaskChanges(completed=target), T1)
        assert changed.completed is target
        stored = await store.get(owner, task.id)
        assert stored is not None
        assert stored.completed is target

    async def test_toggle_flips_and_flips_back(self, store: Store, owner: str) -> None:
        task = await store.add(owner, "t", description="d")
        toggle = TaskChanges(completed=FLIP)
        first = await store.update(owner, task.id, toggle, T1)
        second = await store.update(owner, task.id, toggle, T2)
        assert (first.completed, first.version) == (True, 2)
        assert (second.completed, second.version) == (False, 3)
        assert (second.title, second.description) == ("t", "d")
        assert await store.get(owner, task.id) == second

    async def test_update_of_every_field_at_once(self, store: Store, owner: str) -> None:
        task = await store.add(owner, "t", description="d")
        changes = TaskChanges(title="T", description=None, completed=True)
        changed = await store.update(owner, task.id, changes, T1)
        assert (changed.title, changed.description, changed.completed, changed.version) == (
            "T",
            None,
            True,
            2,
        )
        assert_utc(changed.created_at, T0)

    async def test_update_leaves_other_tasks_alone(self, store: Store, owner: str) -> None:
        task = await store.add(owner, "t")
        other = await store.add(owner, "other")
        await store.update(owner, task.id, TaskChanges(title="changed", completed=True), T1)
        assert await store.get(owner, other.id) == other

    async def test_update_of_a_missing_task_is_not_found(self, store: Store, owner: str) -> None:
        with pytest.raises(TaskNotFound):
            await store.update(owner, MAX_ID, TaskChanges(title="x"), T1)

    @pytest.mark.parametrize("expected_version", [None, 1, 2])
    async def test_update_of_another_owners_task_is_not_found_and_changes_nothing(
        self, store: Store, owner: str, stranger: str, expected_version: int | None
    ) -> None:
        task = await store.add(owner, "mine", description="d")
        with pytest.raises(TaskNotFound):
            await store.update(
                stranger,
                task.id,
                TaskChanges(title="theirs", description=None),
                T1,
                expected_version=expected_version,
            )
        assert await store.get(owner, task.id) == task

    async def test_expected_version_match_applies(self, store: Store, owner: str) -> None:
        task = await store.add(owner, "t")
        first = await store.update(owner, task.id, TaskChanges(title="a"), T1, expected_version=1)
        second = await store.update(owner, task.id, TaskChanges(title="b"), T2, expected_version=2)
        assert (first.version, second.version, second.title) == (2, 3, "b")

    @pytest.mark.parametrize("expected_version", [0, 2, 99])
    async def test_expected_version_mismatch_changes_nothing(
        self, store: Store, owner: str, expected_version: int
    ) -> None:
        task = await store.add(owner, "t", description="d")
        with pytest.raises(VersionMismatch):
            await store.update(
                owner, task.id, TaskChanges(completed=FLIP), T1, expected_version=expected_version
            )
        assert await store.get(owner, task.id) == task

    async def test_stale_version_after_an_update_is_a_mismatch(self, store: Store, owner: str) -> None:
        task = await store.add(owner, "t")
        current = await store.update(owner, task.id, TaskChanges(title="a"), T1, expected_version=1)
        with pytest.raises(VersionMismatch):
            await store.update(owner, task.id, TaskChanges(title="b"), T2, expected_version=1)
        assert await store.get(owner, task.id) == current

    async def test_delete(self, store: Store, owner: str) -> None:
        task = await store.add(owner, "t")
        other = await store.add(owner, "other")
        await store.repo.delete(owner, task.id)
        assert await store.get(owner, task.id) is None
        assert await store.ids(owner) == ([other.id], 1)
        with pytest.raises(TaskNotFound):
            await store.repo.delete(owner, task.id)
        with pytest.raises(TaskNotFound):
            await store.update(owner, task.id, TaskChanges(title="back"), T1)

    @pytest.mark.parametrize("expected_version", [None, 1])
    async def test_delete_of_another_owners_task_is_not_found_and_keeps_the_row(
        self, store: Store, owner: str, stranger: str, expected_version: int | None
    ) -> None:
        task = await store.add(owner, "mine")
        with pytest.raises(TaskNotFound):
            await store.repo.delete(stranger, task.id, expected_version)
        assert await store.get(owner, task.id) == task
        assert await store.ids(owner) == ([task.id], 1)

    async def test_delete_of_a_missing_task_is_not_found(self, store: Store, owner: str) -> None:
        with pytest.raises(TaskNotFound):
            await store.repo.delete(owner, MAX_ID)
        with pytest.raises(TaskNotFound):
            await store.repo.delete(owner, MAX_ID, expected_version=1)

    async def test_delete_with_expected_version(self, store: Store, owner: str) -> None:
        task = await store.add(owner, "t")
        await store.update(owner, task.id, TaskChanges(title="v2"), T1)
        with pytest.raises(VersionMismatch):
            await store.repo.delete(owner, task.id, expected_version=1)
        assert await store.get(owner, task.id) is not None
        await store.repo.delete(owner, task.id, expected_version=2)
        assert await store.get(owner, task.id) is None

    async def test_concurrent_toggles_lose_no_update(self, store: Store, owner: str) -> None:
        task = await store.add(owner, "busy")
        toggle = TaskChanges(completed=FLIP)
        results = await asyncio.gather(*(store.update(owner, task.id, toggle, T1) for _ in range(20)))
        assert sorted(result.version for result in results) == list(range(2, 22))
        final = await store.get(owner, task.id)
        assert final is not None
        assert (final.version, final.completed) == (21, task.completed)

"""The task rules from domain/task.py, checked without any I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidTask
from domain.query import LIST_LIMIT_DEFAULT, SortField, StatusFilter, TaskQuery
from domain.task import FLIP, KEEP, NewTask, Task, TaskChanges

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)


BASE = Task(
    id=7,
    owner_id="alice",
    title="Buy milk",
    description="two litres",
    completed=False,
    created_at=T0,
    updated_at=T0,
    version=3,
)


def make_task(**overrides: Any) -> Task:
    return replace(BASE, **overrides)


class TestTitle:
    def test_surrounding_whitespace_is_trimmed(self) -> None:
        assert NewTask(title="  Buy milk \t\n").title == "Buy milk"

    def test_inner_whitespace_is_kept(self) -> None:
        assert NewTask(title="Buy  the\tmilk").title == "Buy  the\tmilk"

    @pytest.mark.parametrize("title", ["a", "x" * 200, "  " + "x" * 200 + "\n "])
    def test_one_to_two_hundred_characters_after_trimming(self, title: str) -> None:
        assert NewTask(title=title).title == title.strip()

    @pytest.mark.parametrize("title", ["", " ", "\t\n  \r", "\u3000", "x" * 201, " " + "x" * 201])
    def test_empty_blank_or_too_long_is_rejected(self, title: str) -> None:
        with pytest.raises(InvalidTask) as caught:
            NewTask(title=title)
        assert caught.value.field == "title"

    @pytest.mark.parametrize("title", ["\x00", "a\x00b", "milk\x00", " \x00 "])
    def test_nul_is_rejected(self, title: str) -> None:
        with pytest.raises(InvalidTask) as caught:
            NewTask(title=title)
        assert caught.value.field == "title"

    def test_unicode_counts_characters_not_bytes(self) -> None:
        assert NewTask(title="🥛" * 200).title == "🥛" * 200


class TestDescription:
    def test_defaults_to_none_and_not_completed(self) -> None:
        new = NewTask(title="t")
        assert new.description is None
        assert new.completed is False

    @pytest.mark.parametrize("description", [None, "", "  padded  ", "x" * 1000, "\n"])
    def test_kept_exactly_as_given(self, description: str | None) -> None:
        assert NewTask(title="t", description=description).description == description

    def test_over_one_thousand_characters_is_rejected(self) -> None:
        with pytest.raises(InvalidTask) as caught:
            NewTask(title="t", description="x" * 1001)
        assert caught.value.field == "description"

    def test_nul_is_rejected(self) -> None:
        with pytest.raises(InvalidTask) as caught:
            NewTask(title="t", description="a\x00b")
        assert caught.value.field == "description"


class TestTaskChanges:
    def test_nothing_named_is_empty(self) -> None:
        assert TaskChanges().is_empty

    @pytest.mark.parametrize(
        "changes",
        [
            TaskChanges(title="t"),
            TaskChanges(description=None),
            TaskChanges(description=""),
            TaskChanges(completed=False),
            TaskChanges(completed=FLIP),
        ],
    )
    def test_any_named_field_is_not_empty(self, changes: TaskChanges) -> None:
        assert not changes.is_empty

    def test_title_is_cleaned_like_a_new_task(self) -> None:
        assert TaskChanges(title="  new  ").title == "new"

    @pytest.mark.parametrize("title", ["", "   ", "x" * 201, "a\x00"])
    def test_bad_title_is_rejected(self, title: str) -> None:
        with pytest.raises(InvalidTask):
            TaskChanges(title=title)

    @pytest.mark.parametrize("description", ["x" * 1001, "a\x00"])
    def test_bad_description_is_rejected(self, description: str) -> None:
        with pytest.raises(InvalidTask):
            TaskChanges(description=description)

    def test_keep_leaves_every_field_and_bumps_version_and_updated_at(self) -> None:
        task = make_task()
        changed = TaskChanges().apply_to(task, T1).task
        assert changed == make_task(updated_at=T1, version=4)
        assert task == make_task()

    def test_none_clears_the_description_but_keep_does_not(self) -> None:
        task = make_task()
        assert TaskChanges(description=None).apply_to(task, T1).task.description is None
        assert TaskChanges(description=KEEP).apply_to(task, T1).task.description == "two litres"
        assert TaskChanges(title="x").apply_to(task, T1).task.description == "two litres"

    def test_every_field_can_change_at_once(self) -> None:
        changes = TaskChanges(title=" New ", description=" d ", completed=True)
        changed = changes.apply_to(make_task(), T1).task
        expected = make_task(title="New", description=" d ", completed=True, completed_at=T1, updated_at=T1)
        assert changed == replace(expected, version=4)

    @pytest.mark.parametrize("before", [False, True])
    def test_toggle_flips_completed(self, before: bool) -> None:
        changed = TaskChanges(completed=FLIP).apply_to(make_task(completed=before), T1).task
        assert changed.completed is (not before)

    @pytest.mark.parametrize("before", [False, True])
    @pytest.mark.parametrize("target", [False, True])
    def test_bool_sets_completed(self, before: bool, target: bool) -> None:
        changed = TaskChanges(completed=target).apply_to(make_task(completed=before), T1).task
        assert changed.completed is target

    def test_identity_owner_and_creation_time_never_change(self) -> None:
        changed = TaskChanges(title="other", completed=True).apply_to(make_task(), T1).task
        assert (changed.id, changed.owner_id, changed.created_at) == (7, "alice", T0)


class TestTaskQuery:
    def test_defaults_match_the_api(self) -> None:
        query = TaskQuery()
        assert query.status is StatusFilter.ALL
        assert query.sort is SortField.CREATED_AT
        assert query.descending is True
        assert query.search is None
        assert (query.limit, query.offset) == (LIST_LIMIT_DEFAULT, 0)
        assert LIST_LIMIT_DEFAULT == 100

    @pytest.mark.parametrize("limit", [1, 500])
    def test_limit_bounds_are_accepted(self, limit: int) -> None:
        assert TaskQuery(limit=limit).limit == limit

    @pytest.mark.parametrize("limit", [0, -1, 501])
    def test_limit_outside_one_to_five_hundred_is_rejected(self, limit: int) -> None:
        with pytest.raises(InvalidTask) as caught:
            TaskQuery(limit=limit)
        assert caught.value.field == "limit"

    def test_offset_zero_or_more(self) -> None:
        assert TaskQuery(offset=10_000).offset == 10_000
        with pytest.raises(InvalidTask) as caught:
            TaskQuery(offset=-1)
        assert caught.value.field == "offset"

    def test_empty_search_means_no_search(self) -> None:
        assert TaskQuery(search="").search is None

    def test_search_is_kept_as_given(self) -> None:
        assert TaskQuery(search=" 50%_\\ ").search == " 50%_\\ "

    def test_nul_in_search_is_rejected(self) -> None:
        with pytest.raises(InvalidTask):
            TaskQuery(search="a\x00")


any_char = st.characters(codec="utf-8")
spaces = st.text(" \t\n\r\u3000\x0b", max_size=4)
titles = st.text(any_char, max_size=40) | st.builds(
    lambda head, core, tail: head + core + tail, spaces, st.text(any_char, min_size=197, max_size=203), spaces
)


@given(titles)
def test_title_accepted_exactly_when_trimmed_length_fits_and_no_nul(text: str) -> None:
    trimmed = text.strip()
    valid = 1 <= len(trimmed) <= 200 and "\x00" not in text
    try:
        new = NewTask(title=text)
    except InvalidTask:
        assert not valid
    else:
        assert valid
        assert new.title == trimmed


@given(st.none() | st.text(any_char, max_size=60) | st.text(any_char, min_size=995, max_size=1005))
def test_description_accepted_exactly_when_short_enough_and_no_nul(text: str | None) -> None:
    valid = text is None or (len(text) <= 1000 and "\x00" not in text)
    try:
        new = NewTask(title="t", description=text)
    except InvalidTask:
        assert not valid
    else:
        assert valid
        assert new.description == text

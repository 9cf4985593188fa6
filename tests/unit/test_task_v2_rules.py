"""The v2 field rules and what completing a recurring task plans, without any I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from domain.due import Due
from domain.errors import InvalidTask
from domain.fields import Priority, clean_tags
from domain.query import StatusFilter, TaskQuery, parse_boundary
from domain.recurrence import RepeatFrom
from domain.task import FLIP, KEEP, NewTask, Task, TaskChanges, complete

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
MONDAY_0930_BERLIN = Due(date=date(2026, 12, 7), time=time(9, 30), time_zone="Europe/Berlin")


def weekly_task(**overrides: object) -> Task:
    task = Task(
        id=1,
        owner_id="alice",
        title="Team sync",
        description=None,
        completed=False,
        created_at=T0,
        updated_at=T0,
        priority=Priority.HIGH,
        tags=("work", "meetings"),
        due=MONDAY_0930_BERLIN,
        recurrence="FREQ=WEEKLY;BYDAY=MO",
        remind_at=datetime(2026, 12, 7, 8, 15, tzinfo=UTC),
    )
    return replace(task, **overrides)  # type: ignore[arg-type]


class TestPriority:
    @pytest.mark.parametrize("text", ["high", "High", "HIGH"])
    def test_any_letter_case(self, text: str) -> None:
        assert Priority.parse(text) is Priority.HIGH

    @pytest.mark.parametrize("text", ["", "critical", "1", "hi gh"])
    def test_unknown_is_rejected(self, text: str) -> None:
        with pytest.raises(InvalidTask, match="none, low, medium, high, urgent"):
            Priority.parse(text)

    def test_urgency_orders_most_urgent_first(self) -> None:
        ranked = sorted(Priority, key=lambda priority: priority.urgency)
        assert [priority.value for priority in ranked] == ["urgent", "high", "medium", "low", "none"]


class TestTags:
    def test_trimmed_order_kept_case_duplicates_merged_keeping_the_first(self) -> None:
        assert clean_tags([" Work ", "home", "work", "HOME", "x"]) == ("Work", "home", "x")

    def test_twenty_at_most(self) -> None:
        assert len(clean_tags([f"t{n}" for n in range(20)])) == 20
        with pytest.raises(InvalidTask):
            clean_tags([f"t{n}" for n in range(21)])

    @pytest.mark.parametrize("tag", ["", "   ", "x" * 41, "a,b", "a\x00", "tab\there", "bell\x07"])
    def test_bad_tags_are_rejected(self, tag: str) -> None:
        with pytest.raises(InvalidTask):
            clean_tags([tag])

    def test_forty_characters_after_trimming_fit(self) -> None:
        assert clean_tags(["  " + "x" * 40 + "  "]) == ("x" * 40,)


class TestNewTask:
    def test_v2_defaults(self) -> None:
        new = NewTask(title="t")
        assert (new.priority, tuple(new.tags), new.due, new.recurrence) == (Priority.NONE, (), None, None)
        assert (new.repeat_from, new.remind_at) == (RepeatFrom.DUE, None)

    def test_recurrence_needs_a_due(self) -> None:
        with pytest.raises(InvalidTask) as raised:
            NewTask(title="t", recurrence="FREQ=DAILY")
        assert raised.value.field == "recurrence"

    def test_remind_at_is_kept_in_utc(self) -> None:
        plus_two = timezone(timedelta(hours=2))
        new = NewTask(title="t", remind_at=datetime(2026, 12, 7, 10, 15, tzinfo=plus_two))
        assert new.remind_at == datetime(2026, 12, 7, 8, 15, tzinfo=UTC)

    def test_a_naive_remind_at_is_rejected(self) -> None:
        with pytest.raises(InvalidTask):
            NewTask(title="t", remind_at=datetime(2026, 12, 7, 8, 15))

    def test_created_completed_records_when(self) -> None:
        assert NewTask(title="t", completed=True).to_task(id=1, owner_id="a", now=T0).completed_at == T0


class TestChanges:
    def test_only_keep_is_empty(self) -> None:
        assert TaskChanges().is_empty
        assert not TaskChanges(tags=[]).is_empty
        assert not TaskChanges(due=None).is_empty

    def test_completing_records_the_moment_and_reopening_clears_it(self) -> None:
        done = TaskChanges(completed=True).apply_to(weekly_task(recurrence=None), T0).task
        assert done.completed_at == T0
        assert TaskChanges(completed=FLIP).apply_to(done, T0 + timedelta(hours=1)).task.completed_at is None

    def test_editing_a_completed_task_keeps_its_completion_time(self) -> None:
        done = weekly_task(completed=True, completed_at=T0, recurrence=None)
        assert TaskChanges(title="new").apply_to(done, T0 + timedelta(days=1)).task.completed_at == T0

    def test_clearing_the_due_of_a_recurring_task_needs_the_recurrence_cleared_too(self) -> None:
        with pytest.raises(InvalidTask) as raised:
            TaskChanges(due=None).apply_to(weekly_task(), T0)
        assert raised.value.field == "due"
        cleared = TaskChanges(due=None, recurrence=None).apply_to(weekly_task(), T0).task
        assert (cleared.due, cleared.recurrence) == (None, None)

    def test_a_recurrence_on_a_task_without_due_is_rejected(self) -> None:
        with pytest.raises(InvalidTask):
            TaskChanges(recurrence="FREQ=DAILY").apply_to(weekly_task(due=None, recurrence=None), T0)

    def test_empty_tags_clear(self) -> None:
        assert TaskChanges(tags=[]).apply_to(weekly_task(), T0).task.tags == ()

    def test_the_due_is_replaced_whole(self) -> None:
        all_day = Due(date=date(2026, 12, 9))
        assert TaskChanges(due=all_day).apply_to(weekly_task(), T0).task.due == all_day


class TestCompletingARecurringTask:
    def test_plans_the_next_occurrence_with_the_same_fields(self) -> None:
        plan = complete(weekly_task(), T0)
        assert plan.task.completed and plan.task.due == MONDAY_0930_BERLIN
        upcoming = plan.next_occurrence
        assert upcoming is not None
        assert upcoming.due == replace(MONDAY_0930_BERLIN, date=date(2026, 12, 14))
        assert (upcoming.title, upcoming.priority, tuple(upcoming.tags)) == (
            "Team sync",
            Priority.HIGH,
            ("work", "meetings"),
        )
        assert (upcoming.recurrence, upcoming.repeat_from, upcoming.completed) == (
            "FREQ=WEEKLY;BYDAY=MO",
            RepeatFrom.DUE,
            False,
        )

    def test_the_reminder_moves_with_the_due(self) -> None:
        upcoming = complete(weekly_task(), T0).next_occurrence
        assert upcoming is not None and upcoming.remind_at == datetime(2026, 12, 14, 8, 15, tzinfo=UTC)

    def test_count_goes_one_lower_and_one_ends_the_series(self) -> None:
        upcoming = complete(weekly_task(recurrence="FREQ=WEEKLY;COUNT=2"), T0).next_occurrence
        assert upcoming is not None and upcoming.recurrence == "FREQ=WEEKLY;COUNT=1"
        assert complete(weekly_task(recurrence="FREQ=WEEKLY;COUNT=1"), T0).next_occurrence is None

    def test_completing_again_after_reopening_plans_nothing(self) -> None:
        linked = weekly_task(next_occurrence_id=2)
        assert complete(linked, T0).next_occurrence is None

    def test_an_edit_that_keeps_it_pending_plans_nothing(self) -> None:
        assert TaskChanges(title="x").apply_to(weekly_task(), T0).next_occurrence is None

    def test_editing_an_already_completed_task_plans_nothing(self) -> None:
        done = weekly_task(completed=True, completed_at=T0)
        assert TaskChanges(completed=True).apply_to(done, T0).next_occurrence is None

    def test_a_plain_task_plans_nothing(self) -> None:
        assert complete(weekly_task(recurrence=None), T0).next_occurrence is None

    def test_keep_leaves_the_recurrence(self) -> None:
        assert (
            TaskChanges(recurrence=KEEP).apply_to(weekly_task(), T0).task.recurrence == "FREQ=WEEKLY;BYDAY=MO"
        )


class TestListingQuery:
    def test_tag_filters_compare_by_lower_case_and_merge_duplicates(self) -> None:
        assert TaskQuery(tags=("Work", "work", " home ")).tags == ("work", "home")

    def test_a_bad_tag_filter_names_the_parameter(self) -> None:
        with pytest.raises(InvalidTask) as raised:
            TaskQuery(tags=("",))
        assert raised.value.field == "tag"

    def test_overdue_reads_the_due(self) -> None:
        assert TaskQuery(status=StatusFilter.OVERDUE).filters_due
        assert not TaskQuery().filters_due

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2026-12-07", datetime(2026, 12, 7, tzinfo=UTC)),
            ("2026-12-07T10:00:00+02:00", datetime(2026, 12, 7, 8, tzinfo=UTC)),
            ("2026-12-07T08:00:00Z", datetime(2026, 12, 7, 8, tzinfo=UTC)),
        ],
    )
    def test_boundaries_are_instants_or_dates_at_midnight_utc(self, text: str, expected: datetime) -> None:
        assert parse_boundary("due_before", text) == expected

    @pytest.mark.parametrize("text", ["", "tomorrow", "2026-12-07T08:00:00", "2026-13-01", "07/12/2026"])
    def test_other_boundaries_are_rejected(self, text: str) -> None:
        with pytest.raises(InvalidTask) as raised:
            parse_boundary("due_before", text)
        assert raised.value.field == "due_before"

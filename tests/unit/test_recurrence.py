"""Recurrence (domain/recurrence.py) on hand-computed cases, and its properties under Hypothesis.

Calendar facts used below: 2026-01-01 is a Thursday. Europe/Berlin moves to summer time on
2026-03-29 (02:00 -> 03:00) and back on 2026-10-25 (03:00 -> 02:00); America/New_York on
2026-03-08 (02:00 -> 03:00) and 2026-11-01 (02:00 -> 01:00).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.due import Due
from domain.errors import InvalidTask
from domain.recurrence import Occurrence, RepeatFrom, check_rule, next_occurrence

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def timed(day: str, wall: str, zone: str) -> Due:
    return Due.parse(day, wall, zone)


def all_day(day: str, zone: str | None = None) -> Due:
    return Due.parse(day, None, zone)


def next_due(rule: str, due: Due, completed_at: str, repeat_from: RepeatFrom = RepeatFrom.DUE) -> Due:
    occurrence = next_occurrence(rule, due, repeat_from, instant(completed_at))
    assert occurrence is not None
    return occurrence.due


def ends(rule: str, due: Due, completed_at: str, repeat_from: RepeatFrom = RepeatFrom.DUE) -> bool:
    return next_occurrence(rule, due, repeat_from, instant(completed_at)) is None


def at_text(due: Due) -> str:
    return due.as_json()["at"]


class TestDaylightSavingTime:
    # rule, zone, due date at 09:30, completed at, next date; the UTC time of each at.
    @pytest.mark.parametrize(
        "row",
        [
            "FREQ=DAILY           Europe/Berlin    2026-03-28 2026-03-28T09:00Z 2026-03-29 08:30 07:30",
            "FREQ=DAILY           Europe/Berlin    2026-10-24 2026-10-24T08:00Z 2026-10-25 07:30 08:30",
            "FREQ=WEEKLY;BYDAY=MO Europe/Berlin    2026-03-23 2026-03-23T09:00Z 2026-03-30 08:30 07:30",
            "FREQ=WEEKLY;BYDAY=MO Europe/Berlin    2026-10-19 2026-10-19T08:00Z 2026-10-26 07:30 08:30",
            "FREQ=DAILY           America/New_York 2026-03-07 2026-03-07T15:00Z 2026-03-08 14:30 13:30",
            "FREQ=DAILY           America/New_York 2026-10-31 2026-10-31T14:00Z 2026-11-01 13:30 14:30",
            "FREQ=WEEKLY;BYDAY=MO America/New_York 2026-03-02 2026-03-02T15:00Z 2026-03-09 14:30 13:30",
            "FREQ=WEEKLY;BYDAY=MO America/New_York 2026-10-26 2026-10-26T14:00Z 2026-11-02 13:30 14:30",
        ],
    )
    def test_the_wall_time_stays_and_the_utc_instant_moves_an_hour(self, row: str) -> None:
        rule, zone, day, completed_at, next_day, utc_before, utc_after = row.split()
        before = timed(day, "09:30", zone)
        following = next_due(rule, before, completed_at)
        assert following == timed(next_day, "09:30", zone)
        assert at_text(before) == f"{day}T{utc_before}:00.000Z"
        assert at_text(following) == f"{next_day}T{utc_after}:00.000Z"

    def test_a_wall_time_in_the_spring_gap_is_kept_and_uses_the_offset_before_it(self) -> None:
        due = timed("2026-03-28", "02:30", BERLIN)
        on_the_day = next_due("FREQ=DAILY", due, "2026-03-28T02:00Z")
        assert on_the_day == timed("2026-03-29", "02:30", BERLIN)
        assert at_text(on_the_day) == "2026-03-29T01:30:00.000Z"
        day_after = next_due("FREQ=DAILY", on_the_day, "2026-03-29T01:45Z")
        assert day_after == timed("2026-03-30", "02:30", BERLIN)
        assert at_text(day_after) == "2026-03-30T00:30:00.000Z"

    def test_a_gap_time_still_ahead_in_utc_is_not_skipped(self) -> None:
        # Done at 01:30Z (03:30 summer time): 02:45 "winter time" that day is 01:45Z, still ahead.
        following = next_due("FREQ=DAILY", timed("2026-03-28", "02:45", BERLIN), "2026-03-29T01:30Z")
        assert following == timed("2026-03-29", "02:45", BERLIN)
        assert at_text(following) == "2026-03-29T01:45:00.000Z"

    def test_a_wall_time_in_the_new_york_gap(self) -> None:
        following = next_due(
            "FREQ=WEEKLY;BYDAY=SU", timed("2026-03-01", "02:30", NEW_YORK), "2026-03-01T08:00Z"
        )
        assert following == timed("2026-03-08", "02:30", NEW_YORK)
        assert at_text(following) == "2026-03-08T07:30:00.000Z"

    def test_the_repeated_hour_in_autumn_is_the_first_one(self) -> None:
        following = next_due("FREQ=DAILY", timed("2026-10-24", "02:30", BERLIN), "2026-10-24T01:00Z")
        assert at_text(following) == "2026-10-25T00:30:00.000Z"

    @pytest.mark.parametrize("completed_at", ["2026-10-25T00:45Z", "2026-10-25T01:15Z"])
    def test_completed_during_the_repeated_hour_after_the_first_0230(self, completed_at: str) -> None:
        # 01:15Z is 02:15 of the second pass: earlier on the wall than 02:30, yet after it.
        due = timed("2026-10-25", "02:30", BERLIN)
        following = next_due("FREQ=DAILY", due, completed_at)
        assert following == timed("2026-10-26", "02:30", BERLIN)
        assert at_text(following) == "2026-10-26T01:30:00.000Z"


class TestCalendarEdges:
    def test_feb_29_yearly_comes_back_on_the_next_leap_year(self) -> None:
        rule = "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"
        assert next_due(rule, all_day("2028-02-29"), "2028-02-29T10:00Z") == all_day("2032-02-29")
        assert next_due(rule, all_day("2096-02-29"), "2096-02-29T10:00Z") == all_day("2104-02-29")

    def test_plain_yearly_from_feb_29_skips_the_common_years(self) -> None:
        # RFC 5545 3.3.10: an instance on a date that does not exist is ignored, not moved.
        due = timed("2024-02-29", "08:00", BERLIN)
        assert next_due("FREQ=YEARLY", due, "2024-02-29T09:00Z") == timed("2028-02-29", "08:00", BERLIN)

    @pytest.mark.parametrize(
        ("due", "following"),
        [("2026-01-31", "2026-03-31"), ("2026-03-31", "2026-05-31"), ("2026-07-31", "2026-08-31")],
    )
    def test_bymonthday_31_skips_the_short_months(self, due: str, following: str) -> None:
        got = next_due("FREQ=MONTHLY;BYMONTHDAY=31", all_day(due), f"{due}T12:00Z")
        assert got == all_day(following)

    def test_plain_monthly_from_the_31st_skips_the_short_months_too(self) -> None:
        assert next_due("FREQ=MONTHLY", all_day("2026-01-31"), "2026-01-31T12:00Z") == all_day("2026-03-31")

    @pytest.mark.parametrize(
        ("due", "following"),
        [("2026-01-30", "2026-02-27"), ("2026-02-27", "2026-03-31"), ("2026-04-30", "2026-05-29")],
    )
    def test_bysetpos_minus_one_is_the_last_weekday_of_the_month(self, due: str, following: str) -> None:
        rule = "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"
        got = next_due(rule, timed(due, "17:00", BERLIN), f"{due}T17:00Z")
        assert got == timed(following, "17:00", BERLIN)

    def test_a_numbered_byday(self) -> None:
        # The first Monday: 2026-02-02, then 2026-03-02.
        got = next_due("FREQ=MONTHLY;BYDAY=1MO", all_day("2026-02-02"), "2026-02-02T12:00Z")
        assert got == all_day("2026-03-02")


class TestUntil:
    def test_a_date_until_includes_its_whole_day(self) -> None:
        rule = "FREQ=DAILY;UNTIL=20261210"
        last = timed("2026-12-10", "23:30", BERLIN)
        assert next_due(rule, timed("2026-12-09", "23:30", BERLIN), "2026-12-09T22:00Z") == last
        assert ends(rule, last, "2026-12-10T23:00Z")

    def test_an_instant_until_is_inclusive(self) -> None:
        due = timed("2026-12-09", "09:30", BERLIN)
        on_the_boundary = "FREQ=DAILY;UNTIL=20261210T083000Z"
        assert next_due(on_the_boundary, due, "2026-12-09T09:00Z") == timed("2026-12-10", "09:30", BERLIN)
        just_before = "FREQ=DAILY;UNTIL=20261210T082959Z"
        assert ends(just_before, due, "2026-12-09T09:00Z")

    def test_an_instant_until_for_an_all_day_due_is_read_as_a_date_in_its_zone(self) -> None:
        # 2026-12-11T04:59Z is 23:59 on 2026-12-10 in New York: the 10th is in, the 11th out.
        rule = "FREQ=DAILY;UNTIL=20261211T045900Z"
        last = all_day("2026-12-10", NEW_YORK)
        assert next_due(rule, all_day("2026-12-09", NEW_YORK), "2026-12-09T20:00Z") == last
        assert ends(rule, last, "2026-12-10T20:00Z")

    def test_until_is_kept_as_it_is(self) -> None:
        rule = "FREQ=WEEKLY;UNTIL=20271231;BYDAY=MO"
        occurrence = next_occurrence(
            rule, all_day("2026-11-02"), RepeatFrom.DUE, instant("2026-11-02T10:00Z")
        )
        assert occurrence == Occurrence(all_day("2026-11-09"), rule)


class TestCount:
    def test_count_goes_down_by_one_per_task_and_ends_after_the_last(self) -> None:
        rule, due = "FREQ=WEEKLY;COUNT=3;BYDAY=MO", timed("2026-11-02", "09:30", BERLIN)
        first = next_occurrence(rule, due, RepeatFrom.DUE, instant("2026-11-02T09:00Z"))
        assert first == Occurrence(timed("2026-11-09", "09:30", BERLIN), "FREQ=WEEKLY;COUNT=2;BYDAY=MO")
        second = next_occurrence(first.rule, first.due, RepeatFrom.DUE, instant("2026-11-09T09:00Z"))
        assert second == Occurrence(timed("2026-11-16", "09:30", BERLIN), "FREQ=WEEKLY;COUNT=1;BYDAY=MO")
        assert ends(second.rule, second.due, "2026-11-16T09:00Z")

    def test_skipped_dates_do_not_use_count_up(self) -> None:
        due = all_day("2026-11-02")
        occurrence = next_occurrence("FREQ=DAILY;COUNT=3", due, RepeatFrom.DUE, instant("2026-11-20T12:00Z"))
        assert occurrence == Occurrence(all_day("2026-11-21"), "FREQ=DAILY;COUNT=2")

    def test_count_one_creates_nothing_in_either_mode(self) -> None:
        for mode in RepeatFrom:
            assert ends("FREQ=DAILY;COUNT=1", all_day("2026-11-02"), "2026-11-02T12:00Z", mode)


class TestInterval:
    def test_every_other_monday(self) -> None:
        due = timed("2026-03-02", "09:30", NEW_YORK)
        got = next_due("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", due, "2026-03-02T15:00Z")
        assert got == timed("2026-03-16", "09:30", NEW_YORK)

    def test_every_third_month(self) -> None:
        got = next_due("FREQ=MONTHLY;INTERVAL=3", all_day("2026-01-15"), "2026-01-15T12:00Z")
        assert got == all_day("2026-04-15")

    @pytest.mark.parametrize(
        ("wkst", "following"), [(";WKST=MO", "1997-08-10"), (";WKST=SU", "1997-08-17"), ("", "1997-08-10")]
    )
    def test_wkst_decides_the_weeks_interval_counts_and_defaults_to_monday(
        self, wkst: str, following: str
    ) -> None:
        # RFC 5545's own example, started on Tuesday 1997-08-05.
        rule = f"FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU{wkst}"
        previous = calendar.firstweekday()
        calendar.setfirstweekday(calendar.SUNDAY)
        try:
            got = next_due(rule, timed("1997-08-05", "09:00", NEW_YORK), "1997-08-05T14:00Z")
        finally:
            calendar.setfirstweekday(previous)
        assert got == timed(following, "09:00", NEW_YORK)


class TestRepeatFromDue:
    def test_a_daily_task_left_undone_for_weeks_comes_back_once_for_tomorrow(self) -> None:
        due = timed("2026-11-02", "09:30", BERLIN)
        assert next_due("FREQ=DAILY", due, "2026-11-20T12:00Z") == timed("2026-11-21", "09:30", BERLIN)

    def test_a_weekly_task_left_undone_for_three_weeks_comes_back_on_the_next_monday(self) -> None:
        due = timed("2026-11-02", "09:30", BERLIN)
        got = next_due("FREQ=WEEKLY;BYDAY=MO", due, "2026-11-25T12:00Z")
        assert got == timed("2026-11-30", "09:30", BERLIN)

    def test_completed_early_still_moves_past_the_due(self) -> None:
        due = timed("2026-11-02", "09:30", BERLIN)
        assert next_due("FREQ=DAILY", due, "2026-10-20T07:00Z") == timed("2026-11-03", "09:30", BERLIN)

    def test_completed_late_but_before_the_days_time_comes_back_later_that_day(self) -> None:
        due = timed("2026-11-02", "09:30", BERLIN)
        assert next_due("FREQ=DAILY", due, "2026-11-03T07:00Z") == timed("2026-11-03", "09:30", BERLIN)

    def test_an_all_day_task_comes_back_after_the_day_of_completion(self) -> None:
        assert next_due("FREQ=DAILY", all_day("2026-11-02"), "2026-11-03T00:30Z") == all_day("2026-11-04")

    def test_the_day_of_completion_is_taken_in_the_dues_zone(self) -> None:
        # 03:00Z on the 3rd is 22:00 on the 2nd in New York.
        got = next_due("FREQ=DAILY", all_day("2026-11-02", NEW_YORK), "2026-11-03T03:00Z")
        assert got == all_day("2026-11-03", NEW_YORK)

    def test_an_all_day_due_repeats_by_date_across_dst(self) -> None:
        following = next_due("FREQ=DAILY", all_day("2026-03-28", BERLIN), "2026-03-28T12:00Z")
        assert following == all_day("2026-03-29", BERLIN)
        assert at_text(following) == "2026-03-29T22:00:00.000Z"

    def test_the_rule_counts_from_the_due_even_when_the_due_does_not_match_it(self) -> None:
        # Due on a Wednesday, repeating on Mondays: the next one is the following Monday.
        got = next_due("FREQ=WEEKLY;BYDAY=MO", all_day("2026-11-04"), "2026-11-04T12:00Z")
        assert got == all_day("2026-11-09")

    def test_the_series_ends_after_year_9999(self) -> None:
        assert ends("FREQ=YEARLY", all_day("9999-06-01"), "2026-01-01T00:00Z")


class TestRepeatFromCompletion:
    @pytest.mark.parametrize("completed_at", ["2026-12-08T23:10Z", "2026-12-09T12:00Z", "2026-12-09T22:30Z"])
    def test_three_days_after_a_wednesday_is_saturday_at_the_dues_time(self, completed_at: str) -> None:
        # All three are Wednesday 9 December in Berlin (the first is still Tuesday in UTC).
        due = timed("2026-12-07", "09:30", BERLIN)
        got = next_due("FREQ=DAILY;INTERVAL=3", due, completed_at, RepeatFrom.COMPLETION)
        assert got == timed("2026-12-12", "09:30", BERLIN)

    def test_a_task_done_early_counts_from_when_it_was_done(self) -> None:
        due = all_day("2026-12-11")
        got = next_due("FREQ=DAILY;INTERVAL=3", due, "2026-12-07T10:00Z", RepeatFrom.COMPLETION)
        assert got == all_day("2026-12-10")

    def test_the_rule_restarts_on_the_day_of_completion(self) -> None:
        mode = RepeatFrom.COMPLETION
        got = next_due("FREQ=WEEKLY;BYDAY=MO,TH", all_day("2026-12-07"), "2026-12-09T10:00Z", mode)
        assert got == all_day("2026-12-10")
        monthly = next_due("FREQ=MONTHLY", timed("2026-01-15", "08:00", BERLIN), "2026-02-03T12:00Z", mode)
        assert monthly == timed("2026-03-03", "08:00", BERLIN)

    def test_count_and_until_hold_from_completion_too(self) -> None:
        due, mode = all_day("2026-12-07"), RepeatFrom.COMPLETION
        occurrence = next_occurrence("FREQ=DAILY;COUNT=5", due, mode, instant("2026-12-09T10:00Z"))
        assert occurrence == Occurrence(all_day("2026-12-10"), "FREQ=DAILY;COUNT=4")
        assert ends("FREQ=DAILY;UNTIL=20261209", due, "2026-12-09T10:00Z", mode)

    def test_a_naive_completion_is_a_programming_error(self) -> None:
        with pytest.raises(ValueError, match="aware"):
            next_occurrence("FREQ=DAILY", all_day("2026-12-07"), RepeatFrom.DUE, datetime(2026, 12, 7, 10, 0))


DUE = timed("2026-12-09", "09:30", BERLIN)  # falls due at 2026-12-09T08:30Z


class TestCheckRule:
    @pytest.mark.parametrize(
        ("given", "normalised"),
        [
            ("FREQ=WEEKLY;BYDAY=MO", "FREQ=WEEKLY;BYDAY=MO"),
            (" freq = weekly ; byday = mo , tu ", "FREQ=WEEKLY;BYDAY=MO,TU"),
            ("byday=MO;Freq=Weekly", "BYDAY=MO;FREQ=WEEKLY"),
            ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",) * 2,
            ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"),
            ("FREQ=DAILY;INTERVAL=999", "FREQ=DAILY;INTERVAL=999"),
            ("FREQ=DAILY;COUNT=1000", "FREQ=DAILY;COUNT=1000"),
            ("FREQ=DAILY;UNTIL=20261209", "FREQ=DAILY;UNTIL=20261209"),
            ("FREQ=DAILY;UNTIL=20261209T083000Z", "FREQ=DAILY;UNTIL=20261209T083000Z"),
            ("FREQ=YEARLY;BYDAY=-53MO", "FREQ=YEARLY;BYDAY=-53MO"),
            ("FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO", "FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO"),
            ("FREQ=WEEKLY;WKST=SU;BYDAY=SA", "FREQ=WEEKLY;WKST=SU;BYDAY=SA"),
            ("FREQ=DAILY" + " " * 190, "FREQ=DAILY"),
        ],
    )
    def test_accepts_and_normalises(self, given: str, normalised: str) -> None:
        assert check_rule(given, DUE) == normalised

    def refusal(self, rule: str, due: Due | None = DUE) -> str:
        with pytest.raises(InvalidTask) as caught:
            check_rule(rule, due)
        assert caught.value.field == "recurrence"
        return caught.value.message

    def test_at_most_200_characters_as_given(self) -> None:
        assert self.refusal("FREQ=DAILY" + " " * 191) == "must be at most 200 characters"

    def test_a_value_that_is_not_text(self) -> None:
        assert self.refusal(7).startswith("must be an RRULE text")  # type: ignore[arg-type]

    def test_needs_a_due(self) -> None:
        assert self.refusal("FREQ=DAILY", None) == "needs a due"

    @pytest.mark.parametrize("rule", ["INTERVAL=2", "BYDAY=MO", ""])
    def test_needs_freq(self, rule: str) -> None:
        assert "FREQ" in self.refusal(rule)

    @pytest.mark.parametrize("freq", ["HOURLY", "MINUTELY", "SECONDLY"])
    def test_finer_frequencies_are_refused_as_such(self, freq: str) -> None:
        assert self.refusal(f"FREQ={freq}") == (
            f"FREQ={freq} repeats more often than daily; use DAILY, WEEKLY, MONTHLY, YEARLY"
        )

    def test_an_unknown_frequency(self) -> None:
        assert self.refusal("FREQ=FORTNIGHTLY") == "FREQ must be one of DAILY, WEEKLY, MONTHLY, YEARLY"

    @pytest.mark.parametrize(
        "part", ["BYHOUR=9", "BYMINUTE=0", "BYSECOND=0", "BYWEEKNO=1", "BYYEARDAY=1", "BYEASTER=0", "RDATE=1"]
    )
    def test_parts_outside_the_list_are_refused(self, part: str) -> None:
        name = part.split("=")[0]
        assert self.refusal(f"FREQ=YEARLY;{part}").startswith(f"{name} is not supported")

    @pytest.mark.parametrize(
        "rule", ["FREQ=DAILY;FREQ=WEEKLY", "FREQ=WEEKLY;BYDAY=MO;BYDAY=TU", "FREQ=DAILY;COUNT=2;COUNT=2"]
    )
    def test_a_part_given_twice(self, rule: str) -> None:
        assert self.refusal(rule) == "must not give a part twice"

    def test_count_and_until_together(self) -> None:
        message = self.refusal("FREQ=DAILY;COUNT=3;UNTIL=20271231")
        assert message == "must not give both COUNT and UNTIL (RFC 5545)"

    @pytest.mark.parametrize("rule", ["FREQ=DAILY;UNTIL=20261208", "FREQ=DAILY;UNTIL=20261209T082959Z"])
    def test_until_before_the_due(self, rule: str) -> None:
        assert self.refusal(rule) == "UNTIL must not be before the due"

    def test_until_on_the_day_of_an_all_day_due_is_not_before_it(self) -> None:
        rule = "FREQ=DAILY;UNTIL=20261209T000000Z"
        assert check_rule(rule, all_day("2026-12-09")) == rule

    def test_until_at_the_ends_of_the_calendar(self) -> None:
        # Their dates in these zones would be in year 0 and year 10000.
        assert self.refusal("FREQ=DAILY;UNTIL=00010101T000000Z", all_day("1970-01-01", NEW_YORK)) == (
            "UNTIL must not be before the due"
        )
        rule = "FREQ=DAILY;UNTIL=99991231T235959Z"
        assert check_rule(rule, all_day("9999-12-30", "Pacific/Kiritimati")) == rule

    @pytest.mark.parametrize(
        ("rule", "says"),
        [
            ("FREQ=DAILY;INTERVAL=0", "INTERVAL must be a whole number from 1 to 999"),
            ("FREQ=DAILY;INTERVAL=1000", "INTERVAL must be a whole number from 1 to 999"),
            ("FREQ=DAILY;INTERVAL=-1", "INTERVAL must be a whole number from 1 to 999"),
            ("FREQ=DAILY;INTERVAL=1_0", "must be NAME=VALUE parts"),
            ("FREQ=DAILY;INTERVAL=\u0663", "must be NAME=VALUE parts"),
            ("FREQ=DAILY;COUNT=0", "COUNT must be a whole number from 1 to 1000"),
            ("FREQ=DAILY;COUNT=1001", "COUNT must be a whole number from 1 to 1000"),
            ("FREQ=YEARLY;BYMONTH=13", "BYMONTH must list numbers from 1 to 12, separated by commas"),
            ("FREQ=YEARLY;BYMONTH=0", "BYMONTH must list numbers from 1 to 12, separated by commas"),
            ("FREQ=YEARLY;BYMONTH=-1", "BYMONTH must list numbers from 1 to 12, separated by commas"),
            ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY must list numbers from 1 to 31 or -31 to -1"),
            ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY must list numbers from 1 to 31 or -31 to -1"),
            ("FREQ=MONTHLY;BYMONTHDAY=1,,2", "BYMONTHDAY must list numbers"),
            ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0", "BYSETPOS must list numbers from 1 to 366 or -366 to -1"),
            ("FREQ=WEEKLY;BYDAY=XX", "BYDAY must list weekdays MO to SU"),
            ("FREQ=WEEKLY;BYDAY=MO,", "BYDAY must list weekdays MO to SU"),
            ("FREQ=MONTHLY;BYDAY=0MO", "a numbered BYDAY here counts from 1 to 5 or -5 to -1"),
            ("FREQ=MONTHLY;BYDAY=6MO", "a numbered BYDAY here counts from 1 to 5 or -5 to -1"),
            ("FREQ=YEARLY;BYMONTH=3;BYDAY=-6SU", "a numbered BYDAY here counts from 1 to 5 or -5 to -1"),
            ("FREQ=YEARLY;BYDAY=54MO", "a numbered BYDAY here counts from 1 to 53 or -53 to -1"),
            ("FREQ=WEEKLY;WKST=XX", "WKST must be a weekday, MO to SU"),
            (
                "FREQ=DAILY;UNTIL=20261209T093000",
                "UNTIL must be a date YYYYMMDD or a UTC time YYYYMMDDTHHMMSSZ",
            ),
            ("FREQ=DAILY;UNTIL=20261332", "UNTIL must be a date YYYYMMDD"),
            ("FREQ=DAILY;UNTIL=2026-12-31", "UNTIL must be a date YYYYMMDD"),
        ],
    )
    def test_values_out_of_range(self, rule: str, says: str) -> None:
        assert self.refusal(rule).startswith(says)

    @pytest.mark.parametrize(
        "rule",
        [
            "FREQ=DAILY;",
            "FREQ=DAILY;;INTERVAL=2",
            "FREQ",
            "=DAILY",
            "FREQ=",
            "FREQ=DAILY=WEEKLY",
            "FREQ=MONTHLY;BYDAY=MO(+1)",
            "FREQ=DA\u0131LY",
            "FREQ:DAILY",
            "X-NAME=1;FREQ=DAILY",
        ],
    )
    def test_text_that_is_not_an_rrule(self, rule: str) -> None:
        assert self.refusal(rule).startswith("must be NAME=VALUE parts separated by semicolons")

    def test_the_rrule_prefix_is_named(self) -> None:
        assert self.refusal("RRULE:FREQ=DAILY") == 'must be given without the "RRULE:" prefix'

    @pytest.mark.parametrize(
        ("rule", "says"),
        [
            ("FREQ=WEEKLY;BYDAY=1MO", "a numbered BYDAY (like 1MO or -1FR) needs FREQ=MONTHLY or YEARLY"),
            ("FREQ=DAILY;BYDAY=-1FR", "a numbered BYDAY (like 1MO or -1FR) needs FREQ=MONTHLY or YEARLY"),
            ("FREQ=WEEKLY;BYMONTHDAY=13", "BYMONTHDAY cannot be used with FREQ=WEEKLY (RFC 5545)"),
            ("FREQ=MONTHLY;BYSETPOS=-1", "BYSETPOS needs another BY part to choose from (RFC 5545)"),
        ],
    )
    def test_what_rfc_5545_forbids(self, rule: str, says: str) -> None:
        assert self.refusal(rule) == says

    @pytest.mark.parametrize(
        ("rule", "says"),
        [
            ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "BYMONTHDAY names no day that exists in the months"),
            ("FREQ=MONTHLY;BYMONTH=4,6,9,11;BYMONTHDAY=-31", "BYMONTHDAY names no day that exists"),
            ("FREQ=DAILY;BYDAY=MO;BYSETPOS=2", "BYSETPOS can never match: FREQ=DAILY has at most 1"),
            ("FREQ=WEEKLY;BYDAY=MO;BYSETPOS=8", "BYSETPOS can never match: FREQ=WEEKLY has at most 7"),
            # Every 12 months from December never reaches March; Wednesdays every 7 days never a Monday.
            ("FREQ=MONTHLY;INTERVAL=12;BYMONTH=3", "never occurs within 400 years of the due"),
            ("FREQ=DAILY;INTERVAL=7;BYDAY=MO", "never occurs within 400 years of the due"),
            ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6", "never occurs within 400 years of the due"),
        ],
    )
    def test_a_rule_with_no_occurrence(self, rule: str, says: str) -> None:
        assert self.refusal(rule).startswith(says)

    def test_a_sparse_rule_that_does_occur_is_accepted(self) -> None:
        # From December 2026, every 12 months in December: fine; so is Feb 29 on a Monday (2044).
        assert check_rule("FREQ=MONTHLY;INTERVAL=12;BYMONTH=12", DUE) == "FREQ=MONTHLY;INTERVAL=12;BYMONTH=12"
        rule = "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO"
        assert check_rule(rule, DUE) == rule
        assert next_due(rule, DUE, "2026-12-09T09:00Z") == timed("2044-02-29", "09:30", BERLIN)

    def test_a_rule_whose_only_date_is_the_last_day_is_accepted(self) -> None:
        assert check_rule("FREQ=DAILY", all_day("9999-12-31")) == "FREQ=DAILY"
        assert ends("FREQ=DAILY", all_day("9999-12-31"), "2026-01-01T00:00Z")


ZONES = st.sampled_from(["UTC", BERLIN, NEW_YORK, "Australia/Sydney", "Asia/Kolkata", "America/Santiago"])
WALL_TIMES = st.none() | st.builds(time, st.integers(0, 23), st.integers(0, 59))
RULES = st.builds(
    "FREQ={};INTERVAL={}".format, st.sampled_from(["DAILY", "WEEKLY", "MONTHLY"]), st.integers(1, 5)
)
DUES = st.builds(
    lambda day, wall, zone: Due(date=day, time=wall, time_zone=zone),
    st.dates(date(1970, 1, 2), date(2100, 12, 31)),
    WALL_TIMES,
    ZONES,
)
OFFSETS = st.timedeltas(timedelta(days=-40), timedelta(days=400)).map(lambda d: d - d % timedelta(minutes=1))


class TestProperties:
    @settings(max_examples=150, deadline=None)
    @given(rule=RULES, due=DUES, offset=OFFSETS)
    def test_repeat_from_due_is_after_the_due_and_the_completion_at_the_same_wall_time(
        self, rule: str, due: Due, offset: timedelta
    ) -> None:
        completed_at = due.at + offset
        occurrence = next_occurrence(check_rule(rule, due), due, RepeatFrom.DUE, completed_at)
        assert occurrence is not None
        following = occurrence.due
        assert (following.time, following.time_zone) == (due.time, due.time_zone)
        assert following.date > due.date
        assert following.at > due.at
        if due.all_day:
            assert following.date > completed_at.astimezone(due.zone).date()
        else:
            assert following.at > completed_at
        assert occurrence.rule == rule

    @settings(max_examples=150, deadline=None)
    @given(rule=RULES, due=DUES, offset=OFFSETS)
    def test_repeat_from_completion_is_after_the_day_of_completion(
        self, rule: str, due: Due, offset: timedelta
    ) -> None:
        completed_at = due.at + offset
        occurrence = next_occurrence(check_rule(rule, due), due, RepeatFrom.COMPLETION, completed_at)
        assert occurrence is not None
        following = occurrence.due
        done_on = completed_at.astimezone(due.zone).date()
        assert following.date > done_on
        assert (following.time, following.time_zone) == (due.time, due.time_zone)
        if done_on >= due.date:
            assert following.date > due.date

    @settings(max_examples=100, deadline=None)
    @given(due=DUES, offset=OFFSETS)
    def test_a_daily_task_comes_back_on_the_first_day_that_qualifies(
        self, due: Due, offset: timedelta
    ) -> None:
        completed_at = due.at + offset
        following = next_due("FREQ=DAILY", due, completed_at.isoformat())
        day_before = following.shifted_to(following.date - timedelta(days=1))
        if due.all_day:
            too_early = day_before.date <= max(due.date, completed_at.astimezone(due.zone).date())
        else:
            too_early = day_before.date <= due.date or day_before.at <= completed_at
        assert too_early

    @settings(max_examples=100, deadline=None)
    @given(rule=RULES, due=DUES)
    def test_normalising_twice_changes_nothing(self, rule: str, due: Due) -> None:
        once = check_rule(rule.lower().replace(";", " ; "), due)
        assert once == rule
        assert check_rule(once, due) == once

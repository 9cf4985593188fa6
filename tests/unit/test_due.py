"""The rules of a due date (domain/due.py), with instants computed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from domain.due import Due
from domain.errors import InvalidTask


def at_text(due: Due) -> str:
    return due.as_json()["at"]


class TestRules:
    def test_a_timed_due_keeps_date_time_and_zone(self) -> None:
        due = Due(date=date(2026, 12, 7), time=time(9, 30), time_zone="Europe/Berlin")
        assert (due.date, due.time, due.time_zone) == (date(2026, 12, 7), time(9, 30), "Europe/Berlin")
        assert not due.all_day
        assert due.zone == ZoneInfo("Europe/Berlin")

    def test_an_all_day_due_without_zone_lives_in_utc(self) -> None:
        due = Due(date=date(2026, 12, 7))
        assert due.all_day
        assert due.zone == ZoneInfo("UTC")

    def test_utc_is_a_zone_name(self) -> None:
        assert Due(date=date(2026, 12, 7), time=time(9, 30), time_zone="UTC").zone == ZoneInfo("UTC")

    def test_a_time_needs_a_zone(self) -> None:
        with pytest.raises(InvalidTask) as caught:
            Due(date=date(2026, 12, 7), time=time(9, 30))
        assert caught.value.field == "due"
        assert "time_zone" in caught.value.message

    @pytest.mark.parametrize(
        "name",
        [
            "Mars/Olympus_Mons",
            "europe/berlin",
            "Berlin",
            "CET ",
            "",
            "localtime",
            "../etc/passwd",
            "/usr/share/zoneinfo/UTC",
            "posix/Europe/Berlin",
            "Europe/Berlin\x00",
        ],
    )
    def test_an_unknown_zone_is_refused(self, name: str) -> None:
        with pytest.raises(InvalidTask) as caught:
            Due(date=date(2026, 12, 7), time_zone=name)
        assert caught.value.field == "due"
        assert caught.value.message == "time_zone must be an IANA time zone name, e.g. Europe/Berlin"

    @pytest.mark.parametrize(
        "name", ["America/Argentina/Buenos_Aires", "Etc/GMT+5", "US/Eastern", "Asia/Kolkata"]
    )
    def test_iana_names_and_links_are_accepted(self, name: str) -> None:
        assert Due(date=date(2026, 12, 7), time_zone=name).time_zone == name

    @pytest.mark.parametrize("day", [date(1969, 12, 31), date(1, 1, 1)])
    def test_years_before_1970_are_refused(self, day: date) -> None:
        with pytest.raises(InvalidTask, match="years 1970 to 9999"):
            Due(date=day)

    @pytest.mark.parametrize("day", [date(1970, 1, 1), date(9999, 12, 31)])
    def test_the_first_and_last_days_are_accepted(self, day: date) -> None:
        assert Due(date=day).date == day

    @pytest.mark.parametrize("wall", [time(9, 30, 15), time(9, 30, 0, 1)])
    def test_a_time_must_be_whole_minutes(self, wall: time) -> None:
        with pytest.raises(InvalidTask, match="whole minutes"):
            Due(date=date(2026, 12, 7), time=wall, time_zone="UTC")

    def test_an_aware_time_is_refused(self) -> None:
        with pytest.raises(InvalidTask, match="wall-clock"):
            Due(date=date(2026, 12, 7), time=time(9, 30, tzinfo=UTC), time_zone="UTC")

    def test_a_datetime_is_not_a_date(self) -> None:
        with pytest.raises(TypeError):
            Due(date=datetime(2026, 12, 7, 9, 30))

    def test_shifted_to_keeps_time_and_zone(self) -> None:
        due = Due(date=date(2026, 12, 7), time=time(9, 30), time_zone="Europe/Berlin")
        assert due.shifted_to(date(2027, 1, 4)) == Due(
            date=date(2027, 1, 4), time=time(9, 30), time_zone="Europe/Berlin"
        )

    def test_shifted_to_checks_the_new_date(self) -> None:
        with pytest.raises(InvalidTask):
            Due(date=date(2026, 12, 7)).shifted_to(date(1969, 12, 31))


class TestAt:
    def test_a_timed_due_falls_due_at_its_wall_time(self) -> None:
        due = Due(date=date(2026, 12, 7), time=time(9, 30), time_zone="Europe/Berlin")
        assert due.at == datetime(2026, 12, 7, 8, 30, tzinfo=UTC)
        assert due.at.tzinfo is UTC

    def test_summer_time_moves_the_instant_not_the_wall_time(self) -> None:
        due = Due(date=date(2026, 7, 7), time=time(9, 30), time_zone="Europe/Berlin")
        assert at_text(due) == "2026-07-07T07:30:00.000Z"

    def test_a_wall_time_in_the_spring_gap_uses_the_offset_before_it(self) -> None:
        # 02:00 -> 03:00 on 2026-03-29 in Berlin, 2026-03-08 in New York.
        berlin = Due(date=date(2026, 3, 29), time=time(2, 30), time_zone="Europe/Berlin")
        new_york = Due(date=date(2026, 3, 8), time=time(2, 30), time_zone="America/New_York")
        assert at_text(berlin) == "2026-03-29T01:30:00.000Z"
        assert at_text(new_york) == "2026-03-08T07:30:00.000Z"
        assert berlin.as_json()["time"] == "02:30"

    def test_a_wall_time_that_happens_twice_is_the_first(self) -> None:
        # 03:00 -> 02:00 on 2026-10-25 in Berlin; 02:00 -> 01:00 on 2026-11-01 in New York.
        berlin = Due(date=date(2026, 10, 25), time=time(2, 30), time_zone="Europe/Berlin")
        new_york = Due(date=date(2026, 11, 1), time=time(1, 30), time_zone="America/New_York")
        assert at_text(berlin) == "2026-10-25T00:30:00.000Z"
        assert at_text(new_york) == "2026-11-01T05:30:00.000Z"

    def test_a_time_marked_as_the_second_pass_still_means_the_first(self) -> None:
        due = Due(date=date(2026, 10, 25), time=time(2, 30, fold=1), time_zone="Europe/Berlin")
        assert at_text(due) == "2026-10-25T00:30:00.000Z"

    def test_an_all_day_due_falls_due_at_the_next_midnight_in_utc(self) -> None:
        assert at_text(Due(date=date(2026, 12, 7))) == "2026-12-08T00:00:00.000Z"

    @pytest.mark.parametrize(
        ("day", "zone", "expected"),
        [
            (date(2026, 12, 7), "Europe/Berlin", "2026-12-07T23:00:00.000Z"),
            (date(2026, 7, 4), "America/New_York", "2026-07-05T04:00:00.000Z"),
            (date(2026, 12, 7), "Pacific/Kiritimati", "2026-12-07T10:00:00.000Z"),
            # The day before the change ends at a winter midnight, the day of it at a summer one.
            (date(2026, 3, 28), "Europe/Berlin", "2026-03-28T23:00:00.000Z"),
            (date(2026, 3, 29), "Europe/Berlin", "2026-03-29T22:00:00.000Z"),
            # Chile skips 00:00-01:00 on 2026-09-06: the new day starts at 01:00 -03.
            (date(2026, 9, 5), "America/Santiago", "2026-09-06T04:00:00.000Z"),
        ],
    )
    def test_an_all_day_due_falls_due_at_the_next_midnight_in_its_zone(
        self, day: date, zone: str, expected: str
    ) -> None:
        assert at_text(Due(date=day, time_zone=zone)) == expected

    def test_the_earliest_due_may_fall_due_before_1970_in_utc(self) -> None:
        due = Due(date=date(1970, 1, 1), time=time(0, 0), time_zone="Asia/Tokyo")
        assert due.at == datetime(1969, 12, 31, 15, 0, tzinfo=UTC)

    @pytest.mark.parametrize(
        "due",
        [
            Due(date=date(9999, 12, 31)),
            Due(date=date(9999, 12, 31), time_zone="America/New_York"),
            Due(date=date(9999, 12, 31), time=time(23, 30), time_zone="America/New_York"),
        ],
    )
    def test_an_instant_past_9999_is_clamped_to_the_last_millisecond(self, due: Due) -> None:
        assert at_text(due) == "9999-12-31T23:59:59.999Z"

    def test_a_timed_due_on_the_last_day_keeps_its_instant_where_it_fits(self) -> None:
        due = Due(date=date(9999, 12, 31), time=time(23, 30), time_zone="Pacific/Kiritimati")
        assert at_text(due) == "9999-12-31T09:30:00.000Z"


class TestParse:
    def test_parses_the_json_texts(self) -> None:
        assert Due.parse("2026-12-07", "09:30", "Europe/Berlin") == Due(
            date=date(2026, 12, 7), time=time(9, 30), time_zone="Europe/Berlin"
        )
        assert Due.parse("2026-12-07") == Due(date=date(2026, 12, 7))
        assert Due.parse("2026-12-07", None, "Asia/Tokyo") == Due(
            date=date(2026, 12, 7), time_zone="Asia/Tokyo"
        )
        assert Due.parse("2026-12-07", "00:00", "UTC").time == time(0, 0)
        assert Due.parse("2026-12-07", "23:59", "UTC").time == time(23, 59)

    @pytest.mark.parametrize(
        "text",
        [
            "2026-2-7",
            "20261207",
            "2026-12-07T09:30",
            "2026-W50-1",
            " 2026-12-07",
            "2026-12-07\n",
            "\u0662\u0660\u0662\u0666-12-07",
            "26-12-07",
            "12/07/2026",
            "",
        ],
    )
    def test_a_date_must_be_written_yyyy_mm_dd(self, text: str) -> None:
        with pytest.raises(InvalidTask, match="date must be written YYYY-MM-DD"):
            Due.parse(text)

    @pytest.mark.parametrize("text", ["2026-02-29", "2026-13-01", "2026-04-31", "2026-00-10"])
    def test_a_date_must_exist(self, text: str) -> None:
        with pytest.raises(InvalidTask, match="real calendar date"):
            Due.parse(text)

    def test_feb_29_of_a_leap_year_exists(self) -> None:
        assert Due.parse("2028-02-29").date == date(2028, 2, 29)

    @pytest.mark.parametrize("text", ["9:30", "09:30:00", "0930", "09.30", "9:30 PM", "09:30Z", ""])
    def test_a_time_must_be_written_hh_mm(self, text: str) -> None:
        with pytest.raises(InvalidTask, match="time must be written HH:MM"):
            Due.parse("2026-12-07", text, "UTC")

    @pytest.mark.parametrize("text", ["24:00", "12:60", "99:99"])
    def test_a_time_must_exist(self, text: str) -> None:
        with pytest.raises(InvalidTask, match="real time of day"):
            Due.parse("2026-12-07", text, "UTC")

    def test_parse_applies_the_rules(self) -> None:
        with pytest.raises(InvalidTask, match="time needs a time_zone"):
            Due.parse("2026-12-07", "09:30")
        with pytest.raises(InvalidTask, match="IANA"):
            Due.parse("2026-12-07", "09:30", "Europe/Atlantis")
        with pytest.raises(InvalidTask, match="years 1970 to 9999"):
            Due.parse("1969-12-31")

    def test_values_that_are_not_text_are_refused_not_crashed_on(self) -> None:
        with pytest.raises(InvalidTask, match="date"):
            Due.parse(20261207)  # type: ignore[arg-type]
        with pytest.raises(InvalidTask, match="time"):
            Due.parse("2026-12-07", 930, "UTC")  # type: ignore[arg-type]
        with pytest.raises(InvalidTask, match="time_zone"):
            Due.parse("2026-12-07", None, 1)  # type: ignore[arg-type]


class TestAtInstantUtc:
    def test_an_instant_becomes_a_timed_due_in_utc(self) -> None:
        instant = datetime(2026, 12, 7, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
        assert Due.at_instant_utc(instant) == Due(date=date(2026, 12, 7), time=time(8, 30), time_zone="UTC")

    def test_the_utc_date_is_kept_even_when_the_offset_is_on_another_day(self) -> None:
        instant = datetime(2026, 12, 7, 5, 0, tzinfo=timezone(timedelta(hours=14)))
        due = Due.at_instant_utc(instant)
        assert (due.date, due.time) == (date(2026, 12, 6), time(15, 0))
        assert at_text(due) == "2026-12-06T15:00:00.000Z"

    def test_a_naive_datetime_is_refused(self) -> None:
        with pytest.raises(InvalidTask, match="UTC offset"):
            Due.at_instant_utc(datetime(2026, 12, 7, 9, 30))

    @pytest.mark.parametrize(
        "instant",
        [datetime(2026, 12, 7, 9, 30, 1, tzinfo=UTC), datetime(2026, 12, 7, 9, 30, 0, 1000, tzinfo=UTC)],
    )
    def test_seconds_are_refused(self, instant: datetime) -> None:
        with pytest.raises(InvalidTask, match="whole minutes"):
            Due.at_instant_utc(instant)

    @pytest.mark.parametrize(
        "instant",
        [
            datetime(1970, 1, 1, 5, 0, tzinfo=timezone(timedelta(hours=14))),
            datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5))),
        ],
    )
    def test_the_utc_date_must_be_in_range(self, instant: datetime) -> None:
        with pytest.raises(InvalidTask, match="years 1970 to 9999"):
            Due.at_instant_utc(instant)


class TestAsJson:
    def test_a_timed_due(self) -> None:
        due = Due(date=date(2026, 12, 7), time=time(9, 30), time_zone="Europe/Berlin")
        assert due.as_json() == {
            "date": "2026-12-07",
            "time": "09:30",
            "time_zone": "Europe/Berlin",
            "at": "2026-12-07T08:30:00.000Z",
        }

    def test_an_all_day_due_in_a_zone_has_no_time(self) -> None:
        due = Due(date=date(2026, 12, 7), time_zone="America/New_York")
        assert due.as_json() == {
            "date": "2026-12-07",
            "time_zone": "America/New_York",
            "at": "2026-12-08T05:00:00.000Z",
        }

    def test_an_all_day_due_without_zone_has_only_date_and_at(self) -> None:
        assert Due(date=date(2026, 12, 7)).as_json() == {
            "date": "2026-12-07",
            "at": "2026-12-08T00:00:00.000Z",
        }

    def test_the_keys_come_in_the_contract_order(self) -> None:
        due = Due(date=date(2026, 12, 7), time=time(0, 5), time_zone="UTC")
        assert list(due.as_json()) == ["date", "time", "time_zone", "at"]
        assert due.as_json()["time"] == "00:05"

    def test_the_round_trip_through_parse_keeps_the_due(self) -> None:
        due = Due(date=date(2026, 12, 7), time=time(9, 30), time_zone="Europe/Berlin")
        shape = due.as_json()
        assert Due.parse(shape["date"], shape.get("time"), shape.get("time_zone")) == due

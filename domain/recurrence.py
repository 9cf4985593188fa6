"""Recurring tasks: RFC 5545 RRULE values, iterated by dateutil on the task's own wall-clock time.

Readings (the contract's "Recurring tasks", and where it is silent):
- dateutil's rrule computes every occurrence. This module checks only the contract's list of
  parts and their ranges (dateutil loops for ever on INTERVAL=0 and reads INTERVAL=1_0 as 10),
  and three RFC 5545 MUST NOTs that dateutil accepts with some other meaning: a numbered BYDAY
  outside MONTHLY/YEARLY, BYMONTHDAY with WEEKLY, BYSETPOS with no other BY part.
- Occurrences are computed on naive wall-clock time in the due's zone and the zone attached only
  then, so 09:30 Europe/Berlin stays 09:30 across DST; an all-day due repeats by date.
- WKST defaults to MO as in RFC 5545, not to the process's calendar.firstweekday().
- Dates that do not exist (Feb 30; Feb 29 in a common year) are skipped, as RFC 5545 requires:
  FREQ=YEARLY from Feb 29 comes back on the next Feb 29.
- COUNT and UNTIL are applied here (dateutil refuses a naive start with a UTC UNTIL). COUNT counts
  the tasks of the series, the due being the first: the next task carries COUNT-1, completing a
  COUNT=1 task creates nothing, and dates skipped while a task was left undone use up nothing.
- UNTIL is inclusive. A date UNTIL is compared with the occurrence's date. A UTC UNTIL is compared
  with a timed occurrence's `at`, and with an all-day occurrence's date against UNTIL's date in
  the due's zone (the day has begun by UNTIL). A due after UNTIL is refused.
- repeat_from=due: the first occurrence after the due and after the completion; for an all-day
  due, the first on a later date than the completion's date in the due's zone.
- repeat_from=completion: the rule restarted on the completion's date (in the due's zone) at the
  due's time; the next task is its first occurrence on a later date, even one before the old due
  (a task done early counts from when it was done).
- The search looks 400 years (one Gregorian cycle) plus ten intervals ahead: a rule with no
  occurrence in that span is refused, or its series ends.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Final

from dateutil.rrule import rrule, rrulestr

from domain.due import Due
from domain.errors import InvalidTask

RULE_MAX_LENGTH: Final = 200
INTERVAL_MAX: Final = 999
COUNT_MAX: Final = 1000
FREQUENCIES: Final = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
PARTS: Final = ("FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "COUNT", "UNTIL", "WKST")
_FINER: Final = ("HOURLY", "MINUTELY", "SECONDLY")
_WEEKDAYS: Final = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_PART: Final = re.compile(r"([A-Z]+)=([A-Z0-9,+-]+)")
_BYDAY: Final = re.compile(r"([+-]?[0-9]{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
# part: (pattern of one list item, largest absolute value, whether negative values count from the end)
_NUMBER_LISTS: Final = {
    "BYMONTH": (re.compile(r"[0-9]{1,2}"), 12, False),
    "BYMONTHDAY": (re.compile(r"[+-]?[0-9]{1,2}"), 31, True),
    "BYSETPOS": (re.compile(r"[+-]?[0-9]{1,3}"), 366, True),
}
_LONGEST_MONTH: Final = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MOST_PER_PERIOD: Final = {"DAILY": 1, "WEEKLY": 7, "MONTHLY": 31, "YEARLY": 366}
_CYCLE_YEARS: Final = 400  # the Gregorian calendar repeats exactly: 146097 days, 20871 weeks
_PERIOD_YEARS: Final = {"DAILY": 1 / 365, "WEEKLY": 7 / 365, "MONTHLY": 1 / 12, "YEARLY": 1.0}
# No zone has moved its clocks by more than a day: wall times two days before a completion are
# instants before it, whatever the offsets in between.
_WALL_SLACK: Final = dt.timedelta(days=2)


class RepeatFrom(Enum):
    DUE = "due"
    COMPLETION = "completion"


@dataclass(frozen=True, slots=True)
class Occurrence:
    due: Due
    rule: str  # the rule for the new task: COUNT one lower, otherwise unchanged


@dataclass(frozen=True, slots=True)
class _Rule:
    parts: tuple[tuple[str, str], ...]
    freq: str
    interval: int
    count: int | None
    until: dt.date | dt.datetime | None

    def text(self, count: int | None = None) -> str:
        return ";".join(
            f"{name}={count if name == 'COUNT' and count is not None else value}"
            for name, value in self.parts
        )


def _refuse(message: str) -> InvalidTask:
    return InvalidTask("recurrence", message)


def _whole_number(name: str, value: str, largest: int) -> int:
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= largest:
        raise _refuse(f"{name} must be a whole number from 1 to {largest}")
    return int(value)


def _check_numbers(name: str, value: str) -> list[int]:
    pattern, largest, signed = _NUMBER_LISTS[name]
    numbers = [int(item) for item in value.split(",") if pattern.fullmatch(item)]
    if len(numbers) != len(value.split(",")) or not all(1 <= abs(n) <= largest for n in numbers):
        tail = f" or -{largest} to -1" if signed else ""
        raise _refuse(f"{name} must list numbers from 1 to {largest}{tail}, separated by commas")
    return numbers


def _check_byday(value: str, freq: str, by_month: bool) -> None:
    # A numbered BYDAY counts within the month for MONTHLY, and for YEARLY with BYMONTH (RFC 5545).
    most = 5 if freq == "MONTHLY" or by_month else 53
    for item in value.split(","):
        match = _BYDAY.fullmatch(item)
        if match is None:
            raise _refuse("BYDAY must list weekdays MO to SU, each optionally numbered (1MO, -1FR)")
        if match[1] is None:
            continue
        if freq not in ("MONTHLY", "YEARLY"):
            raise _refuse("a numbered BYDAY (like 1MO or -1FR) needs FREQ=MONTHLY or YEARLY")
        if not 1 <= abs(int(match[1])) <= most:
            raise _refuse(f"a numbered BYDAY here counts from 1 to {most} or -{most} to -1")


def _parse_until(value: str) -> dt.date | dt.datetime:
    try:
        if re.fullmatch(r"[0-9]{8}", value):
            return dt.datetime.strptime(value, "%Y%m%d").date()
        if re.fullmatch(r"[0-9]{8}T[0-9]{6}Z", value):
            return dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        pass
    raise _refuse("UNTIL must be a date YYYYMMDD or a UTC time YYYYMMDDTHHMMSSZ")


def _parse(rule: str) -> _Rule:
    """Check the rule's parts against the contract; the meaning is left to dateutil."""
    text = "".join(rule.split())
    if text.upper().startswith("RRULE:"):
        raise _refuse('must be given without the "RRULE:" prefix')
    # ASCII first: upper() turns some other letters into ASCII ones ("\u0131" into "I").
    matches = [_PART.fullmatch(part) for part in text.upper().split(";")] if text.isascii() else [None]
    if not all(matches):
        raise _refuse("must be NAME=VALUE parts separated by semicolons, e.g. FREQ=WEEKLY;BYDAY=MO")
    parts = tuple((match[1], match[2]) for match in matches if match is not None)
    named = dict(parts)
    for name, _ in parts:
        if name not in PARTS:
            raise _refuse(f"{name} is not supported; the parts allowed are {', '.join(PARTS)}")
    if len(named) < len(parts):
        raise _refuse("must not give a part twice")
    freq = named.get("FREQ")
    if freq is None:
        raise _refuse("must give FREQ, e.g. FREQ=WEEKLY")
    if freq in _FINER:
        raise _refuse(f"FREQ={freq} repeats more often than daily; use {', '.join(FREQUENCIES)}")
    if freq not in FREQUENCIES:
        raise _refuse(f"FREQ must be one of {', '.join(FREQUENCIES)}")
    if "COUNT" in named and "UNTIL" in named:
        raise _refuse("must not give both COUNT and UNTIL (RFC 5545)")
    if "WKST" in named and named["WKST"] not in _WEEKDAYS:
        raise _refuse("WKST must be a weekday, MO to SU")
    if "BYDAY" in named:
        _check_byday(named["BYDAY"], freq, "BYMONTH" in named)
    lists = {name: _check_numbers(name, named[name]) for name in _NUMBER_LISTS if name in named}
    if "BYMONTHDAY" in lists and freq == "WEEKLY":
        raise _refuse("BYMONTHDAY cannot be used with FREQ=WEEKLY (RFC 5545)")
    if "BYSETPOS" in named and not any(name.startswith("BY") and name != "BYSETPOS" for name in named):
        raise _refuse("BYSETPOS needs another BY part to choose from (RFC 5545)")
    if any(abs(n) > _MOST_PER_PERIOD[freq] for n in lists.get("BYSETPOS", [])):
        raise _refuse(
            f"BYSETPOS can never match: FREQ={freq} has at most {_MOST_PER_PERIOD[freq]} per period"
        )
    months = lists.get("BYMONTH", range(1, 13))
    days = lists.get("BYMONTHDAY", [1])
    if not any(abs(day) <= _LONGEST_MONTH[month - 1] for month in months for day in days):
        raise _refuse("BYMONTHDAY names no day that exists in the months of BYMONTH")
    return _Rule(
        parts=parts,
        freq=freq,
        interval=_whole_number("INTERVAL", named.get("INTERVAL", "1"), INTERVAL_MAX),
        count=_whole_number("COUNT", named["COUNT"], COUNT_MAX) if "COUNT" in named else None,
        until=_parse_until(named["UNTIL"]) if "UNTIL" in named else None,
    )


def _dateutil_rule(parsed: _Rule, dtstart: dt.datetime) -> rrule:
    names = [name for name, _ in parsed.parts]
    text = ";".join(f"{n}={v}" for n, v in parsed.parts if n not in ("COUNT", "UNTIL"))
    if "WKST" not in names:
        text += ";WKST=MO"
    try:
        built = rrulestr(text, dtstart=dtstart)
    except ValueError as error:
        raise _refuse(f"is not a valid RFC 5545 rule ({error})") from None
    assert isinstance(built, rrule)  # one RRULE and no RDATE/EXDATE lines: never a set
    return built


def _move(moment: dt.datetime, years: int) -> dt.datetime:
    return moment.replace(year=moment.year + years)


def _occurrences(
    parsed: _Rule, dtstart: dt.datetime, after: dt.datetime, *, inc: bool = False
) -> Iterator[dt.datetime]:
    """Naive wall-clock occurrences of the rule from dtstart that come after `after`, in order."""
    horizon = _CYCLE_YEARS + math.ceil(10 * parsed.interval * _PERIOD_YEARS[parsed.freq])
    # dateutil only stops looking at year 9999: moving the search by whole 400-year cycles changes
    # no weekday or leap year, and puts that stop `horizon` years (or up to a cycle more) ahead.
    shift = _CYCLE_YEARS * max(0, (dt.MAXYEAR - horizon - after.year) // _CYCLE_YEARS)
    for moment in _dateutil_rule(parsed, _move(dtstart, shift)).xafter(_move(after, shift), inc=inc):
        yield _move(moment, -shift)


def _wall(due: Due) -> dt.datetime:
    return dt.datetime.combine(due.date, due.time or dt.time(0, 0))


def _within_until(due: Due, until: dt.date | dt.datetime) -> bool:
    if not isinstance(until, dt.datetime):
        return due.date <= until
    if due.all_day:
        try:
            return due.date <= until.astimezone(due.zone).date()
        except OverflowError:  # an UNTIL in year 1 or 9999 whose local date falls off the calendar
            return until.year > 1
    return due.at <= until


def check_rule(rule: str, due: Due | None) -> str:
    """The rule normalised (upper case, no spaces, parts in the order given), or InvalidTask."""
    if not isinstance(rule, str):
        raise _refuse("must be an RRULE text, e.g. FREQ=WEEKLY;BYDAY=MO")
    if len(rule) > RULE_MAX_LENGTH:
        raise _refuse(f"must be at most {RULE_MAX_LENGTH} characters")
    if due is None:
        raise _refuse("needs a due")
    parsed = _parse(rule)
    if parsed.until is not None and not _within_until(due, parsed.until):
        raise _refuse("UNTIL must not be before the due")
    if next(_occurrences(parsed, _wall(due), _wall(due), inc=True), None) is None:
        raise _refuse(f"never occurs within {_CYCLE_YEARS} years of the due")
    return parsed.text()


def next_occurrence(
    rule: str, due: Due, repeat_from: RepeatFrom, completed_at: dt.datetime
) -> Occurrence | None:
    """The next task of the series when a task with this due and rule is completed at completed_at
    (aware), or None when the series ends (COUNT used up, or the next one would be after UNTIL)."""
    if completed_at.utcoffset() is None:
        raise ValueError("completed_at must be an aware datetime")
    parsed = _parse(rule)
    if parsed.count == 1:
        return None
    done_at = completed_at.astimezone(due.zone).replace(tzinfo=None)
    if repeat_from is RepeatFrom.COMPLETION:
        start = dt.datetime.combine(done_at.date(), due.time or dt.time(0, 0))
        after = start  # every occurrence is at the due's time of day, so this means a later date
    elif due.all_day:
        start = _wall(due)
        after = max(start, dt.datetime.combine(done_at.date(), dt.time(0, 0)))
    else:
        start = _wall(due)
        after = max(start, done_at - _WALL_SLACK)
    for moment in _occurrences(parsed, start, after):
        following = due.shifted_to(moment.date())
        if repeat_from is RepeatFrom.DUE and not due.all_day and following.at <= completed_at:
            continue
        if parsed.until is not None and not _within_until(following, parsed.until):
            return None
        count = None if parsed.count is None else parsed.count - 1
        return Occurrence(following, parsed.text(count))
    return None

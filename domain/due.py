"""When a task falls due: a calendar date, optionally with a wall-clock time in an IANA zone.

Readings where the contract is silent:
- The wall time is kept as given even where it does not exist (a DST gap) or happens twice (a
  fold); `at` follows RFC 5545: the offset before the gap, the first of the two (zoneinfo, fold=0).
- An all-day due falls due at the next midnight of its zone; where that midnight falls in a gap,
  fold=0 gives the first instant of the new day.
- Zone names match exactly (case-sensitive) one of zoneinfo.available_timezones(), except
  "localtime", which names the machine's own setting rather than a place.
- An all-day due on 9999-12-31 (whose next midnight is in year 10000), and a timed one there that
  falls due later than a datetime can hold, get `at` 9999-12-31T23:59:59.999Z: every date of the
  years 1970-9999 stays valid.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from dataclasses import dataclass
from typing import Final

from domain.errors import InvalidTask

YEAR_MIN: Final = 1970
YEAR_MAX: Final = 9999
_DATE_TEXT: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME_TEXT: Final = re.compile(r"[0-9]{2}:[0-9]{2}")
_LAST_INSTANT: Final = dt.datetime.max.replace(microsecond=999000, tzinfo=dt.UTC)
_ZONE_EXAMPLE: Final = "must be an IANA time zone name, e.g. Europe/Berlin"


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() - {"localtime"})


def _wall_to_utc(day: dt.date, wall: dt.time, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    try:
        return dt.datetime.combine(day, wall.replace(fold=0), tzinfo=zone).astimezone(dt.UTC)
    except OverflowError:
        return _LAST_INSTANT


@dataclass(frozen=True, slots=True, kw_only=True)
class Due:
    """A due date; `time` None means all day. No `time_zone` means UTC (and then no `time`)."""

    date: dt.date
    time: dt.time | None = None
    time_zone: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.date, dt.datetime):
            raise TypeError("Due.date takes a date, not a datetime")
        if not YEAR_MIN <= self.date.year <= YEAR_MAX:
            raise InvalidTask("due", f"date must be in the years {YEAR_MIN} to {YEAR_MAX}")
        if self.time_zone is not None and self.time_zone not in _zone_names():
            raise InvalidTask("due", f"time_zone {_ZONE_EXAMPLE}")
        if self.time is None:
            return
        if self.time_zone is None:
            raise InvalidTask("due", "time needs a time_zone")
        if self.time.tzinfo is not None:
            raise InvalidTask("due", "time must be a wall-clock time; the zone goes in time_zone")
        if self.time.second or self.time.microsecond:
            raise InvalidTask("due", "time must be whole minutes, HH:MM")

    @property
    def all_day(self) -> bool:
        return self.time is None

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone or "UTC")

    @property
    def at(self) -> dt.datetime:
        """The aware UTC instant the task falls due."""
        if self.time is not None:
            return _wall_to_utc(self.date, self.time, self.zone)
        if self.date == dt.date.max:
            return _LAST_INSTANT
        return _wall_to_utc(self.date + dt.timedelta(days=1), dt.time(0, 0), self.zone)

    @classmethod
    def parse(cls, date: str, time: str | None = None, time_zone: str | None = None) -> Due:
        """Build from the JSON texts: date `YYYY-MM-DD`, time `HH:MM` (24-hour), an IANA zone."""
        if not isinstance(date, str) or not _DATE_TEXT.fullmatch(date):
            raise InvalidTask("due", "date must be written YYYY-MM-DD")
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            raise InvalidTask("due", "date must be a real calendar date, YYYY-MM-DD") from None
        wall = None
        if time is not None:
            if not isinstance(time, str) or not _TIME_TEXT.fullmatch(time):
                raise InvalidTask("due", "time must be written HH:MM (24-hour)")
            try:
                wall = dt.time.fromisoformat(time)
            except ValueError:
                raise InvalidTask("due", "time must be a real time of day, 00:00 to 23:59") from None
        if time_zone is not None and not isinstance(time_zone, str):
            raise InvalidTask("due", f"time_zone {_ZONE_EXAMPLE}")
        return cls(date=day, time=wall, time_zone=time_zone)

    @classmethod
    def at_instant_utc(cls, instant: dt.datetime) -> Due:
        """A timed due in UTC at this aware instant (the `due_date` shorthand)."""
        if instant.utcoffset() is None:
            raise InvalidTask("due", "an instant needs a UTC offset, e.g. 2026-12-07T08:30:00Z")
        try:
            utc = instant.astimezone(dt.UTC)
        except OverflowError:
            raise InvalidTask("due", f"date must be in the years {YEAR_MIN} to {YEAR_MAX}") from None
        if utc.second or utc.microsecond:
            raise InvalidTask("due", "an instant must be whole minutes (seconds 00)")
        return cls(date=utc.date(), time=utc.time(), time_zone="UTC")

    def as_json(self) -> dict[str, str]:
        shape = {"date": self.date.isoformat()}
        if self.time is not None:
            shape["time"] = self.time.strftime("%H:%M")
        if self.time_zone is not None:
            shape["time_zone"] = self.time_zone
        shape["at"] = self.at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return shape

    def shifted_to(self, date: dt.date) -> Due:
        """The same time and zone on another date."""
        return Due(date=date, time=self.time, time_zone=self.time_zone)

"""What the OpenAPI document says of each task field, for schema-driven clients and fuzzers.

Documentation only: the domain enforces the rules. Every pattern holds under JavaScript's `u` flag
and Python's `re` alike (so no `\\p{...}` classes).
"""

from __future__ import annotations

import zoneinfo
from typing import Final

from pydantic.config import JsonDict

from domain.fields import DESCRIPTION_MAX_LENGTH, TAG_MAX_LENGTH, TAGS_MAX_COUNT, TITLE_MAX_LENGTH, Priority
from domain.recurrence import PARTS, RULE_MAX_LENGTH, RepeatFrom

# Control characters (Unicode category Cc), as a class body.
_CONTROL: Final = r"\x00-\x1f\x7f-\x9f"


def any_case(word: str) -> str:
    """A pattern matching the word in any letter case (the `i` flag is not part of JSON Schema)."""
    return "".join(f"[{char.lower()}{char.upper()}]" if char.isalpha() else char for char in word)


# The title is trimmed first, so its limit is on what lies between the first and last non-space
# characters; a bare maxLength would wrongly refuse "  x  "-style padding of a long title.
TITLE: Final[JsonDict] = {
    "minLength": 1,
    "pattern": rf"^\s*[^\s\x00](?:[^\x00]{{0,{TITLE_MAX_LENGTH - 2}}}[^\s\x00])?\s*$",
    "description": f"Surrounding whitespace is trimmed; 1-{TITLE_MAX_LENGTH} characters must remain. No NUL.",
}
DESCRIPTION: Final[JsonDict] = {"maxLength": DESCRIPTION_MAX_LENGTH, "pattern": r"^[^\x00]*$"}

PRIORITY: Final[JsonDict] = {
    "enum": [priority.value for priority in reversed(Priority)],
    "description": 'Any letter case is accepted ("High" is high); answers use lower case.',
}

TAG_PATTERN: Final = rf"^\s*[^\s,{_CONTROL}](?:[^,{_CONTROL}]{{0,{TAG_MAX_LENGTH - 2}}}[^\s,{_CONTROL}])?\s*$"
TAGS: Final[JsonDict] = {
    "maxItems": TAGS_MAX_COUNT,
    "items": {"type": "string", "pattern": TAG_PATTERN},
    "description": (
        f"Each trimmed, 1-{TAG_MAX_LENGTH} characters, no comma or control character; spellings that "
        "differ only in letter case are merged, keeping the first; order is kept."
    ),
}
TAGS_EDIT: Final = "Replaces the task's tags; [] clears them. " + str(TAGS["description"])

_YEAR: Final = "(?:19[7-9][0-9]|[2-9][0-9]{3})"  # 1970 to 9999
DATE: Final[JsonDict] = {
    "format": "date",
    "pattern": rf"^{_YEAR}-[0-9]{{2}}-[0-9]{{2}}$",
    "description": "YYYY-MM-DD, years 1970-9999",
}
TIME: Final[JsonDict] = {
    "pattern": r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$",
    "description": "HH:MM on a 24-hour clock, the wall-clock time in time_zone (which it needs)",
}
# The names Due accepts: the machine's IANA database, less "localtime" (the machine's own setting).
TIME_ZONE_NAMES: Final = sorted(zoneinfo.available_timezones() - {"localtime"})
TIME_ZONE: Final[JsonDict] = {
    "enum": list(TIME_ZONE_NAMES),
    "description": "An IANA zone name such as Europe/Berlin, or UTC; an all-day due without one is in UTC",
}
AT: Final = (
    "The instant the task falls due, in UTC: the wall-clock time in its zone, or for an all-day due "
    "the end of that day (the next midnight) in its zone. Output only."
)
DUE_EDIT: Final = "Replaced whole, never merged; null clears it (a recurring task must clear recurrence too)."
# An RFC 3339 instant with zero seconds, as the due_date shorthand takes it.
_WHOLE_MINUTE: Final = (
    rf"^{_YEAR}-[0-9]{{2}}-[0-9]{{2}}[Tt][0-9]{{2}}:[0-9]{{2}}:00(?:\.0+)?(?:[Zz]|[+-][0-9]{{2}}:[0-9]{{2}})$"
)
DUE_DATE: Final[JsonDict] = {
    "anyOf": [
        {"type": "string", "format": "date", "pattern": DATE["pattern"]},
        {
            "type": "string",
            "format": "date-time",
            "pattern": _WHOLE_MINUTE,
        },
        {"type": "null"},
    ],
    "description": (
        "Shorthand for due: a YYYY-MM-DD date is an all-day due; an RFC 3339 instant (seconds zero) a "
        "timed due at that instant in UTC; null clears. Not together with due. Answers carry only due."
    ),
}
# The parts allowed (NAME=value;... in any order, any letter case); the other rules are in the
# description. Never narrower than the rules, so a client validating with it refuses nothing valid.
_RULE_PART: Final = "(?:" + "|".join(any_case(part) for part in PARTS) + r")=[A-Za-z0-9,+\-]+"
RECURRENCE: Final[JsonDict] = {
    "maxLength": RULE_MAX_LENGTH,
    "pattern": rf"^{_RULE_PART}(?:;{_RULE_PART})*$",
    "description": (
        "An RFC 5545 RRULE without the RRULE: prefix, e.g. FREQ=WEEKLY;BYDAY=MO. FREQ is DAILY, "
        "WEEKLY, MONTHLY or YEARLY; the other parts allowed are INTERVAL (1-999), BYDAY, BYMONTHDAY, "
        "BYMONTH, BYSETPOS, COUNT (1-1000), UNTIL (not before the due) and WKST. Needs a due."
    ),
}
REPEAT_FROM: Final[JsonDict] = {
    "enum": [mode.value for mode in RepeatFrom],
    "description": "Where the next occurrence is counted from: the due, or the moment of completion.",
}
REMIND_AT: Final[JsonDict] = {
    "anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}],
    "description": "An RFC 3339 instant with an offset (a time without one is refused); answered in UTC.",
}

"""Bodies and cases of the v2 task model, shared by the in-process and the real-server tiers."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

# The contract's example task, as a client sends it and as it comes back (id and times aside).
CONTRACT_EXAMPLE_BODY: dict[str, Any] = {
    "title": "Team sync",
    "priority": "high",
    "tags": ["work", "meetings"],
    "due": {"date": "2026-12-07", "time": "09:30", "time_zone": "Europe/Berlin"},
    "recurrence": "FREQ=WEEKLY;BYDAY=MO",
    "repeat_from": "due",
    "remind_at": "2026-12-07T08:15:00.000Z",
}
CONTRACT_EXAMPLE: dict[str, Any] = {
    "id": 42,
    "title": "Team sync",
    "description": None,
    "completed": False,
    "priority": "high",
    "tags": ["work", "meetings"],
    "due": {
        "date": "2026-12-07",
        "time": "09:30",
        "time_zone": "Europe/Berlin",
        "at": "2026-12-07T08:30:00.000Z",
    },
    "recurrence": "FREQ=WEEKLY;BYDAY=MO",
    "repeat_from": "due",
    "remind_at": "2026-12-07T08:15:00.000Z",
    "completed_at": None,
    "next_occurrence_id": None,
    "created_at": "2026-12-01T10:00:00.000Z",
    "updated_at": "2026-12-01T10:00:00.000Z",
}

MERGED_TAGS = [
    ([" Work ", "home", "work", "HOME", "x"], ["Work", "home", "x"]),
    (["été", "ÉTÉ"], ["été"]),
    ([f"t{n}" for n in range(20)], [f"t{n}" for n in range(20)]),
    (["  " + "x" * 40 + "  "], ["x" * 40]),
    (["a b", "a  b"], ["a b", "a  b"]),
    ([], []),
]
BAD_TAGS: list[object] = [
    [f"t{n}" for n in range(21)],
    [""],
    ["   "],
    ["x" * 41],
    ["a,b"],
    ["nul\x00"],
    ["tab\there"],
    ["bell\x07"],
    ["line\nbreak"],
    [5],
    "work",
    [None],
]
BAD_DUES: list[object] = [
    {"date": "2026-12-07", "time": "09:30"},  # a time without a zone
    {"date": "2026-12-07", "time": "09:30", "time_zone": "Mars/Olympus_Mons"},
    {"date": "2026-12-07", "time_zone": "europe/berlin"},  # zone names are case-sensitive
    {"date": "2026-12-07", "time": "24:00", "time_zone": "UTC"},
    {"date": "2026-12-07", "time": "9:30", "time_zone": "UTC"},
    {"date": "2026-12-07", "time": "09:30:00", "time_zone": "UTC"},
    {"date": "07/12/2026"},
    {"date": "2026-02-29"},
    {"date": "1969-12-31"},
    {"date": "10000-01-01"},
    {"time": "09:30", "time_zone": "UTC"},
    {"date": 20261207},
    "2026-12-07",
    [],
]
_DUE = {"due": {"date": "2026-12-07"}}
BAD_RECURRENCES: list[tuple[dict[str, Any], str]] = [
    ({"recurrence": "FREQ=DAILY"}, "recurrence"),  # no due
    ({**_DUE, "recurrence": "FREQ=HOURLY"}, "recurrence"),
    ({**_DUE, "recurrence": "FREQ=MINUTELY"}, "recurrence"),
    ({**_DUE, "recurrence": "FREQ=SECONDLY"}, "recurrence"),
    ({**_DUE, "recurrence": "RRULE:FREQ=DAILY"}, "recurrence"),
    ({**_DUE, "recurrence": "FREQ=DAILY;UNTIL=20261201"}, "recurrence"),  # UNTIL before the due
    ({**_DUE, "recurrence": "FREQ=DAILY;INTERVAL=0"}, "recurrence"),
    ({**_DUE, "recurrence": "FREQ=DAILY;INTERVAL=1000"}, "recurrence"),
    ({**_DUE, "recurrence": "FREQ=DAILY;COUNT=0"}, "recurrence"),
    ({**_DUE, "recurrence": "FREQ=DAILY;COUNT=1001"}, "recurrence"),
    ({**_DUE, "recurrence": "FREQ=DAILY;BYHOUR=9"}, "recurrence"),
    ({**_DUE, "recurrence": "FREQ=WEEKLY;BYDAY=XX"}, "recurrence"),
    ({**_DUE, "recurrence": "BYDAY=MO"}, "recurrence"),
    ({**_DUE, "recurrence": "FREQ=DAILY;" + "INTERVAL=1;" * 20}, "recurrence"),  # over 200 characters
    ({**_DUE, "recurrence": ""}, "recurrence"),
]


def listing_seed(today: date) -> list[dict[str, Any]]:
    """Five tasks around `today` (UTC): one overdue, one done, one without a due, two ahead."""
    ahead, fortnight = today + timedelta(days=5), today + timedelta(days=14)
    return [
        {
            "title": "a",
            "priority": "urgent",
            "tags": ["Work", "home"],
            "due": {"date": (today - timedelta(days=6)).isoformat()},
        },
        {
            "title": "b",
            "priority": "low",
            "tags": ["work"],
            "due": {"date": ahead.isoformat(), "time": "09:00", "time_zone": "UTC"},
        },
        {"title": "c", "description": "no due at all"},
        {
            "title": "d",
            "priority": "high",
            "tags": ["home"],
            "completed": True,
            "due": {"date": (today - timedelta(days=1)).isoformat()},
        },
        {
            "title": "e",
            "priority": "medium",
            "tags": ["WORK", "later"],
            "due": {"date": fortnight.isoformat(), "time": "09:00", "time_zone": "Europe/Berlin"},
        },
    ]


def filter_cases(today: date) -> list[tuple[dict[str, Any], list[str]]]:
    """Query parameters over `listing_seed(today)`, and the titles they match."""
    ahead = today + timedelta(days=5)
    b_is_due = f"{ahead.isoformat()}T09:00:00Z"
    return [
        ({"status": "overdue"}, ["a"]),
        ({"status": "pending"}, ["a", "b", "c", "e"]),
        ({"status": "completed"}, ["d"]),
        ({"priority": "urgent,HIGH"}, ["a", "d"]),
        ({"priority": "none"}, ["c"]),
        ({"priority": " Low , medium "}, ["b", "e"]),
        ({"tag": "work"}, ["a", "b", "e"]),
        ({"tag": "HOME"}, ["a", "d"]),
        ({"tag": ["work", "Home"]}, ["a"]),
        ({"tag": ["work", "work"]}, ["a", "b", "e"]),
        ({"tag": "nowhere"}, []),
        ({"due_before": ahead.isoformat()}, ["a", "d"]),  # a date: its midnight UTC
        ({"due_before": b_is_due}, ["a", "d"]),  # strictly before
        ({"due_after": b_is_due}, ["b", "e"]),  # at or after
        ({"due_after": b_is_due.replace("09:00:00Z", "11:00:00+02:00")}, ["b", "e"]),
        ({"due_after": ahead.isoformat(), "due_before": b_is_due.replace("09:00", "09:01")}, ["b"]),
        ({"has_due": "true"}, ["a", "b", "d", "e"]),
        ({"has_due": "false"}, ["c"]),
        ({"status": "pending", "tag": "work", "priority": "low,medium"}, ["b", "e"]),
        ({"has_due": "false", "q": "NO DUE"}, ["c"]),
        ({"q": "no due", "tag": "work"}, []),
    ]


SORT_CASES = [
    ("due", ["a", "d", "b", "e", "c"]),  # tasks without a due come last in both directions
    ("-due", ["e", "b", "d", "a", "c"]),
    ("priority", ["a", "d", "e", "b", "c"]),  # most urgent first
    ("-priority", ["c", "b", "e", "d", "a"]),
]

BAD_LIST_PARAMETERS = [
    ("status", "late"),
    ("status", "Overdue"),
    ("sort", "due_at"),
    ("sort", "+due"),
    ("sort", "-tags"),
    ("priority", "critical"),
    ("priority", "high,"),
    ("priority", ""),
    ("tag", ""),
    ("tag", "a,b"),
    ("tag", "x" * 41),
    ("due_before", "tomorrow"),
    ("due_before", "2026-12-07T08:00:00"),  # no offset
    ("due_after", "2026-13-01"),
    ("due_after", "07/12/2026"),
    ("has_due", "yes"),
    ("has_due", "1"),
    ("has_due", "True"),
]

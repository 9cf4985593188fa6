"""The rules of each task field a caller may set, one function or type per field."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import Enum
from typing import Final

from domain.errors import InvalidTask
from domain.text import reject_unstorable

TITLE_MAX_LENGTH: Final = 200
DESCRIPTION_MAX_LENGTH: Final = 1000
OWNER_ID_MAX_LENGTH: Final = 255
TAGS_MAX_COUNT: Final = 20
TAG_MAX_LENGTH: Final = 40


def clean_title(value: str) -> str:
    """Trim surrounding whitespace; 1 to 200 characters must remain."""
    reject_unstorable("title", value)
    title = value.strip()
    if not title:
        raise InvalidTask("title", "must not be empty or only whitespace")
    if len(title) > TITLE_MAX_LENGTH:
        raise InvalidTask("title", f"must be at most {TITLE_MAX_LENGTH} characters")
    return title


def clean_description(value: str | None) -> str | None:
    """Kept as given (null allowed), up to 1000 characters."""
    if value is None:
        return None
    reject_unstorable("description", value)
    if len(value) > DESCRIPTION_MAX_LENGTH:
        raise InvalidTask("description", f"must be at most {DESCRIPTION_MAX_LENGTH} characters")
    return value


def check_owner_id(value: str) -> str:
    if not value or len(value) > OWNER_ID_MAX_LENGTH or "\x00" in value:
        raise InvalidTask("owner_id", f"must be 1 to {OWNER_ID_MAX_LENGTH} characters")
    return value


class Priority(Enum):
    """Declared from most to least urgent: `sort=priority` lists in this order."""

    URGENT = "urgent"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"

    @classmethod
    def parse(cls, text: str) -> Priority:
        """Any letter case in ("High" is high); answers always use lower case."""
        try:
            return cls(text.lower())
        except ValueError:
            raise InvalidTask("priority", f"must be one of {_PRIORITY_NAMES}") from None

    @property
    def urgency(self) -> int:
        """0 for urgent up to 4 for none: the order of `sort=priority`."""
        return _URGENCY[self]


_URGENCY: Final = {priority: rank for rank, priority in enumerate(Priority)}
_PRIORITY_NAMES: Final = ", ".join(priority.value for priority in reversed(Priority))


def clean_tags(values: Sequence[str]) -> tuple[str, ...]:
    """Each trimmed and checked; spellings that differ only in case are merged, the first kept."""
    if len(values) > TAGS_MAX_COUNT:
        raise InvalidTask("tags", f"must be at most {TAGS_MAX_COUNT} tags")
    kept: dict[str, str] = {}
    for value in values:
        tag = clean_tag(value)
        kept.setdefault(tag_key(tag), tag)
    return tuple(kept.values())


def clean_tag(value: str) -> str:
    reject_unstorable("tags", value)
    tag = value.strip()
    if not 1 <= len(tag) <= TAG_MAX_LENGTH:
        raise InvalidTask("tags", f"each tag must be 1 to {TAG_MAX_LENGTH} characters after trimming")
    if "," in tag or any(unicodedata.category(char) == "Cc" for char in tag):
        raise InvalidTask("tags", "a tag must not contain a comma or a control character")
    return tag


def tag_key(tag: str) -> str:
    """What makes two tags the same tag: their lower-case spelling."""
    return tag.lower()


def clean_instant(field_name: str, value: datetime | None) -> datetime | None:
    """An instant with an offset, kept in UTC."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidTask(field_name, "must be an RFC 3339 time with an offset, e.g. 2026-12-07T08:15:00Z")
    return value.astimezone(UTC)

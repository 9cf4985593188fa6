"""What any stored text may hold: no NUL and no lone surrogate, which PostgreSQL and UTF-8 cannot carry."""

from __future__ import annotations

import re
from typing import Final

from domain.errors import InvalidTask

# JSON's "\ud800" escapes decode to lone surrogates, which no UTF-8 database can store.
_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def is_storable(value: str) -> bool:
    return "\x00" not in value and _LONE_SURROGATE.search(value) is None


def reject_unstorable(field_name: str, value: str) -> None:
    """Raise InvalidTask naming the field when the text could not be stored."""
    if "\x00" in value:
        raise InvalidTask(field_name, "must not contain the NUL character")
    if _LONE_SURROGATE.search(value):
        raise InvalidTask(field_name, "must not contain unpaired surrogate code points")

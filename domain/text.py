"""What text any store and any JSON response can carry."""

import re
from typing import Final

from domain.errors import InvalidTask

_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def is_storable(value: str) -> bool:
    """No NUL and no unpaired surrogate: what neither PostgreSQL nor a UTF-8 response can carry."""
    return "\x00" not in value and _LONE_SURROGATE.search(value) is None


def reject_unstorable(field_name: str, value: str) -> None:
    if "\x00" in value:
        raise InvalidTask(field_name, "must not contain the NUL character")
    # JSON's "\ud800" escapes decode to lone surrogates, which no UTF-8 database can store.
    if _LONE_SURROGATE.search(value):
        raise InvalidTask(field_name, "must not contain unpaired surrogate code points")

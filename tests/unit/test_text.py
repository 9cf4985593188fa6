"""The storable-text rule from domain/text.py, shared by the task fields and the token claims."""

from __future__ import annotations

import pytest

from domain.errors import InvalidTask
from domain.text import is_storable, reject_unstorable


@pytest.mark.parametrize("value", ["", "plain", "emoji \U0001f600", "\ufffd replacement", "tab\tnewline\n"])
def test_text_any_database_and_utf_8_response_can_carry_is_storable(value: str) -> None:
    assert is_storable(value)
    reject_unstorable("title", value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a\x00b", "must not contain the NUL character"),
        ("lone \ud800 high", "must not contain unpaired surrogate code points"),
        ("lone \udfff low", "must not contain unpaired surrogate code points"),
    ],
)
def test_nul_and_lone_surrogates_are_refused_naming_the_field(value: str, message: str) -> None:
    assert not is_storable(value)
    with pytest.raises(InvalidTask) as refused:
        reject_unstorable("description", value)
    assert (refused.value.field, refused.value.message) == ("description", message)

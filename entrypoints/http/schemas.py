"""The JSON shapes of the API. The field rules live in the domain; the schemas here only document them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr
from pydantic.config import JsonDict

from domain.due import Due
from domain.errors import InvalidTask
from domain.fields import Priority
from domain.query import parse_boundary
from domain.recurrence import RepeatFrom
from domain.task import KEEP, NewTask, TaskChanges
from entrypoints.http import field_docs as docs


def _kept(**field: Any) -> Any:
    """A field a PUT or PATCH may leave out: it then keeps its value (no default is shown or validated)."""
    return Field(default_factory=_keep, **field)


def _keep() -> Any:
    return KEEP


def _absent() -> Any:
    return None


class _Body(BaseModel):
    # Unknown fields (id, user_id, timestamps included) are ignored, never applied.
    model_config = ConfigDict(extra="ignore")


class DueIn(_Body):
    """All-day: `date`, with `time_zone` or without (UTC). Timed: `date`, `time` and `time_zone`."""

    model_config = ConfigDict(json_schema_extra={"dependentRequired": {"time": ["time_zone"]}})

    date: StrictStr = Field(json_schema_extra=docs.DATE)
    # Left out for an all-day due; `at`, if sent, is ignored like any other unknown field.
    time: StrictStr = Field(default_factory=_absent, json_schema_extra=docs.TIME)
    time_zone: StrictStr = Field(default_factory=_absent, json_schema_extra=docs.TIME_ZONE)

    def to_due(self) -> Due:
        return Due.parse(self.date, self.time, self.time_zone)


# due_date is a shorthand for due, so a body names one of them at most.
_DUE_OR_DUE_DATE: JsonDict = {"not": {"required": ["due", "due_date"]}}


class TaskCreate(_Body):
    model_config = ConfigDict(json_schema_extra=_DUE_OR_DUE_DATE)

    title: StrictStr = Field(json_schema_extra=docs.TITLE)
    description: StrictStr | None = Field(default=None, json_schema_extra=docs.DESCRIPTION)
    completed: StrictBool = False
    priority: StrictStr = Field(default=Priority.NONE.value, json_schema_extra=docs.PRIORITY)
    tags: list[StrictStr] = Field(default=[], json_schema_extra=docs.TAGS)
    due: DueIn | None = None
    due_date: StrictStr | None = Field(default=None, json_schema_extra=docs.DUE_DATE)
    recurrence: StrictStr | None = Field(default=None, json_schema_extra=docs.RECURRENCE)
    repeat_from: StrictStr = Field(default=RepeatFrom.DUE.value, json_schema_extra=docs.REPEAT_FROM)
    remind_at: StrictStr | None = Field(default=None, json_schema_extra=docs.REMIND_AT)

    def new_task(self) -> NewTask:
        return NewTask(**_sent_fields(self))


class TaskEdit(_Body):
    """PUT and PATCH alike: the fields named change, the others keep their value.

    A body that names none of them (unknown fields are ignored) is refused with 422.
    """

    # Says "not empty"; that the one field must be a known one is in the description.
    model_config = ConfigDict(json_schema_extra={**_DUE_OR_DUE_DATE, "minProperties": 1})

    title: StrictStr = _kept(json_schema_extra=docs.TITLE)
    description: StrictStr | None = _kept(json_schema_extra=docs.DESCRIPTION)
    completed: StrictBool = _kept()
    priority: StrictStr = _kept(json_schema_extra=docs.PRIORITY)
    tags: list[StrictStr] = _kept(json_schema_extra={**docs.TAGS, "description": docs.TAGS_EDIT})
    due: DueIn | None = _kept(description=docs.DUE_EDIT)
    due_date: StrictStr | None = _kept(json_schema_extra=docs.DUE_DATE)
    recurrence: StrictStr | None = _kept(json_schema_extra=docs.RECURRENCE)
    repeat_from: StrictStr = _kept(json_schema_extra=docs.REPEAT_FROM)
    remind_at: StrictStr | None = _kept(json_schema_extra=docs.REMIND_AT)

    def changes(self) -> TaskChanges:
        return TaskChanges(**_sent_fields(self))


class CompletionSet(BaseModel):
    completed: StrictBool


def _due(value: DueIn | None) -> Due | None:
    return None if value is None else value.to_due()


def _due_shorthand(value: str | None) -> Due | None:
    """`due_date`: a date is an all-day due, an instant a timed one in UTC, null clears."""
    if value is None:
        return None
    try:
        if len(value) == len("YYYY-MM-DD"):
            return Due.parse(value)
        return Due.at_instant_utc(parse_boundary("due_date", value))
    except InvalidTask as error:
        raise InvalidTask("due_date", error.message) from None


def _instant(value: str | None) -> datetime | None:
    """RFC 3339; a time without an offset parses here and is refused by the domain's rule."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value[:-1] + "Z" if value.endswith("z") else value)
    except ValueError:
        example = "2026-12-07T08:15:00Z"
        raise InvalidTask("remind_at", f"must be an RFC 3339 time with an offset, e.g. {example}") from None


def _repeat_from(value: str) -> RepeatFrom:
    try:
        return RepeatFrom(value)
    except ValueError:
        names = " or ".join(mode.value for mode in RepeatFrom)
        raise InvalidTask("repeat_from", f"must be {names}") from None


# How a sent JSON value becomes the domain's; fields not listed are taken as they are.
_TO_DOMAIN: dict[str, Callable[[Any], Any]] = {
    "priority": Priority.parse,
    "due": _due,
    "due_date": _due_shorthand,
    "repeat_from": _repeat_from,
    "remind_at": _instant,
}


def _sent_fields(body: BaseModel) -> dict[str, Any]:
    """The fields the client sent, in the domain's terms; the rest stay at the domain's defaults or KEEP."""
    sent = body.model_fields_set
    if {"due", "due_date"} <= sent:
        raise InvalidTask("due_date", "cannot be sent together with due; send one of them")
    fields: dict[str, Any] = {}
    for name in type(body).model_fields:
        if name in sent:
            convert = _TO_DOMAIN.get(name)
            value = getattr(body, name)
            fields["due" if name == "due_date" else name] = convert(value) if convert else value
    return fields


class DueOut(BaseModel):
    date: str = Field(json_schema_extra={"format": "date"})
    # Left out for an all-day due (and `time_zone` for one in UTC).
    time: str = Field(default_factory=str, json_schema_extra={"pattern": docs.TIME["pattern"]})
    time_zone: str = Field(default_factory=str)
    at: datetime = Field(description=docs.AT)


class TaskOut(BaseModel):
    id: int
    title: str
    description: str | None
    completed: bool
    priority: Priority
    tags: list[str]
    due: DueOut | None
    recurrence: str | None
    repeat_from: RepeatFrom
    remind_at: datetime | None
    completed_at: datetime | None = Field(description="When the task was last completed; null while pending")
    next_occurrence_id: int | None = Field(description="The occurrence this task's completion created")
    created_at: datetime
    updated_at: datetime


class TaskCountsOut(BaseModel):
    total: int
    completed: int
    limit: int = Field(description="MAX_TASKS_PER_USER: how many tasks a user may hold")


class MeOut(BaseModel):
    user_id: str
    email: str | None
    name: str | None
    tasks: TaskCountsOut


class TagOut(BaseModel):
    name: str
    count: int = Field(description="How many of the caller's tasks carry the tag")


class ClearedOut(BaseModel):
    deleted: int


class CompletedAllOut(BaseModel):
    completed: int


class UpsertOut(BaseModel):
    op: Literal["upsert"]
    task: TaskOut


class DeleteOut(BaseModel):
    op: Literal["delete"]
    id: int


class ChangesOut(BaseModel):
    changes: list[UpsertOut | DeleteOut] = Field(description="In the order they were committed")
    cursor: str = Field(description="Opaque; send it back as `since`")
    has_more: bool = Field(description="Ask again with `cursor` at once: more changes are waiting")


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str


class ValidationProblem(Problem):
    errors: list[FieldError]


class Health(BaseModel):
    status: str

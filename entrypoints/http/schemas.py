"""The JSON shapes of the API. Field rules (trimming, lengths, NUL) live in domain/task.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr
from pydantic.config import JsonDict

from domain.identity import Principal
from domain.task import DESCRIPTION_MAX_LENGTH, KEEP, TITLE_MAX_LENGTH, Task

# Documentation only (the domain enforces the rules): what schema-driven clients and fuzzers need to
# know. The title is trimmed first, so its limit is on what lies between the first and last
# non-space characters; a bare maxLength would wrongly refuse "  x  "-style padding of a long title.
_TITLE_DOC: JsonDict = {
    "minLength": 1,
    "pattern": rf"^\s*[^\s\x00](?:[^\x00]{{0,{TITLE_MAX_LENGTH - 2}}}[^\s\x00])?\s*$",
    "description": f"Surrounding whitespace is trimmed; 1-{TITLE_MAX_LENGTH} characters must remain. No NUL.",
}
_DESCRIPTION_DOC: JsonDict = {"maxLength": DESCRIPTION_MAX_LENGTH, "pattern": r"^[^\x00]*$"}


class _Body(BaseModel):
    # Unknown fields (id, user_id, timestamps included) are ignored, never applied.
    model_config = ConfigDict(extra="ignore")

    def given(self, name: str) -> Any:
        """The field's value if the client sent it, else KEEP."""
        return getattr(self, name) if name in self.model_fields_set else KEEP


class TaskCreate(_Body):
    title: StrictStr = Field(json_schema_extra=_TITLE_DOC)
    description: StrictStr | None = Field(default=None, json_schema_extra=_DESCRIPTION_DOC)
    completed: StrictBool = False


class TaskReplace(_Body):
    """PUT: title required; an omitted description or completed keeps its value."""

    title: StrictStr = Field(json_schema_extra=_TITLE_DOC)
    description: StrictStr | None = Field(default=None, json_schema_extra=_DESCRIPTION_DOC)
    # Defaults are never validated, so an explicit null is still refused.
    completed: StrictBool = Field(default=None)  # type: ignore[assignment]


class TaskPatch(_Body):
    """PATCH: any non-empty subset of the fields."""

    # Tells schema-driven clients that a body naming none of the fields is refused (422).
    model_config = ConfigDict(
        json_schema_extra={"anyOf": [{"required": [name]} for name in ("title", "description", "completed")]}
    )

    title: StrictStr = Field(default=None, json_schema_extra=_TITLE_DOC)  # type: ignore[assignment]
    description: StrictStr | None = Field(default=None, json_schema_extra=_DESCRIPTION_DOC)
    completed: StrictBool = Field(default=None)  # type: ignore[assignment]


class CompletionSet(BaseModel):
    completed: StrictBool


class TaskOut(BaseModel):
    id: int
    title: str
    description: str | None
    completed: bool
    created_at: datetime
    updated_at: datetime


class MeOut(BaseModel):
    user_id: str
    email: str | None
    name: str | None


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


def task_json(task: Task) -> dict[str, Any]:
    created_at = rfc3339(task.created_at)
    # Formatting is a visible share of a list's CPU; a never-edited task has one time twice.
    updated_at = created_at if task.updated_at == task.created_at else rfc3339(task.updated_at)
    return {
        "id": task.id,
        "title": task.title,
        "description": task.description,
        "completed": task.completed,
        "created_at": created_at,
        "updated_at": updated_at,
    }


def me_json(principal: Principal) -> dict[str, Any]:
    return {"user_id": principal.user_id, "email": principal.email, "name": principal.name}


def rfc3339(moment: datetime) -> str:
    """UTC with millisecond precision, as JavaScript's toISOString writes it."""
    text = moment.isoformat(timespec="milliseconds")
    if not text.endswith("+00:00"):
        text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text[:-6] + "Z"

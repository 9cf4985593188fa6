"""What every /api route shares: the router, the caller, the path id, and what responses declare."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Header, Path, Security
from fastapi.exceptions import RequestValidationError
from pydantic.json_schema import SkipJsonSchema
from starlette.requests import Request
from starlette.responses import Response

from domain.errors import InvalidTask
from domain.identity import Principal
from domain.task import Edited, Task
from entrypoints.container import Container
from entrypoints.http.auth import authenticated_route, bearer_scheme, current_principal
from entrypoints.http.errors import PreconditionMalformed
from entrypoints.http.paths import task_path
from entrypoints.http.rendering import task_json
from entrypoints.http.responses import JsonResponse
from entrypoints.http.schemas import Problem, ValidationProblem

MAX_TASK_ID: Final = 2**63 - 1
_ETAG = re.compile(r'(?:W/)?"([1-9][0-9]{0,9})"')

PrincipalDep = Annotated[Principal, Depends(current_principal)]
TaskId = Annotated[int, Path(ge=1, le=MAX_TASK_ID, description="The task's id, a positive 64-bit integer.")]
IfMatch = Annotated[
    str | SkipJsonSchema[None],
    Header(alias="If-Match", description='Only change the task if it is still at this ETag, e.g. W/"3".'),
]

HEADERS: Final[dict[str, dict[str, Any]]] = {
    "ETag": {"description": 'W/"<version>"; send it back as If-Match', "schema": {"type": "string"}},
    "Location": {"description": "The new task's URL", "schema": {"type": "string"}},
    "X-Total-Count": {"description": "How many tasks match, before paging", "schema": {"type": "integer"}},
    "Link": {
        "description": '</api/tasks/{id}>; rel="next": the occurrence this completion created, when it did',
        "schema": {"type": "string"},
    },
    "Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}},
    "WWW-Authenticate": {
        "description": 'Bearer, with error="invalid_token" when a token was sent',
        "schema": {"type": "string"},
    },
    "Idempotency-Replayed": {
        "description": "true: the recorded outcome of an earlier request with the same Idempotency-Key",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "X-Request-ID": {
        "description": "The caller's request id if it sent a sane one, else a new one",
        "schema": {"type": "string"},
    },
}

# status: (description, body, headers besides X-Request-ID). Relabelled problem+json by the app.
_PROBLEMS: Final[dict[int, tuple[str, type[Problem], tuple[str, ...]]]] = {
    401: ("Missing or invalid bearer token", Problem, ("WWW-Authenticate",)),
    404: ("No such task for this user", Problem, ()),
    409: (
        "The user's task limit (MAX_TASKS_PER_USER) would be passed, or a request with the same "
        "Idempotency-Key is still in progress; nothing changed",
        Problem,
        (),
    ),
    410: ("The sync cursor is too old or not the caller's: sync again without `since`", Problem, ()),
    412: ("If-Match names another version of the task", Problem, ()),
    413: ("Body over 64 KiB", Problem, ()),
    422: ("Invalid request", ValidationProblem, ()),
    503: ("Database unavailable", Problem, ("Retry-After",)),
}


def headers(*names: str) -> dict[str, dict[str, Any]]:
    return {name: HEADERS[name] for name in (*names, "X-Request-ID")}


def responses(success: int, *errors: int, sends: tuple[str, ...] = ()) -> dict[int | str, dict[str, Any]]:
    """The statuses a route can answer: its success (with the headers it sends) and its problems."""
    declared: dict[int | str, dict[str, Any]] = {success: {"headers": headers(*sends)}}
    for status in errors:
        description, model, problem_headers = _PROBLEMS[status]
        declared[status] = {"description": description, "model": model, "headers": headers(*problem_headers)}
    return declared


def api_router(container: Container) -> APIRouter:
    """Every route on it proves the caller first (401 before any body or query is read)."""
    return APIRouter(
        prefix="/api",
        route_class=authenticated_route(container.token_verifier()),
        dependencies=[Security(bearer_scheme)],
        default_response_class=JsonResponse,
    )


def task_response(request: Request, task: Task, *, status_code: int = 200, created: bool = False) -> Response:
    response_headers = {"ETag": f'W/"{task.version}"'}
    if created:
        response_headers["Location"] = task_path(request, task.id)
    return JsonResponse(task_json(task), status_code=status_code, headers=response_headers)


def edited_response(request: Request, edited: Edited) -> Response:
    """The task as edited; a completion that created the next occurrence links to it."""
    response = task_response(request, edited.task)
    if edited.next_occurrence is not None:
        response.headers["Link"] = f'<{task_path(request, edited.next_occurrence.id)}>; rel="next"'
    return response


def expected_version(if_match: str | None) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    match = _ETAG.fullmatch(if_match.strip())
    if match is None:
        raise PreconditionMalformed()
    return int(match.group(1))


@contextmanager
def query_errors() -> Iterator[None]:
    """A rule the domain checks on a query parameter is a 422 naming that parameter."""
    try:
        yield
    except InvalidTask as error:
        detail = {"type": "value_error", "loc": ("query", error.field), "msg": error.message, "input": None}
        raise RequestValidationError([detail]) from None

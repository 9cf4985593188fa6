"""The task routes: the collection and one task. HTTP in, a use-case command, HTTP out."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Final, Literal

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic.json_schema import SkipJsonSchema

from application.use_cases import (
    CreateTaskCommand,
    DeleteTaskCommand,
    EditTaskCommand,
    GetTaskCommand,
    ListTasksCommand,
)
from domain.fields import Priority
from domain.query import (
    LIST_LIMIT_DEFAULT,
    LIST_LIMIT_MAX,
)
from domain.task import FLIP, TaskChanges
from entrypoints.container import Container
from entrypoints.http.field_docs import TAG_PATTERN, any_case
from entrypoints.http.idempotency import IdempotencyGate, IdempotencyKey
from entrypoints.http.list_query import list_query
from entrypoints.http.rendering import task_json
from entrypoints.http.responses import JsonResponse
from entrypoints.http.routes.common import (
    IfMatch,
    PrincipalDep,
    TaskId,
    edited_response,
    expected_version,
    query_errors,
    responses,
    task_response,
)
from entrypoints.http.schemas import CompletionSet, TaskCreate, TaskEdit, TaskOut

SortParam = Literal[
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
    "title",
    "-title",
    "due",
    "-due",
    "priority",
    "-priority",
]
StatusParam = Literal["all", "pending", "completed", "overdue"]
# Optional parameters are simply left out; SkipJsonSchema keeps "or null" out of the document.
Unset = SkipJsonSchema[None]


_PRIORITY_NAME = "(?:" + "|".join(any_case(priority.value) for priority in Priority) + ")"
PriorityParam = Annotated[
    str | Unset,
    Query(
        description="Comma-separated priorities, any letter case; a task matches any of them.",
        json_schema_extra={"pattern": rf"^ *{_PRIORITY_NAME} *(?:, *{_PRIORITY_NAME} *)*$"},
    ),
]
TagParam = Annotated[
    list[str] | Unset,
    Query(
        description="Repeatable; a task matches when it carries every tag named (any letter case).",
        json_schema_extra={"items": {"type": "string", "pattern": TAG_PATTERN}},
    ),
]
_BOUNDARY_SCHEMA = {
    "anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}]
}
DueBefore = Annotated[
    str | Unset,
    Query(
        description="An RFC 3339 instant, or a date meaning its midnight UTC: due.at is strictly before it.",
        json_schema_extra=_BOUNDARY_SCHEMA,
    ),
]
DueAfter = Annotated[
    str | Unset,
    Query(
        description="An RFC 3339 instant, or a date meaning its midnight UTC: due.at is at or after it.",
        json_schema_extra=_BOUNDARY_SCHEMA,
    ),
]
HasDue = Annotated[
    str | Unset,
    Query(
        description="true: only tasks with a due; false: only tasks without one.",
        json_schema_extra={"enum": ["true", "false"]},
    ),
]
Search = Annotated[
    str | Unset,
    Query(
        description="Case-insensitive substring of title or description",
        json_schema_extra={"pattern": r"^[^\x00]*$"},
    ),
]
Limit = Annotated[int, Query(ge=1, le=LIST_LIMIT_MAX)]
Offset = Annotated[int, Query(ge=0)]

# Only digits name a task: /tasks/clear-completed and the like are other routes (or 404, or 405).
TASK_ID: Final = "{task_id:int}"
_ONE_TASK_READ = (401, 404, 422, 503)
_CREATED = ("Location", "ETag", "Idempotency-Replayed")
_EDITED = ("ETag", "Link", "Idempotency-Replayed")
_ONE_TASK_EDIT = (401, 404, 409, 412, 413, 422, 503)


def add_collection_routes(router: APIRouter, container: Container) -> None:
    # Resolved once, here: use cases are stateless, so requests share them instead of rebuilding them.
    list_use_case = container.list_tasks()
    create_use_case = container.create_task()
    gate = IdempotencyGate(container.replay_outcome())

    @router.get(
        "/tasks",
        response_model=list[TaskOut],
        tags=["tasks"],
        responses=responses(200, 401, 422, 503, sends=("X-Total-Count",)),
    )
    async def list_tasks(
        principal: PrincipalDep,
        status: StatusParam = "all",
        sort: SortParam = "-created_at",
        q: Search = None,
        priority: PriorityParam = None,
        tag: TagParam = None,
        due_before: DueBefore = None,
        due_after: DueAfter = None,
        has_due: HasDue = None,
        limit: Limit = LIST_LIMIT_DEFAULT,
        offset: Offset = 0,
    ) -> Response:
        with query_errors():
            query = list_query(status, sort, q, priority, tag, due_before, due_after, has_due, limit, offset)
        page = await list_use_case(ListTasksCommand(principal.user_id, query))
        return JsonResponse(
            [task_json(task) for task in page.items], headers={"X-Total-Count": str(page.total)}
        )

    @router.post(
        "/tasks",
        status_code=201,
        response_model=TaskOut,
        tags=["tasks"],
        responses=responses(201, 401, 409, 413, 422, 503, sends=_CREATED),
    )
    async def create_task(
        request: Request, principal: PrincipalDep, body: TaskCreate, idempotency_key: IdempotencyKey = None
    ) -> Response:
        owner_id, new = principal.user_id, body.new_task()
        return await gate.answer(
            request,
            owner_id,
            idempotency_key,
            lambda idempotency: create_use_case(CreateTaskCommand(owner_id, new, idempotency)),
            lambda task: task_response(request, task, status_code=201, created=True),
        )


def add_item_routes(router: APIRouter, container: Container) -> None:
    get_use_case = container.get_task()
    edit_use_case = container.edit_task()
    delete_use_case = container.delete_task()
    gate = IdempotencyGate(container.replay_outcome())

    @router.get(
        f"/tasks/{TASK_ID}",
        response_model=TaskOut,
        tags=["tasks"],
        responses=responses(200, *_ONE_TASK_READ, sends=("ETag",)),
    )
    async def get_task(request: Request, principal: PrincipalDep, task_id: TaskId) -> Response:
        return task_response(request, await get_use_case(GetTaskCommand(principal.user_id, task_id)))

    async def edit(request: Request, command: EditTaskCommand, key: str | None) -> Response:
        run = lambda idempotency: edit_use_case(replace(command, idempotency=idempotency))  # noqa: E731
        return await gate.answer(request, command.owner_id, key, run, lambda e: edited_response(request, e))

    async def edit_task(
        request: Request,
        principal: PrincipalDep,
        task_id: TaskId,
        body: TaskEdit,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        command = _edit(principal.user_id, task_id, body.changes(), if_match)
        return await edit(request, command, idempotency_key)

    # PUT and PATCH are one edit since v2 (a PUT keeps what it omits); two names, two operation ids.
    for method, name, summary in (
        ("PUT", "replace_task", "Change the named fields; omitted ones keep their value"),
        ("PATCH", "patch_task", "Change the named fields"),
    ):
        router.add_api_route(
            f"/tasks/{TASK_ID}",
            edit_task,
            methods=[method],
            name=name,
            summary=summary,
            response_model=TaskOut,
            tags=["tasks"],
            responses=responses(200, *_ONE_TASK_EDIT, sends=_EDITED),
        )

    @router.patch(
        f"/tasks/{TASK_ID}/complete",
        response_model=TaskOut,
        tags=["tasks"],
        summary="Set completed from the body, or toggle it when there is no body",
        responses=responses(200, *_ONE_TASK_EDIT, sends=_EDITED),
    )
    async def complete_task(
        request: Request,
        principal: PrincipalDep,
        task_id: TaskId,
        body: Annotated[CompletionSet | None, Body()] = None,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        changes = TaskChanges(completed=FLIP if body is None else body.completed)
        return await edit(request, _edit(principal.user_id, task_id, changes, if_match), idempotency_key)

    @router.delete(
        f"/tasks/{TASK_ID}",
        status_code=204,
        response_class=Response,
        tags=["tasks"],
        responses=responses(204, 401, 404, 409, 412, 422, 503, sends=("Idempotency-Replayed",)),
    )
    async def delete_task(
        request: Request,
        principal: PrincipalDep,
        task_id: TaskId,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        command = DeleteTaskCommand(principal.user_id, task_id, expected_version(if_match))
        run = lambda idempotency: delete_use_case(replace(command, idempotency=idempotency))  # noqa: E731
        return await gate.answer(
            request, command.owner_id, idempotency_key, run, lambda _: Response(status_code=204)
        )


def _edit(owner_id: str, task_id: int, changes: TaskChanges, if_match: str | None) -> EditTaskCommand:
    return EditTaskCommand(
        owner_id=owner_id, task_id=task_id, changes=changes, expected_version=expected_version(if_match)
    )

"""Routes translate HTTP to use-case commands and back; no rule is decided here."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Response, Security

from application.errors import StorageUnavailable
from application.use_cases import (
    CreateTaskCommand,
    DeleteTaskCommand,
    GetTaskCommand,
    ListTasksCommand,
    PatchTaskCommand,
    ReplaceTaskCommand,
    SetCompletionCommand,
)
from domain.errors import TaskNotFound
from domain.identity import Principal
from domain.task import (
    LIST_LIMIT_DEFAULT,
    LIST_LIMIT_MAX,
    NewTask,
    SortField,
    StatusFilter,
    Task,
    TaskChanges,
    TaskQuery,
)
from entrypoints.container import Container
from entrypoints.http.auth import authenticated_route, bearer_scheme, current_principal
from entrypoints.http.errors import PreconditionMalformed, service_unavailable
from entrypoints.http.responses import JsonResponse
from entrypoints.http.schemas import (
    CompletionSet,
    Health,
    MeOut,
    Problem,
    TaskCreate,
    TaskOut,
    TaskPatch,
    TaskReplace,
    ValidationProblem,
    me_json,
    task_json,
)

MAX_TASK_ID = 2**63 - 1
# Deeper than any table can be; keeps absurd offsets from overflowing the database's integers.
MAX_OFFSET = 2**62
_TASK_ID = re.compile(r"[1-9][0-9]{0,18}")
_ETAG = re.compile(r'(?:W/)?"([1-9][0-9]{0,9})"')

SortParam = Literal["created_at", "-created_at", "updated_at", "-updated_at", "title", "-title"]
StatusParam = Literal["all", "pending", "completed"]
PrincipalDep = Annotated[Principal, Depends(current_principal)]
IfMatch = Annotated[
    str | None,
    Header(description='Only change the task if it is still at this ETag, e.g. W/"3".'),
]
# A str, so that a malformed id is a 404 like a missing one; the pattern only documents the shape.
TaskId = Annotated[
    str,
    Path(
        description="The task's id, a positive 64-bit integer.",
        json_schema_extra={"pattern": _TASK_ID.pattern.join("^$")},
    ),
]


def _problem(description: str, model: type[Problem] = Problem) -> dict[str, Any]:
    # Declared as JSON here; the app's OpenAPI hook relabels error bodies as problem+json.
    return {"description": description, "model": model}


_API_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _problem("Missing or invalid bearer token"),
    413: _problem("Body over 64 KiB"),
    422: _problem("Invalid request", ValidationProblem),
    503: _problem("Database unavailable"),
}
_ONE_TASK_ERRORS: dict[int | str, dict[str, Any]] = {
    404: _problem("No such task for this user"),
    412: _problem("If-Match does not match the current ETag"),
}
_ETAG_HEADER = {
    "ETag": {"description": 'W/"<version>"; send it back as If-Match', "schema": {"type": "string"}}
}
_ONE_TASK: dict[int | str, dict[str, Any]] = {200: {"headers": _ETAG_HEADER}, **_ONE_TASK_ERRORS}


def api_router(container: Container) -> APIRouter:
    # Resolved once, here: use cases are stateless, so requests share them instead of rebuilding them.
    list_use_case = container.list_tasks()
    create_use_case = container.create_task()
    get_use_case = container.get_task()
    replace_use_case = container.replace_task()
    patch_use_case = container.patch_task()
    complete_use_case = container.set_completion()
    delete_use_case = container.delete_task()
    router = APIRouter(
        prefix="/api",
        route_class=authenticated_route(container.token_verifier()),
        dependencies=[Security(bearer_scheme)],
        responses=_API_ERRORS,
        default_response_class=JsonResponse,
    )

    @router.get(
        "/tasks",
        response_model=list[TaskOut],
        tags=["tasks"],
        responses={200: {"headers": {"X-Total-Count": {"schema": {"type": "integer"}}}}},
    )
    async def list_tasks(
        principal: PrincipalDep,
        status: StatusParam = "all",
        sort: SortParam = "-created_at",
        q: Annotated[str | None, Query(description="Case-insensitive substring")] = None,
        limit: Annotated[int, Query(ge=1, le=LIST_LIMIT_MAX)] = LIST_LIMIT_DEFAULT,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> Response:
        query = TaskQuery(
            status=StatusFilter(status),
            sort=SortField(sort.lstrip("-")),
            descending=sort.startswith("-"),
            search=q,
            limit=limit,
            offset=min(offset, MAX_OFFSET),
        )
        page = await list_use_case(ListTasksCommand(principal.user_id, query))
        return JsonResponse(
            [task_json(task) for task in page.items], headers={"X-Total-Count": str(page.total)}
        )

    @router.post(
        "/tasks",
        status_code=201,
        response_model=TaskOut,
        tags=["tasks"],
        responses={201: {"headers": {"Location": {"schema": {"type": "string"}}, **_ETAG_HEADER}}},
    )
    async def create_task(principal: PrincipalDep, body: TaskCreate) -> Response:
        new = NewTask(title=body.title, description=body.description, completed=body.completed)
        task = await create_use_case(CreateTaskCommand(principal.user_id, new))
        return _task_response(task, status_code=201, location=True)

    @router.get("/tasks/{task_id}", response_model=TaskOut, responses=_ONE_TASK, tags=["tasks"])
    async def get_task(principal: PrincipalDep, task_id: TaskId) -> Response:
        command = GetTaskCommand(principal.user_id, _task_id(task_id))
        return _task_response(await get_use_case(command))

    @router.put("/tasks/{task_id}", response_model=TaskOut, responses=_ONE_TASK, tags=["tasks"])
    async def replace_task(
        principal: PrincipalDep, task_id: TaskId, body: TaskReplace, if_match: IfMatch = None
    ) -> Response:
        command = ReplaceTaskCommand(
            owner_id=principal.user_id,
            task_id=_task_id(task_id),
            title=body.title,
            description=body.given("description"),
            completed=body.given("completed"),
            expected_version=_expected_version(if_match),
        )
        return _task_response(await replace_use_case(command))

    @router.patch("/tasks/{task_id}", response_model=TaskOut, responses=_ONE_TASK, tags=["tasks"])
    async def patch_task(
        principal: PrincipalDep, task_id: TaskId, body: TaskPatch, if_match: IfMatch = None
    ) -> Response:
        changes = TaskChanges(
            title=body.given("title"),
            description=body.given("description"),
            completed=body.given("completed"),
        )
        command = PatchTaskCommand(
            owner_id=principal.user_id,
            task_id=_task_id(task_id),
            changes=changes,
            expected_version=_expected_version(if_match),
        )
        return _task_response(await patch_use_case(command))

    @router.patch(
        "/tasks/{task_id}/complete",
        response_model=TaskOut,
        responses=_ONE_TASK,
        tags=["tasks"],
        summary="Set completed from the body, or toggle it when there is no body",
    )
    async def complete_task(
        principal: PrincipalDep,
        task_id: TaskId,
        body: Annotated[CompletionSet | None, Body()] = None,
        if_match: IfMatch = None,
    ) -> Response:
        command = SetCompletionCommand(
            owner_id=principal.user_id,
            task_id=_task_id(task_id),
            completed=None if body is None else body.completed,
            expected_version=_expected_version(if_match),
        )
        return _task_response(await complete_use_case(command))

    @router.delete(
        "/tasks/{task_id}",
        status_code=204,
        response_class=Response,
        responses=_ONE_TASK_ERRORS,
        tags=["tasks"],
    )
    async def delete_task(principal: PrincipalDep, task_id: TaskId, if_match: IfMatch = None) -> Response:
        command = DeleteTaskCommand(principal.user_id, _task_id(task_id), _expected_version(if_match))
        await delete_use_case(command)
        return Response(status_code=204)

    @router.get("/me", response_model=MeOut, tags=["me"])
    async def me(principal: PrincipalDep) -> Response:
        return JsonResponse(me_json(principal))

    return router


def health_router(container: Container) -> APIRouter:
    check_readiness = container.check_readiness()  # resolved once, like the api_router's
    router = APIRouter(default_response_class=JsonResponse, tags=["health"])

    @router.get("/healthz", response_model=Health)
    async def healthz() -> Response:
        return JsonResponse({"status": "ok"})

    @router.get("/readyz", response_model=Health, responses={503: _problem("Database unavailable")})
    async def readyz() -> Response:
        try:
            await check_readiness()
        except StorageUnavailable:
            return service_unavailable()
        return JsonResponse({"status": "ok"})

    return router


def _task_response(task: Task, *, status_code: int = 200, location: bool = False) -> Response:
    headers = {"ETag": f'W/"{task.version}"'}
    if location:
        headers["Location"] = f"/api/tasks/{task.id}"
    return JsonResponse(task_json(task), status_code=status_code, headers=headers)


def _task_id(raw: str) -> int:
    """Anything but a positive 64-bit integer names no task: 404, like a missing one."""
    if _TASK_ID.fullmatch(raw) and int(raw) <= MAX_TASK_ID:
        return int(raw)
    raise TaskNotFound(0)


def _expected_version(if_match: str | None) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    match = _ETAG.fullmatch(if_match.strip())
    if match is None:
        raise PreconditionMalformed()
    return int(match.group(1))

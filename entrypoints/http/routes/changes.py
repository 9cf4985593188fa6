"""Incremental sync: what changed in the caller's tasks since a cursor, in commit order."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic.json_schema import SkipJsonSchema

from application.use_cases import ListChangesCommand
from domain.changes import CHANGES_LIMIT_DEFAULT, CHANGES_LIMIT_MAX
from entrypoints.container import Container
from entrypoints.http.cursors import CursorCodec
from entrypoints.http.rendering import changes_json
from entrypoints.http.responses import JsonResponse
from entrypoints.http.routes.common import PrincipalDep, responses
from entrypoints.http.schemas import ChangesOut

Since = Annotated[
    str | SkipJsonSchema[None],
    Query(description="A cursor from an earlier answer; leave it out for every task there is."),
]
ChangesLimit = Annotated[int, Query(ge=1, le=CHANGES_LIMIT_MAX)]


def add_sync_routes(router: APIRouter, container: Container) -> None:
    """Declared before /tasks/{task_id}, whose path would otherwise claim this one."""
    list_changes = container.list_changes()
    cursors = CursorCodec(container.settings().better_auth_secret.get_secret_value())

    @router.get(
        "/tasks/changes",
        response_model=ChangesOut,
        tags=["sync"],
        summary="Changes to the caller's tasks since a cursor (all tasks without one), in commit order",
        responses=responses(200, 401, 410, 422, 503),
    )
    async def list_task_changes(
        principal: PrincipalDep, since: Since = None, limit: ChangesLimit = CHANGES_LIMIT_DEFAULT
    ) -> Response:
        owner_id = principal.user_id
        point = None if since is None else cursors.decode(owner_id, since)
        found = await list_changes(ListChangesCommand(owner_id, point, limit))
        return JsonResponse(changes_json(found.batch, cursors.encode(owner_id, found.next)))

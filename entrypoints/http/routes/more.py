"""The routes beside single tasks: bulk changes, the caller's tags, and who the caller is."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from entrypoints.container import Container
from entrypoints.http.idempotency import IdempotencyGate, IdempotencyKey
from entrypoints.http.rendering import me_json, tags_json
from entrypoints.http.responses import JsonResponse
from entrypoints.http.routes.common import PrincipalDep, responses
from entrypoints.http.schemas import ClearedOut, CompletedAllOut, MeOut, TagOut


def add_bulk_routes(router: APIRouter, container: Container) -> None:
    """Declared before /tasks/{task_id}, whose path would otherwise claim these."""
    clear_use_case = container.clear_completed()
    complete_all_use_case = container.complete_all()
    gate = IdempotencyGate(container.replay_outcome())

    @router.post(
        "/tasks/clear-completed",
        response_model=ClearedOut,
        tags=["tasks"],
        summary="Delete the caller's completed tasks",
        responses=responses(200, 401, 409, 413, 422, 503, sends=("Idempotency-Replayed",)),
    )
    async def clear_completed_tasks(
        request: Request, principal: PrincipalDep, idempotency_key: IdempotencyKey = None
    ) -> Response:
        return await gate.answer(
            request,
            principal.user_id,
            idempotency_key,
            lambda idempotency: clear_use_case(principal.user_id, idempotency),
            lambda deleted: JsonResponse({"deleted": deleted}),
        )

    @router.post(
        "/tasks/complete-all",
        response_model=CompletedAllOut,
        tags=["tasks"],
        summary="Complete the caller's pending tasks; recurring ones create their next occurrence",
        responses=responses(200, 401, 409, 413, 422, 503, sends=("Idempotency-Replayed",)),
    )
    async def complete_all_tasks(
        request: Request, principal: PrincipalDep, idempotency_key: IdempotencyKey = None
    ) -> Response:
        return await gate.answer(
            request,
            principal.user_id,
            idempotency_key,
            lambda idempotency: complete_all_use_case(principal.user_id, idempotency),
            lambda completed: JsonResponse({"completed": completed}),
        )


def add_account_routes(router: APIRouter, container: Container) -> None:
    tags_use_case = container.list_tags()
    count_use_case = container.count_tasks()

    @router.get(
        "/tags",
        response_model=list[TagOut],
        tags=["tasks"],
        summary="The caller's tags, by name ignoring case, with how many tasks carry each",
        responses=responses(200, 401, 422, 503),
    )
    async def list_tags(principal: PrincipalDep) -> Response:
        return JsonResponse(tags_json(await tags_use_case(principal.user_id)))

    @router.get("/me", response_model=MeOut, tags=["me"], responses=responses(200, 401, 422, 503))
    async def get_me(principal: PrincipalDep) -> Response:
        return JsonResponse(me_json(principal, await count_use_case(principal.user_id)))

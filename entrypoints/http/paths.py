"""The URLs the API hands out (Location, Link), in the path form the request used."""

from __future__ import annotations

from starlette.requests import Request

DEFAULT_TASKS_PREFIX = "/api"


def task_path(request: Request, task_id: int) -> str:
    """`/api/tasks/{id}`, or `/api/{user_id}/tasks/{id}` when the request came by that form."""
    prefix = request.scope.get("state", {}).get("tasks_prefix", DEFAULT_TASKS_PREFIX)
    return f"{prefix}/tasks/{task_id}"

"""Operation ids come from the route function's name, so routes added later get one by the same rule."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from entrypoints.http.app import operation_id


def route_named(name: str) -> APIRoute:
    async def endpoint() -> None:
        return None

    endpoint.__name__ = name
    return APIRoute("/anything", endpoint)


@pytest.mark.parametrize(
    "function, expected",
    [
        ("list_tasks", "listTasks"),
        ("replace_task", "replaceTask"),
        ("clear_completed_tasks", "clearCompletedTasks"),
        ("complete_all_tasks", "completeAllTasks"),
        ("list_task_changes", "listTaskChanges"),
        ("list_tags", "listTags"),
        # Where the function's name is not the verb a client should call.
        ("patch_task", "updateTask"),
        ("complete_task", "setTaskCompletion"),
        ("me", "getMe"),
        ("readyz", "getReadiness"),
    ],
)
def test_route_functions_become_camel_case_verbs(function: str, expected: str) -> None:
    assert operation_id(route_named(function)) == expected

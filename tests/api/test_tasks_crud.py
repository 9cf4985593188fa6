"""Create, read, replace, patch, complete and delete a task over real HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.helpers import (
    COMPLETE_SET,
    COMPLETE_TOGGLE,
    PATCH,
    PUT,
    TASK_FIELDS,
    WEAK_ETAG,
    Operation,
    assert_problem,
    assert_recent,
    create_task,
    fetch,
    next_millisecond,
    parse_time,
)

# Far beyond any id this test database will reach.
FORGED_ID = 2**62
FORGED_TIME = "2000-01-01T00:00:00Z"


def _edited(client: httpx.Client, task_id: int, method: str, body: dict[str, Any]) -> dict[str, Any]:
    """Send the edit, expect 200, and check the answer is what a later GET sees."""
    response = client.request(method, f"/api/tasks/{task_id}", json=body)
    assert response.status_code == 200, response.text
    edited: dict[str, Any] = response.json()
    assert edited == fetch(client, task_id).json()
    return edited


def test_create_answers_201_with_the_task_its_location_and_etag(client: httpx.Client) -> None:
    response = client.post("/api/tasks", json={"title": "Buy milk"})

    assert response.status_code == 201
    task = response.json()
    assert set(task) == TASK_FIELDS
    assert type(task["id"]) is int and task["id"] > 0
    assert task["title"] == "Buy milk"
    assert task["description"] is None
    assert task["completed"] is False
    assert task["created_at"] == task["updated_at"]
    assert_recent(task["created_at"])
    assert response.headers["location"] == f"/api/tasks/{task['id']}"
    assert WEAK_ETAG.fullmatch(response.headers["etag"])
    assert client.get(response.headers["location"]).json() == task


def test_create_keeps_a_description_and_completed(client: httpx.Client) -> None:
    task = create_task(client, title="Read", description="chapter 3", completed=True)
    assert (task["title"], task["description"], task["completed"]) == ("Read", "chapter 3", True)


def test_get_returns_the_task_with_an_etag(client: httpx.Client) -> None:
    task = create_task(client, description="details")
    response = client.get(f"/api/tasks/{task['id']}")
    assert response.status_code == 200
    assert response.json() == task
    assert WEAK_ETAG.fullmatch(response.headers["etag"])
    assert response.headers["content-type"].startswith("application/json")


def _stamps(task: dict[str, Any]) -> dict[str, Any]:
    """What the server stamps on an edit: updated_at, and completed_at when it completes the task."""
    return {"updated_at": task["updated_at"], "completed_at": task["completed_at"]}


def test_put_replaces_every_field_given(client: httpx.Client) -> None:
    task = create_task(client, title="old", description="old text")
    body = {"title": "new", "description": "new text", "completed": True}
    replaced = _edited(client, task["id"], "PUT", body)
    assert replaced == {**task, **body, **_stamps(replaced)}
    assert_recent(replaced["completed_at"])


def test_put_keeps_an_omitted_description_and_completed(client: httpx.Client) -> None:
    task = create_task(client, title="old", description="kept", completed=True)
    replaced = _edited(client, task["id"], "PUT", {"title": "renamed"})
    assert (replaced["title"], replaced["description"], replaced["completed"]) == ("renamed", "kept", True)


def test_put_with_a_null_description_clears_it(client: httpx.Client) -> None:
    task = create_task(client, description="to clear")
    assert _edited(client, task["id"], "PUT", {"title": "same", "description": None})["description"] is None


def test_put_without_a_title_keeps_the_title(client: httpx.Client) -> None:
    """v2's partial PUT: omitted fields keep their value, the title too."""
    task = create_task(client, title="kept", description="old")
    response = client.put(f"/api/tasks/{task['id']}", json={"description": "new", "completed": True})
    assert response.status_code == 200, response.text
    assert (response.json()["title"], response.json()["description"], response.json()["completed"]) == (
        "kept",
        "new",
        True,
    )
    assert fetch(client, task["id"]).json() == response.json()


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "only the title"},
        {"description": "only the description"},
        {"completed": True},
        {"title": "title and state", "completed": True},
        {"title": "all", "description": "three", "completed": True},
    ],
    ids=["title", "description", "completed", "title-completed", "all-three"],
)
def test_patch_changes_only_the_fields_given(client: httpx.Client, changes: dict[str, Any]) -> None:
    task = create_task(client, title="original", description="original text")
    patched = _edited(client, task["id"], "PATCH", changes)
    assert patched == {**task, **changes, **_stamps(patched)}
    assert (patched["completed_at"] is not None) is patched["completed"]


def test_patch_with_a_null_description_clears_it(client: httpx.Client) -> None:
    task = create_task(client, description="to clear")
    patched = _edited(client, task["id"], "PATCH", {"description": None})
    assert patched["description"] is None
    assert patched["title"] == task["title"]


@pytest.mark.parametrize("completed", [True, False])
def test_complete_with_a_body_sets_the_state(client: httpx.Client, completed: bool) -> None:
    for initial in (True, False):
        task = create_task(client, completed=initial)
        for _ in range(2):  # setting is idempotent, unlike toggling
            response = client.patch(f"/api/tasks/{task['id']}/complete", json={"completed": completed})
            assert response.status_code == 200, response.text
            assert response.json()["completed"] is completed
        assert fetch(client, task["id"]).json()["completed"] is completed


def test_complete_without_a_body_toggles(client: httpx.Client) -> None:
    task = create_task(client)
    states = []
    for _ in range(3):
        response = COMPLETE_TOGGLE.send(client, task["id"])
        assert response.status_code == 200, response.text
        states.append(response.json()["completed"])
    assert states == [True, False, True]
    assert fetch(client, task["id"]).json()["completed"] is True


def test_delete_answers_204_with_no_body_then_the_task_is_gone(client: httpx.Client) -> None:
    task = create_task(client)
    response = client.delete(f"/api/tasks/{task['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(client.get(f"/api/tasks/{task['id']}"), 404)
    assert_problem(client.delete(f"/api/tasks/{task['id']}"), 404)
    assert task["id"] not in [listed["id"] for listed in client.get("/api/tasks").json()]


@pytest.mark.parametrize("operation", [PUT, PATCH, COMPLETE_SET, COMPLETE_TOGGLE], ids=str)
def test_an_edit_moves_updated_at_but_never_created_at(client: httpx.Client, operation: Operation) -> None:
    task = create_task(client)
    next_millisecond()
    response = operation.send(client, task["id"])
    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["created_at"] == task["created_at"]
    assert parse_time(edited["updated_at"]) > parse_time(task["updated_at"])
    assert_recent(edited["updated_at"])


FORGED_FIELDS = {"id": FORGED_ID, "created_at": FORGED_TIME, "updated_at": FORGED_TIME}


def test_create_ignores_forged_id_owner_and_times(
    client: httpx.Client, stranger: httpx.Client, stranger_id: str
) -> None:
    task = create_task(client, **FORGED_FIELDS, user_id=stranger_id, owner_id="x")
    assert task["id"] != FORGED_ID
    assert task["created_at"] != FORGED_TIME and task["updated_at"] != FORGED_TIME
    assert_problem(stranger.get(f"/api/tasks/{task['id']}"), 404)
    assert stranger.get("/api/tasks").json() == []
    assert fetch(client, task["id"]).json() == task


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_edits_ignore_forged_id_owner_and_times(
    client: httpx.Client, stranger: httpx.Client, stranger_id: str, method: str
) -> None:
    task = create_task(client)
    body = {"title": "edited", **FORGED_FIELDS, "user_id": stranger_id}
    response = client.request(method, f"/api/tasks/{task['id']}", json=body)
    assert response.status_code == 200, response.text
    edited = response.json()
    assert (edited["id"], edited["created_at"], edited["title"]) == (task["id"], task["created_at"], "edited")
    assert edited["updated_at"] != FORGED_TIME
    assert_problem(stranger.get(f"/api/tasks/{task['id']}"), 404)
    assert_problem(client.get(f"/api/tasks/{FORGED_ID}"), 404)

"""Another user's task is invisible: the same 404 as a missing one, and it is never changed."""

from __future__ import annotations

import httpx
import pytest

from tests.api.helpers import (
    MISSING_TASK_ID,
    ONE_TASK_OPERATIONS,
    WRITE_OPERATIONS,
    Operation,
    assert_problem,
    create_task,
    fetch,
)


def _assert_untouched(owner: httpx.Client, before: httpx.Response) -> None:
    after = fetch(owner, before.json()["id"])
    assert after.json() == before.json()
    assert after.headers["etag"] == before.headers["etag"]


@pytest.mark.parametrize("operation", ONE_TASK_OPERATIONS, ids=str)
def test_someone_elses_task_is_404_exactly_like_a_missing_one(
    client: httpx.Client, stranger: httpx.Client, operation: Operation
) -> None:
    before = fetch(client, create_task(client, title="private", description="secret plans")["id"])
    deleted = create_task(stranger)["id"]
    assert stranger.delete(f"/api/tasks/{deleted}").status_code == 204

    theirs = operation.send(stranger, before.json()["id"])
    assert_problem(theirs, 404)
    for missing_id in (MISSING_TASK_ID, deleted):
        missing = operation.send(stranger, missing_id)
        assert (missing.status_code, missing.content) == (theirs.status_code, theirs.content)
        assert missing.headers.get("content-type") == theirs.headers.get("content-type")
    _assert_untouched(client, before)


@pytest.mark.parametrize("operation", WRITE_OPERATIONS, ids=str)
def test_a_correct_etag_does_not_reveal_someone_elses_task(
    client: httpx.Client, stranger: httpx.Client, operation: Operation
) -> None:
    """Knowing the owner's current ETag, a stranger still sees 404, not 412 or success."""
    before = fetch(client, create_task(client)["id"])
    etag = before.headers["etag"]

    theirs = operation.send(stranger, before.json()["id"], **{"If-Match": etag})
    missing = operation.send(stranger, MISSING_TASK_ID, **{"If-Match": etag})
    assert_problem(theirs, 404)
    assert (missing.status_code, missing.content) == (theirs.status_code, theirs.content)
    _assert_untouched(client, before)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": "pending"},
        {"status": "completed"},
        {"q": "owner-only"},
        {"sort": "title", "limit": 500},
    ],
    ids=["all", "pending", "completed", "search", "sorted"],
)
def test_a_list_holds_only_the_callers_tasks(
    client: httpx.Client, stranger: httpx.Client, params: dict[str, object]
) -> None:
    mine = [
        create_task(client, title="owner-only open"),
        create_task(client, title="owner-only done", completed=True),
    ]
    theirs = create_task(stranger, title="stranger's owner-only task", completed=True)

    stranger_view = stranger.get("/api/tasks", params=params)
    assert [task["id"] for task in stranger_view.json()] in ([], [theirs["id"]])
    assert int(stranger_view.headers["x-total-count"]) == len(stranger_view.json())

    owner_view = client.get("/api/tasks", params=params)
    assert theirs["id"] not in {task["id"] for task in owner_view.json()}
    assert {task["id"] for task in owner_view.json()} <= {task["id"] for task in mine}
    assert int(owner_view.headers["x-total-count"]) == len(owner_view.json())


def test_x_total_count_ignores_other_users(client: httpx.Client, stranger: httpx.Client) -> None:
    for number in range(3):
        create_task(client, title=f"owner task {number}")
    create_task(stranger, title="stranger task")
    assert client.get("/api/tasks", params={"limit": 1}).headers["x-total-count"] == "3"
    assert stranger.get("/api/tasks", params={"limit": 1}).headers["x-total-count"] == "1"

"""GET /api/tasks/changes: a first full sync, then only what changed, in commit order, with tombstones."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from entrypoints.http.cursors import CursorCodec
from tests.api.helpers import assert_invalid, assert_problem, create_task, list_tasks
from tests.support.api_server import TEST_SECRET

Replica = dict[int, dict[str, Any]]


def changes(client: httpx.Client, **params: Any) -> dict[str, Any]:
    response = client.get("/api/tasks/changes", params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    assert set(page) == {"changes", "cursor", "has_more"}
    assert isinstance(page["cursor"], str) and page["cursor"]
    return page


def apply(replica: Replica, page: dict[str, Any]) -> None:
    for change in page["changes"]:
        if change["op"] == "upsert":
            replica[change["task"]["id"]] = change["task"]
        else:
            assert change["op"] == "delete" and set(change) == {"op", "id"}, change
            replica.pop(change["id"], None)


def sync(client: httpx.Client, replica: Replica, cursor: str | None = None, limit: int = 500) -> str:
    """Apply every page until has_more is false; the cursor to start from next time."""
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor is not None:
            params["since"] = cursor
        page = changes(client, **params)
        apply(replica, page)
        cursor = page["cursor"]
        if not page["has_more"]:
            return cursor


def server_tasks(client: httpx.Client) -> Replica:
    return {task["id"]: task for task in list_tasks(client, limit=500)}


def test_without_since_every_current_task_comes_as_an_upsert(client: httpx.Client) -> None:
    kept = [create_task(client, title=f"task {n}") for n in range(3)]
    gone = create_task(client, title="gone")
    assert client.delete(f"/api/tasks/{gone['id']}").status_code == 204

    page = changes(client)

    assert page["has_more"] is False
    assert page["changes"] == [{"op": "upsert", "task": task} for task in kept]


def test_a_user_without_tasks_gets_an_empty_feed_and_a_cursor(client: httpx.Client) -> None:
    page = changes(client)
    assert page["changes"] == [] and page["has_more"] is False
    task = create_task(client)
    assert changes(client, since=page["cursor"])["changes"] == [{"op": "upsert", "task": task}]


def test_since_gives_only_what_changed_after_it_as_it_is_now(client: httpx.Client) -> None:
    create_task(client, title="untouched")
    edited, deleted = create_task(client, title="edited"), create_task(client, title="deleted")
    cursor = changes(client)["cursor"]

    client.patch(f"/api/tasks/{edited['id']}", json={"title": "first edit"})
    now = client.patch(f"/api/tasks/{edited['id']}", json={"title": "second edit"}).json()
    assert client.delete(f"/api/tasks/{deleted['id']}").status_code == 204
    created = create_task(client, title="created")

    page = changes(client, since=cursor)

    assert page["changes"] == [
        {"op": "upsert", "task": now},
        {"op": "delete", "id": deleted["id"]},
        {"op": "upsert", "task": created},
    ]
    assert changes(client, since=page["cursor"])["changes"] == []


def test_changes_come_in_the_order_they_were_committed(client: httpx.Client) -> None:
    first, second, third = (create_task(client, title=name) for name in ("1", "2", "3"))
    cursor = changes(client)["cursor"]
    for task in (third, first, second):
        client.patch(f"/api/tasks/{task['id']}", json={"completed": True})

    ids = [change["task"]["id"] for change in changes(client, since=cursor)["changes"]]

    assert ids == [third["id"], first["id"], second["id"]]


def test_limit_pages_the_feed_and_has_more_says_when_to_ask_again(client: httpx.Client) -> None:
    created = [create_task(client, title=f"t{n}") for n in range(5)]

    first = changes(client, limit=2)
    second = changes(client, limit=2, since=first["cursor"])
    third = changes(client, limit=2, since=second["cursor"])

    assert (first["has_more"], second["has_more"], third["has_more"]) == (True, True, False)
    seen = [change["task"] for page in (first, second, third) for change in page["changes"]]
    assert seen == created
    assert changes(client, limit=2, since=third["cursor"])["changes"] == []


@pytest.mark.parametrize("limit", ["0", "1001", "-1", "many"])
def test_a_limit_outside_1_to_1000_is_422(client: httpx.Client, limit: str) -> None:
    assert_invalid(client.get("/api/tasks/changes", params={"limit": limit}), "limit")


def test_limit_1000_and_the_default_of_500_are_taken(client: httpx.Client) -> None:
    for _ in range(3):
        create_task(client)
    assert len(changes(client, limit=1000)["changes"]) == 3
    assert len(changes(client)["changes"]) == 3


def test_a_client_that_applies_every_page_holds_the_servers_tasks(client: httpx.Client) -> None:
    replica: Replica = {}
    cursor = sync(client, replica, limit=3)
    tasks = [create_task(client, title=f"t{n}", tags=["a"]) for n in range(7)]
    for task in tasks[:3]:
        client.patch(f"/api/tasks/{task['id']}", json={"completed": True, "priority": "high"})
    client.delete(f"/api/tasks/{tasks[3]['id']}")
    cursor = sync(client, replica, cursor, limit=2)
    assert replica == server_tasks(client)

    assert client.post("/api/tasks/clear-completed").json() == {"deleted": 3}
    assert client.post("/api/tasks/complete-all").json() == {"completed": 3}
    sync(client, replica, cursor, limit=2)

    assert replica == server_tasks(client)


def test_a_recurring_completion_shows_both_the_completed_task_and_its_next_occurrence(
    client: httpx.Client,
) -> None:
    task = create_task(client, due={"date": "2026-12-07"}, recurrence="FREQ=DAILY")
    cursor = changes(client)["cursor"]

    completed = client.patch(f"/api/tasks/{task['id']}/complete", json={"completed": True}).json()

    upserts = [change["task"] for change in changes(client, since=cursor)["changes"]]
    assert [t["id"] for t in upserts] == [completed["next_occurrence_id"], task["id"]]
    assert upserts[1] == completed


def test_another_users_changes_never_appear(client: httpx.Client, stranger: httpx.Client) -> None:
    cursor = changes(client)["cursor"]
    create_task(stranger, title="not yours")
    assert changes(client, since=cursor)["changes"] == []
    assert changes(client)["changes"] == []


def _forged(cursor: str, user_id: str, **change: Any) -> str:
    codec = CursorCodec(TEST_SECRET)
    return codec.encode(user_id, replace(codec.decode(user_id, cursor), **change))


def test_a_cursor_older_than_30_days_is_410_and_a_29_day_old_one_still_works(
    client: httpx.Client, user_id: str
) -> None:
    cursor = changes(client)["cursor"]
    now = datetime.now(UTC)

    old = _forged(cursor, user_id, issued_at=now - timedelta(days=30, minutes=1))
    recent = _forged(cursor, user_id, issued_at=now - timedelta(days=29))

    assert assert_problem(client.get("/api/tasks/changes", params={"since": old}), 410)["detail"]
    assert client.get("/api/tasks/changes", params={"since": recent}).status_code == 200


@pytest.mark.parametrize("cursor", ["", "garbage", "AAAA", "x" * 43, "%%%%"])
def test_a_cursor_that_is_not_ours_is_410(client: httpx.Client, cursor: str) -> None:
    assert_problem(client.get("/api/tasks/changes", params={"since": cursor}), 410)


def test_an_altered_cursor_is_410(client: httpx.Client) -> None:
    create_task(client)
    cursor = changes(client)["cursor"]
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw[7] ^= 1  # one bit of the position
    altered = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    assert_problem(client.get("/api/tasks/changes", params={"since": altered}), 410)


def test_another_users_cursor_is_410(client: httpx.Client, stranger: httpx.Client) -> None:
    create_task(stranger)
    theirs = changes(stranger)["cursor"]
    assert_problem(client.get("/api/tasks/changes", params={"since": theirs}), 410)


def test_cursors_are_opaque_and_say_nothing_of_the_user(client: httpx.Client, user_id: str) -> None:
    create_task(client)
    cursor = changes(client)["cursor"]
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    assert user_id not in cursor and user_id.encode() not in raw
    assert cursor.isascii() and all(char.isalnum() or char in "-_" for char in cursor)


def test_deletions_are_remembered_for_a_cursor_taken_before_them(client: httpx.Client) -> None:
    task = create_task(client)
    cursor = changes(client)["cursor"]
    client.delete(f"/api/tasks/{task['id']}")
    # Later pages of the same client, and a fresh full sync, agree that it is gone.
    assert changes(client, since=cursor)["changes"] == [{"op": "delete", "id": task["id"]}]
    assert changes(client)["changes"] == []

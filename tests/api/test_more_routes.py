"""GET /api/tags, the bulk routes and /api/me's task counts over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.api.helpers import assert_recent, create_task, fetch
from tests.api.v2 import listing_seed


def everything(client: httpx.Client) -> list[dict[str, Any]]:
    tasks: list[dict[str, Any]] = client.get("/api/tasks", params={"sort": "created_at", "limit": 500}).json()
    return tasks


@pytest.fixture
def seeded(client: httpx.Client) -> None:
    for body in listing_seed(datetime.now(UTC).date()):
        create_task(client, **body)


@pytest.mark.usefixtures("seeded")
def test_tags_by_name_ignoring_case_with_how_many_tasks_carry_each(
    client: httpx.Client, stranger: httpx.Client
) -> None:
    create_task(stranger, tags=["work", "secret"])
    response = client.get("/api/tags")
    assert response.status_code == 200
    assert response.json() == [
        {"name": "home", "count": 2},
        {"name": "later", "count": 1},
        {"name": "Work", "count": 3},
    ]


def test_tag_counts_follow_edits_and_deletes(client: httpx.Client) -> None:
    assert client.get("/api/tags").json() == []
    first = create_task(client, tags=["x", "y"])
    create_task(client, tags=["X"])
    client.patch(f"/api/tasks/{first['id']}", json={"tags": ["y"]})
    assert client.get("/api/tags").json() == [{"name": "X", "count": 1}, {"name": "y", "count": 1}]
    client.delete(f"/api/tasks/{first['id']}")
    assert client.get("/api/tags").json() == [{"name": "X", "count": 1}]


@pytest.mark.usefixtures("seeded")
def test_clear_completed_deletes_only_the_callers_completed_tasks(
    client: httpx.Client, stranger: httpx.Client
) -> None:
    theirs = create_task(stranger, completed=True)
    response = client.post("/api/tasks/clear-completed")
    assert response.status_code == 200
    assert response.json() == {"deleted": 1}
    assert [task["title"] for task in everything(client)] == ["a", "b", "c", "e"]
    assert fetch(stranger, theirs["id"]).json() == theirs
    assert client.post("/api/tasks/clear-completed").json() == {"deleted": 0}


@pytest.mark.usefixtures("seeded")
def test_complete_all_completes_only_the_callers_pending_tasks(
    client: httpx.Client, stranger: httpx.Client
) -> None:
    theirs = create_task(stranger)
    before = everything(client)
    response = client.post("/api/tasks/complete-all")
    assert response.status_code == 200
    assert response.json() == {"completed": 4}
    after = everything(client)
    assert [task["id"] for task in after] == [task["id"] for task in before]
    for old, new in zip(before, after, strict=True):
        assert new["completed"] is True
        if old["completed"]:
            assert new == old  # already done: untouched
        else:
            assert_recent(new["completed_at"])
    assert fetch(stranger, theirs["id"]).json() == theirs
    assert client.post("/api/tasks/complete-all").json() == {"completed": 0}


def test_complete_all_creates_the_next_occurrence_of_recurring_tasks(client: httpx.Client) -> None:
    weekly = create_task(client, due={"date": "2030-01-07"}, recurrence="FREQ=WEEKLY;COUNT=3")
    daily = create_task(client, due={"date": "2030-01-07"}, recurrence="FREQ=DAILY")
    assert client.post("/api/tasks/complete-all").json() == {"completed": 2}
    upcoming = {
        task["id"]: fetch(client, fetch(client, task["id"]).json()["next_occurrence_id"]).json()
        for task in (weekly, daily)
    }
    assert (upcoming[weekly["id"]]["due"]["date"], upcoming[weekly["id"]]["recurrence"]) == (
        "2030-01-14",
        "FREQ=WEEKLY;COUNT=2",
    )
    assert upcoming[daily["id"]]["due"]["date"] == "2030-01-08"
    assert all(task["completed"] is False for task in upcoming.values())
    assert len(everything(client)) == 4


@pytest.mark.usefixtures("seeded")
def test_me_counts_the_callers_tasks(client: httpx.Client, stranger: httpx.Client) -> None:
    create_task(stranger)
    assert client.get("/api/me").json()["tasks"] == {"total": 5, "completed": 1, "limit": 10000}
    client.post("/api/tasks/complete-all")
    assert client.get("/api/me").json()["tasks"] == {"total": 5, "completed": 5, "limit": 10000}
    client.post("/api/tasks/clear-completed")
    assert client.get("/api/me").json()["tasks"] == {"total": 0, "completed": 0, "limit": 10000}

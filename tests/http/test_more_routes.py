"""GET /api/tags, the bulk routes and /api/me's task counts; in process."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.v2 import CONTRACT_EXAMPLE_BODY, listing_seed
from tests.support.memory import T0


async def create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/api/tasks", json={"title": "a task", **fields})
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


async def everything(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    tasks: list[dict[str, Any]] = (await client.get("/api/tasks", params={"sort": "created_at"})).json()
    return tasks


@pytest.fixture
async def seeded(client: httpx.AsyncClient) -> None:
    for body in listing_seed(T0.date()):
        await create(client, **body)


@pytest.mark.usefixtures("seeded")
async def test_tags_are_listed_by_name_ignoring_case_with_how_many_tasks_carry_each(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    await create(stranger, tags=["work", "secret"])
    response = await client.get("/api/tags")
    assert response.status_code == 200
    # The first spelling used names the tag; completed tasks count too.
    assert response.json() == [
        {"name": "home", "count": 2},
        {"name": "later", "count": 1},
        {"name": "Work", "count": 3},
    ]


async def test_a_user_without_tags_has_an_empty_list(client: httpx.AsyncClient) -> None:
    await create(client)
    assert (await client.get("/api/tags")).json() == []


async def test_tag_counts_follow_edits_and_deletes(client: httpx.AsyncClient) -> None:
    first = await create(client, tags=["x", "y"])
    await create(client, tags=["X"])
    await client.patch(f"/api/tasks/{first['id']}", json={"tags": ["y"]})
    assert (await client.get("/api/tags")).json() == [{"name": "X", "count": 1}, {"name": "y", "count": 1}]
    await client.delete(f"/api/tasks/{first['id']}")
    assert (await client.get("/api/tags")).json() == [{"name": "X", "count": 1}]


@pytest.mark.usefixtures("seeded")
async def test_clear_completed_deletes_only_the_callers_completed_tasks(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    theirs = await create(stranger, completed=True)
    response = await client.post("/api/tasks/clear-completed")
    assert response.status_code == 200
    assert response.json() == {"deleted": 1}
    assert [task["title"] for task in await everything(client)] == ["a", "b", "c", "e"]
    assert (await stranger.get(f"/api/tasks/{theirs['id']}")).json() == theirs
    assert (await client.post("/api/tasks/clear-completed")).json() == {"deleted": 0}


@pytest.mark.usefixtures("seeded")
async def test_complete_all_completes_only_the_callers_pending_tasks(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    theirs = await create(stranger)
    done_before = {task["id"]: task for task in await everything(client) if task["completed"]}
    response = await client.post("/api/tasks/complete-all")
    assert response.status_code == 200
    assert response.json() == {"completed": 4}
    after = await everything(client)
    assert all(task["completed"] for task in after)
    assert all(
        task["completed_at"] == "2026-11-26T10:00:00.000Z" for task in after if task["id"] not in done_before
    )
    assert [task for task in after if task["id"] in done_before] == list(done_before.values())
    assert (await stranger.get(f"/api/tasks/{theirs['id']}")).json() == theirs
    assert (await client.post("/api/tasks/complete-all")).json() == {"completed": 0}


async def test_complete_all_creates_the_next_occurrence_of_recurring_tasks(client: httpx.AsyncClient) -> None:
    recurring = await create(client, **CONTRACT_EXAMPLE_BODY)
    await create(client, title="plain")
    assert (await client.post("/api/tasks/complete-all")).json() == {"completed": 2}
    done = (await client.get(f"/api/tasks/{recurring['id']}")).json()
    upcoming = (await client.get(f"/api/tasks/{done['next_occurrence_id']}")).json()
    assert (upcoming["completed"], upcoming["due"]["date"]) == (False, "2026-12-14")
    assert len(await everything(client)) == 3


@pytest.mark.usefixtures("seeded")
async def test_me_counts_the_callers_tasks(client: httpx.AsyncClient, stranger: httpx.AsyncClient) -> None:
    await create(stranger)
    assert (await client.get("/api/me")).json()["tasks"] == {"total": 5, "completed": 1, "limit": 10000}
    await client.post("/api/tasks/complete-all")
    assert (await client.get("/api/me")).json()["tasks"] == {"total": 5, "completed": 5, "limit": 10000}

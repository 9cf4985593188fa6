"""GET /api/tasks with the v2 filters and sorts, and X-Total-Count; in process."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.helpers import assert_invalid
from tests.api.v2 import BAD_LIST_PARAMETERS, SORT_CASES, filter_cases, listing_seed
from tests.support.memory import T0

TODAY = T0.date()


@pytest.fixture
async def seeded(client: httpx.AsyncClient, stranger: httpx.AsyncClient) -> None:
    for body in listing_seed(TODAY):
        assert (await client.post("/api/tasks", json=body)).status_code == 201
        assert (await stranger.post("/api/tasks", json=body)).status_code == 201  # never listed for us


async def titles(client: httpx.AsyncClient, **params: Any) -> tuple[list[str], int]:
    response = await client.get("/api/tasks", params=params)
    assert response.status_code == 200, response.text
    return [task["title"] for task in response.json()], int(response.headers["x-total-count"])


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(("params", "expected"), filter_cases(TODAY), ids=str)
async def test_filters_match_and_are_counted(
    client: httpx.AsyncClient, params: dict[str, Any], expected: list[str]
) -> None:
    assert await titles(client, sort="title", **params) == (expected, len(expected))


@pytest.mark.usefixtures("seeded")
async def test_the_count_is_of_every_match_not_the_page(client: httpx.AsyncClient) -> None:
    assert await titles(client, tag="work", sort="title", limit=1, offset=1) == (["b"], 3)


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(("sort", "expected"), SORT_CASES)
async def test_sorts_by_due_and_priority(client: httpx.AsyncClient, sort: str, expected: list[str]) -> None:
    assert await titles(client, sort=sort) == (expected, 5)


@pytest.mark.usefixtures("seeded")
async def test_a_sort_combines_with_filters(client: httpx.AsyncClient) -> None:
    assert await titles(client, sort="-due", has_due="true", status="pending") == (["e", "b", "a"], 3)


@pytest.mark.parametrize("sort", ["due", "-due", "priority", "-priority"])
async def test_ties_are_broken_by_id_so_paging_is_stable(client: httpx.AsyncClient, sort: str) -> None:
    for _ in range(3):
        await client.post(
            "/api/tasks", json={"title": "same", "priority": "low", "due": {"date": "2026-12-07"}}
        )
        await client.post("/api/tasks", json={"title": "same", "priority": "low"})
    listed = [task["id"] for task in (await client.get("/api/tasks", params={"sort": sort})).json()]
    one_by_one = []
    for offset in range(6):
        page = await client.get("/api/tasks", params={"sort": sort, "limit": 1, "offset": offset})
        one_by_one += [task["id"] for task in page.json()]
    assert one_by_one == listed
    if sort.endswith("priority"):
        assert listed in (sorted(listed), sorted(listed, reverse=True))


async def test_overdue_follows_the_clock_and_completion(client: httpx.AsyncClient, fixed_clock: Any) -> None:
    due = {"date": "2026-11-26", "time": "10:30", "time_zone": "UTC"}
    task = (await client.post("/api/tasks", json={"title": "soon", "due": due})).json()
    assert await titles(client, status="overdue") == ([], 0)
    fixed_clock.advance(minutes=31)
    assert await titles(client, status="overdue") == (["soon"], 1)
    await client.patch(f"/api/tasks/{task['id']}", json={"completed": True})
    assert await titles(client, status="overdue") == ([], 0)


@pytest.mark.parametrize(("param", "value"), BAD_LIST_PARAMETERS)
async def test_an_unknown_value_is_422_naming_the_parameter(
    client: httpx.AsyncClient, param: str, value: str
) -> None:
    errors = assert_invalid(await client.get("/api/tasks", params={param: value}), param)
    assert all(error["loc"][0] == "query" for error in errors), errors

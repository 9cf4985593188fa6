"""GET /api/tasks with the v2 filters and sorts over real HTTP; X-Total-Count counts the matches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.api.helpers import assert_invalid, create_task, one_backend
from tests.api.v2 import BAD_LIST_PARAMETERS, SORT_CASES, filter_cases, listing_seed

TODAY = datetime.now(UTC).date()


@pytest.fixture
def seeded(client: httpx.Client, stranger: httpx.Client) -> None:
    for body in listing_seed(TODAY):
        create_task(client, **body)
    create_task(stranger, **listing_seed(TODAY)[0])  # an overdue, tagged, urgent task that is not ours


def titles(client: httpx.Client, **params: Any) -> tuple[list[str], int]:
    response = client.get("/api/tasks", params=params)
    assert response.status_code == 200, response.text
    return [task["title"] for task in response.json()], int(response.headers["x-total-count"])


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(("params", "expected"), filter_cases(TODAY), ids=str)
def test_filters_match_and_are_counted(
    client: httpx.Client, params: dict[str, Any], expected: list[str]
) -> None:
    assert titles(client, sort="title", **params) == (expected, len(expected))


@pytest.mark.usefixtures("seeded")
def test_the_count_is_of_every_match_not_the_page(client: httpx.Client) -> None:
    assert titles(client, tag="work", sort="title", limit=1, offset=1) == (["b"], 3)
    assert titles(client, status="pending", sort="-priority", limit=2) == (["c", "b"], 4)


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(("sort", "expected"), SORT_CASES)
def test_sorts_by_due_and_by_priority(client: httpx.Client, sort: str, expected: list[str]) -> None:
    assert titles(client, sort=sort) == (expected, 5)


@pytest.mark.usefixtures("seeded")
def test_a_sort_combines_with_filters(client: httpx.Client) -> None:
    assert titles(client, sort="-due", has_due="true", status="pending") == (["e", "b", "a"], 3)
    assert titles(client, sort="due", tag="home") == (["a", "d"], 2)


@pytest.mark.parametrize("sort", ["due", "-due", "priority", "-priority"])
def test_ties_are_broken_by_id_so_paging_is_stable(client: httpx.Client, sort: str) -> None:
    for _ in range(3):
        create_task(client, title="same", priority="low", due={"date": "2030-01-01"})
        create_task(client, title="same", priority="low")
    listed = [task["id"] for task in client.get("/api/tasks", params={"sort": sort}).json()]
    one_by_one = [
        task["id"]
        for offset in range(6)
        for task in client.get("/api/tasks", params={"sort": sort, "limit": 1, "offset": offset}).json()
    ]
    assert one_by_one == listed
    if sort.endswith("priority"):
        assert listed in (sorted(listed), sorted(listed, reverse=True))


def test_overdue_is_pending_and_due_before_now(client: httpx.Client) -> None:
    soon = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=2)
    past = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    create_task(client, title="soon", due_date=soon.isoformat())
    late = create_task(client, title="late", due_date=past.isoformat())
    assert titles(client, status="overdue") == (["late"], 1)
    client.patch(f"/api/tasks/{late['id']}", json={"completed": True})
    assert titles(client, status="overdue") == ([], 0)


@one_backend
@pytest.mark.parametrize(("param", "value"), BAD_LIST_PARAMETERS)
def test_an_unknown_value_is_422_naming_the_parameter(client: httpx.Client, param: str, value: str) -> None:
    errors = assert_invalid(client.get("/api/tasks", params={param: value}), param)
    assert all(error["loc"][0] == "query" for error in errors), errors

"""GET /api/tasks: order, filters, search, paging and X-Total-Count."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.helpers import (
    TASK_FIELDS,
    assert_invalid,
    create_task,
    list_tasks,
    next_millisecond,
    one_backend,
    titles,
)


def _total(response: httpx.Response) -> int:
    assert response.status_code == 200, response.text
    return int(response.headers["x-total-count"])


def _create_all(client: httpx.Client, *names: str) -> list[dict[str, Any]]:
    return [create_task(client, title=name) for name in names]


def test_a_new_user_has_an_empty_list(client: httpx.Client) -> None:
    response = client.get("/api/tasks")
    assert response.json() == []
    assert _total(response) == 0


def test_the_default_order_is_newest_first(client: httpx.Client) -> None:
    created = _create_all(client, "first", "second", "third")
    listed = list_tasks(client)
    assert listed == list(reversed(created))
    assert all(set(task) == TASK_FIELDS for task in listed)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("created_at", ["banana", "apple", "cherry"]),
        ("-created_at", ["cherry", "apple", "banana"]),
        ("updated_at", ["apple", "cherry", "banana"]),
        ("-updated_at", ["banana", "cherry", "apple"]),
        ("title", ["apple", "banana", "cherry"]),
        ("-title", ["cherry", "banana", "apple"]),
    ],
)
def test_every_sort_orders_as_named(client: httpx.Client, sort: str, expected: list[str]) -> None:
    banana, _, _ = _create_all(client, "banana", "apple", "cherry")
    next_millisecond()
    assert client.patch(f"/api/tasks/{banana['id']}", json={"description": "touched"}).status_code == 200
    assert titles(list_tasks(client, sort=sort)) == expected


@pytest.mark.parametrize(
    "sort", ["title", "-title", "created_at", "-created_at", "updated_at", "-updated_at"]
)
def test_ties_are_broken_by_id_so_paging_is_stable(client: httpx.Client, sort: str) -> None:
    _create_all(client, *["same title"] * 4)
    listed = [task["id"] for task in list_tasks(client, sort=sort)]
    assert listed in (sorted(listed), sorted(listed, reverse=True))
    one_by_one = [
        task["id"] for offset in range(4) for task in list_tasks(client, sort=sort, limit=1, offset=offset)
    ]
    assert one_by_one == listed


def test_pages_join_up_to_the_whole_list(client: httpx.Client) -> None:
    _create_all(client, *[f"task {number}" for number in range(5)])
    whole = list_tasks(client)
    pages = [list_tasks(client, limit=2, offset=offset) for offset in (0, 2, 4)]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [task for page in pages for task in page] == whole


@pytest.mark.parametrize(
    ("status", "expected"),
    [("pending", ["open"]), ("completed", ["done"]), ("all", ["done", "open"]), (None, ["done", "open"])],
    ids=["pending", "completed", "all", "default-all"],
)
def test_status_filters_by_completion(client: httpx.Client, status: str | None, expected: list[str]) -> None:
    create_task(client, title="open")
    create_task(client, title="done", completed=True)
    params = {} if status is None else {"status": status}
    response = client.get("/api/tasks", params={**params, "sort": "title"})
    assert titles(response.json()) == expected
    assert _total(response) == len(expected)


def test_status_follows_completion_changes(client: httpx.Client) -> None:
    task = create_task(client, title="flips")
    assert client.patch(f"/api/tasks/{task['id']}/complete").status_code == 200
    assert titles(list_tasks(client, status="completed")) == ["flips"]
    assert list_tasks(client, status="pending") == []


SEARCHABLE = [
    {"title": "Buy MILK"},
    {"title": "Breakfast", "description": "oat Milk and cereal"},
    {"title": "Bread"},
    {"title": "100% done"},
    {"title": "100 percent"},
    {"title": "snake_case"},
    {"title": "snakeXcase"},
    {"title": "back\\slash"},
    {"title": "backslash"},
]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("milk", ["Breakfast", "Buy MILK"]),
        ("MiLk", ["Breakfast", "Buy MILK"]),
        ("cereal", ["Breakfast"]),
        ("%", ["100% done"]),
        ("0%", ["100% done"]),
        ("_", ["snake_case"]),
        ("e_c", ["snake_case"]),
        ("\\", ["back\\slash"]),
        ("nothing like it", []),
        ("", [task["title"] for task in sorted(SEARCHABLE, key=lambda task: task["title"].lower())]),
    ],
    ids=["lower", "mixed-case", "description-only", "percent", "percent-inside", "underscore",
         "underscore-inside", "backslash", "no-match", "empty-means-all"],
)  # fmt: skip
def test_q_is_a_literal_case_insensitive_substring_of_title_or_description(
    client: httpx.Client, q: str, expected: list[str]
) -> None:
    for fields in SEARCHABLE:
        create_task(client, **fields)
    response = client.get("/api/tasks", params={"q": q, "sort": "title"})
    assert titles(response.json()) == expected
    assert _total(response) == len(expected)


def test_x_total_count_counts_matches_before_paging(client: httpx.Client) -> None:
    for number in range(5):
        create_task(client, title=f"match {number}", completed=number % 2 == 0)
    create_task(client, title="other", completed=True)
    assert _total(client.get("/api/tasks", params={"limit": 1})) == 6
    assert _total(client.get("/api/tasks", params={"q": "match", "limit": 2, "offset": 1})) == 5
    response = client.get("/api/tasks", params={"q": "match", "status": "completed", "limit": 1})
    assert len(response.json()) == 1
    assert _total(response) == 3


@pytest.mark.parametrize("limit", [1, 2, 500])
def test_limit_caps_the_page(client: httpx.Client, limit: int) -> None:
    _create_all(client, "a", "b", "c")
    response = client.get("/api/tasks", params={"limit": limit})
    assert len(response.json()) == min(limit, 3)
    assert _total(response) == 3


@one_backend
def test_the_default_limit_is_100(client: httpx.Client) -> None:
    _create_all(client, *[f"task {number}" for number in range(101)])
    response = client.get("/api/tasks")
    assert len(response.json()) == 100
    assert _total(response) == 101


@pytest.mark.parametrize("offset", [3, 4, 10**6, 2**63, 10**30])
def test_an_offset_past_the_end_is_an_empty_page(client: httpx.Client, offset: int) -> None:
    _create_all(client, "a", "b", "c")
    response = client.get("/api/tasks", params={"offset": offset})
    assert response.json() == []
    assert _total(response) == 3


@one_backend
@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("limit", "0"),
        ("limit", "501"),
        ("limit", "-1"),
        ("limit", "ten"),
        ("limit", "1.5"),
        ("offset", "-1"),
        ("offset", "first"),
        ("sort", "name"),
        ("sort", "+title"),
        ("sort", "created"),
        ("sort", "id"),
        ("status", "done"),
        ("status", "open"),
        ("status", "true"),
        ("q", "a\x00b"),
    ],
)
def test_an_invalid_query_parameter_is_422_naming_it(client: httpx.Client, param: str, value: str) -> None:
    assert_invalid(client.get("/api/tasks", params={param: value}), param)

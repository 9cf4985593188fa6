"""The v2 task fields, in and out, their defaults and every rule they break; in process."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.helpers import TASK_FIELDS, V2_DEFAULTS, assert_invalid, assert_problem
from tests.api.v2 import (
    BAD_DUES,
    BAD_RECURRENCES,
    BAD_TAGS,
    CONTRACT_EXAMPLE,
    CONTRACT_EXAMPLE_BODY,
    MERGED_TAGS,
)


async def create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/api/tasks", json={"title": "a task", **fields})
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


async def fetch(client: httpx.AsyncClient, task_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/tasks/{task_id}")
    assert response.status_code == 200, response.text
    task: dict[str, Any] = response.json()
    return task


async def test_the_contracts_example_comes_back_exactly(client: httpx.AsyncClient) -> None:
    task = await create(client, **CONTRACT_EXAMPLE_BODY)
    expected = {
        **CONTRACT_EXAMPLE,
        "id": task["id"],
        "created_at": "2026-11-26T10:00:00.000Z",
        "updated_at": "2026-11-26T10:00:00.000Z",
    }
    assert task == expected
    assert list(task) == list(CONTRACT_EXAMPLE)  # the contract's order of members, too
    assert await fetch(client, task["id"]) == expected


async def test_a_v1_body_gets_the_v2_defaults_and_its_v1_fields_unchanged(client: httpx.AsyncClient) -> None:
    task = await create(client, title=" Buy milk ", description="2 l", completed=True)
    assert set(task) == TASK_FIELDS
    assert {name: task[name] for name in V2_DEFAULTS} == V2_DEFAULTS
    assert (task["title"], task["description"], task["completed"]) == ("Buy milk", "2 l", True)
    assert task["completed_at"] == "2026-11-26T10:00:00.000Z"


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
async def test_a_v1_edit_leaves_the_v2_fields_alone(client: httpx.AsyncClient, method: str) -> None:
    task = await create(client, **CONTRACT_EXAMPLE_BODY)
    response = await client.request(method, f"/api/tasks/{task['id']}", json={"title": "Renamed"})
    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited == {**task, "title": "Renamed", "updated_at": edited["updated_at"]}


@pytest.mark.parametrize("spelling", ["high", "High", "HIGH", "hIgH"])
async def test_priority_is_taken_in_any_letter_case_and_answered_in_lower_case(
    client: httpx.AsyncClient, spelling: str
) -> None:
    assert (await create(client, priority=spelling))["priority"] == "high"


@pytest.mark.parametrize("priority", ["none", "low", "medium", "high", "urgent"])
async def test_every_priority(client: httpx.AsyncClient, priority: str) -> None:
    assert (await create(client, priority=priority))["priority"] == priority


@pytest.mark.parametrize(("given", "stored"), MERGED_TAGS)
async def test_tags_are_trimmed_merged_by_case_and_kept_in_order(
    client: httpx.AsyncClient, given: list[str], stored: list[str]
) -> None:
    assert (await create(client, tags=given))["tags"] == stored


async def test_an_all_day_due_falls_due_at_the_next_midnight_of_its_zone(client: httpx.AsyncClient) -> None:
    in_utc = await create(client, due={"date": "2026-12-07"})
    assert in_utc["due"] == {"date": "2026-12-07", "at": "2026-12-08T00:00:00.000Z"}
    in_tokyo = await create(client, due={"date": "2026-12-07", "time_zone": "Asia/Tokyo"})
    assert in_tokyo["due"] == {
        "date": "2026-12-07",
        "time_zone": "Asia/Tokyo",
        "at": "2026-12-07T15:00:00.000Z",
    }


async def test_at_is_ignored_on_input(client: httpx.AsyncClient) -> None:
    task = await create(client, due={"date": "2026-12-07", "at": "1999-01-01T00:00:00.000Z"})
    assert task["due"]["at"] == "2026-12-08T00:00:00.000Z"


async def test_a_timed_due_in_new_york(client: httpx.AsyncClient) -> None:
    task = await create(client, due={"date": "2026-07-04", "time": "18:45", "time_zone": "America/New_York"})
    assert task["due"]["at"] == "2026-07-04T22:45:00.000Z"


@pytest.mark.parametrize(
    ("due_date", "due"),
    [
        ("2026-12-07", {"date": "2026-12-07", "at": "2026-12-08T00:00:00.000Z"}),
        (
            "2026-12-07T09:30:00+01:00",
            {"date": "2026-12-07", "time": "08:30", "time_zone": "UTC", "at": "2026-12-07T08:30:00.000Z"},
        ),
        (
            "2026-12-07T23:30:00.000-02:00",
            {"date": "2026-12-08", "time": "01:30", "time_zone": "UTC", "at": "2026-12-08T01:30:00.000Z"},
        ),
    ],
)
async def test_due_date_is_a_shorthand_for_due(
    client: httpx.AsyncClient, due_date: str, due: dict[str, str]
) -> None:
    task = await create(client, due_date=due_date)
    assert task["due"] == due
    assert "due_date" not in task
    patched = await client.patch(f"/api/tasks/{task['id']}", json={"due_date": None})
    assert patched.json()["due"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"due_date": "2026-12-07T09:30:15Z"},  # seconds must be zero
        {"due_date": "2026-12-07T09:30:00"},  # an instant needs its offset
        {"due_date": "tomorrow"},
        {"due_date": "2026-02-30"},
        {"due_date": 20261207},
        {"due_date": "2026-12-07", "due": {"date": "2026-12-07"}},
        {"due_date": None, "due": None},
    ],
)
async def test_a_bad_due_date_is_422(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    assert_invalid(await client.post("/api/tasks", json={"title": "t", **body}), "due_date")
    assert (await client.get("/api/tasks")).json() == []


async def test_remind_at_takes_any_offset_and_answers_in_utc(client: httpx.AsyncClient) -> None:
    task = await create(client, remind_at="2026-12-07T09:15:00+01:00")
    assert task["remind_at"] == "2026-12-07T08:15:00.000Z"
    lower_case = await create(client, remind_at="2026-12-07t08:15:00.5z")
    assert lower_case["remind_at"] == "2026-12-07T08:15:00.500Z"
    cleared = await client.patch(f"/api/tasks/{task['id']}", json={"remind_at": None})
    assert cleared.json()["remind_at"] is None


@pytest.mark.parametrize("remind_at", ["2026-12-07T08:15:00", "2026-12-07", "soon", 1765095300, True])
async def test_a_remind_at_without_an_offset_or_not_a_time_is_422(
    client: httpx.AsyncClient, remind_at: object
) -> None:
    assert_invalid(await client.post("/api/tasks", json={"title": "t", "remind_at": remind_at}), "remind_at")


@pytest.mark.parametrize("tags", BAD_TAGS)
async def test_bad_tags_are_422(client: httpx.AsyncClient, tags: object) -> None:
    assert_invalid(await client.post("/api/tasks", json={"title": "t", "tags": tags}), "tags")


@pytest.mark.parametrize("due", BAD_DUES)
async def test_bad_dues_are_422(client: httpx.AsyncClient, due: object) -> None:
    assert_invalid(await client.post("/api/tasks", json={"title": "t", "due": due}), "due")


@pytest.mark.parametrize(("body", "field"), BAD_RECURRENCES)
async def test_bad_recurrences_are_422(client: httpx.AsyncClient, body: dict[str, Any], field: str) -> None:
    assert_invalid(await client.post("/api/tasks", json={"title": "t", **body}), field)
    assert (await client.get("/api/tasks")).json() == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("priority", "critical"),
        ("priority", None),
        ("priority", 3),
        ("repeat_from", "Due"),
        ("repeat_from", "creation"),
        ("repeat_from", None),
        ("tags", None),
        ("recurrence", 5),
    ],
)
async def test_other_bad_values_are_422_naming_the_field(
    client: httpx.AsyncClient, field: str, value: object
) -> None:
    task = await create(client)
    assert_invalid(await client.post("/api/tasks", json={"title": "t", field: value}), field)
    assert_invalid(await client.patch(f"/api/tasks/{task['id']}", json={field: value}), field)
    assert await fetch(client, task["id"]) == task


class TestEditing:
    async def test_a_partial_put_keeps_what_it_omits(self, client: httpx.AsyncClient) -> None:
        task = await create(client, **CONTRACT_EXAMPLE_BODY)
        response = await client.put(f"/api/tasks/{task['id']}", json={"priority": "low"})
        assert response.status_code == 200, response.text
        assert response.json() == {**task, "priority": "low", "updated_at": response.json()["updated_at"]}

    @pytest.mark.parametrize("method", ["PUT", "PATCH"])
    @pytest.mark.parametrize("body", [{}, {"unknown": 1}, {"id": 7, "created_at": "2020-01-01T00:00:00Z"}])
    async def test_a_body_naming_no_known_field_is_422(
        self, client: httpx.AsyncClient, method: str, body: dict[str, Any]
    ) -> None:
        task = await create(client)
        assert_invalid(await client.request(method, f"/api/tasks/{task['id']}", json=body))
        assert await fetch(client, task["id"]) == task

    @pytest.mark.parametrize("method", ["PUT", "PATCH"])
    async def test_null_and_empty_clear(self, client: httpx.AsyncClient, method: str) -> None:
        task = await create(client, **CONTRACT_EXAMPLE_BODY)
        body = {"due": None, "recurrence": None, "remind_at": None, "tags": []}
        cleared = (await client.request(method, f"/api/tasks/{task['id']}", json=body)).json()
        assert (cleared["due"], cleared["recurrence"], cleared["remind_at"], cleared["tags"]) == (
            None,
            None,
            None,
            [],
        )
        assert (cleared["priority"], cleared["repeat_from"]) == ("high", "due")

    async def test_the_due_is_replaced_whole_never_merged(self, client: httpx.AsyncClient) -> None:
        task = await create(client, due={"date": "2026-12-07", "time": "09:30", "time_zone": "Europe/Berlin"})
        patched = await client.patch(f"/api/tasks/{task['id']}", json={"due": {"date": "2026-12-09"}})
        assert patched.json()["due"] == {"date": "2026-12-09", "at": "2026-12-10T00:00:00.000Z"}

    async def test_clearing_the_due_of_a_recurring_task_is_422_unless_recurrence_goes_too(
        self, client: httpx.AsyncClient
    ) -> None:
        task = await create(client, **CONTRACT_EXAMPLE_BODY)
        for body in ({"due": None}, {"due_date": None}):
            assert_invalid(await client.patch(f"/api/tasks/{task['id']}", json=body), "due")
        assert await fetch(client, task["id"]) == task
        cleared = await client.patch(f"/api/tasks/{task['id']}", json={"due": None, "recurrence": None})
        assert cleared.status_code == 200, cleared.text

    async def test_a_recurrence_on_a_task_without_due_is_422(self, client: httpx.AsyncClient) -> None:
        task = await create(client)
        assert_invalid(await client.patch(f"/api/tasks/{task['id']}", json={"recurrence": "FREQ=DAILY"}))
        assert await fetch(client, task["id"]) == task

    async def test_moving_the_due_past_until_is_422(self, client: httpx.AsyncClient) -> None:
        task = await create(client, due={"date": "2026-12-07"}, recurrence="FREQ=DAILY;UNTIL=20261231")
        response = await client.patch(f"/api/tasks/{task['id']}", json={"due": {"date": "2027-01-05"}})
        assert_invalid(response, "recurrence")

    async def test_a_recurrence_is_answered_normalised(self, client: httpx.AsyncClient) -> None:
        task = await create(client, due={"date": "2026-12-07"}, recurrence="freq=weekly;byday=mo")
        assert task["recurrence"] == "FREQ=WEEKLY;BYDAY=MO"

    async def test_an_unknown_path_id_is_still_404_with_a_valid_v2_body(
        self, client: httpx.AsyncClient
    ) -> None:
        assert_problem(await client.patch("/api/tasks/999", json={"priority": "low"}), 404)

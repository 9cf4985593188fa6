"""The v2 task fields over real HTTP: in and out, defaults for v1 clients, and every rule."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.api.helpers import (
    TASK_FIELDS,
    V2_DEFAULTS,
    assert_invalid,
    assert_recent,
    create_task,
    fetch,
    one_backend,
)
from tests.api.v2 import (
    BAD_DUES,
    BAD_RECURRENCES,
    BAD_TAGS,
    CONTRACT_EXAMPLE,
    CONTRACT_EXAMPLE_BODY,
    MERGED_TAGS,
)


def test_the_contracts_example_is_stored_and_read_back_exactly(client: httpx.Client) -> None:
    task = create_task(client, **CONTRACT_EXAMPLE_BODY)
    times = {"id": task["id"], "created_at": task["created_at"], "updated_at": task["updated_at"]}
    assert task == {**CONTRACT_EXAMPLE, **times}
    assert list(task) == list(CONTRACT_EXAMPLE)
    assert re.fullmatch(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z", task["created_at"]
    )
    assert_recent(task["created_at"])
    assert fetch(client, task["id"]).json() == task
    assert client.get("/api/tasks").json() == [task]


def test_a_v1_client_gets_the_v2_defaults_and_its_fields_unchanged(client: httpx.Client) -> None:
    task = create_task(client, title=" Buy milk ", description="2 l")
    assert set(task) == TASK_FIELDS
    assert {name: task[name] for name in V2_DEFAULTS} == V2_DEFAULTS
    assert (task["title"], task["description"], task["completed"], task["completed_at"]) == (
        "Buy milk",
        "2 l",
        False,
        None,
    )
    done = client.patch(f"/api/tasks/{task['id']}/complete").json()
    assert_recent(done["completed_at"])
    assert {name: done[name] for name in V2_DEFAULTS} == V2_DEFAULTS


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_a_v1_edit_leaves_the_v2_fields_alone(client: httpx.Client, method: str) -> None:
    task = create_task(client, **CONTRACT_EXAMPLE_BODY)
    edited = client.request(method, f"/api/tasks/{task['id']}", json={"title": "Renamed"}).json()
    assert edited == {**task, "title": "Renamed", "updated_at": edited["updated_at"]}


@pytest.mark.parametrize("spelling", ["low", "High", "URGENT", "mEdIuM", "None"])
def test_priority_in_any_case_is_answered_in_lower_case(client: httpx.Client, spelling: str) -> None:
    task = create_task(client, priority=spelling)
    assert task["priority"] == spelling.lower()
    assert fetch(client, task["id"]).json()["priority"] == spelling.lower()


@pytest.mark.parametrize(("given", "stored"), MERGED_TAGS)
def test_tags_are_trimmed_merged_by_case_and_kept_in_order(
    client: httpx.Client, given: list[str], stored: list[str]
) -> None:
    task = create_task(client, tags=given)
    assert task["tags"] == stored
    assert fetch(client, task["id"]).json()["tags"] == stored


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ({"date": "2026-12-07"}, {"date": "2026-12-07", "at": "2026-12-08T00:00:00.000Z"}),
        (
            {"date": "2026-12-07", "time_zone": "Asia/Tokyo"},
            {"date": "2026-12-07", "time_zone": "Asia/Tokyo", "at": "2026-12-07T15:00:00.000Z"},
        ),
        (
            {"date": "2026-07-04", "time": "18:45", "time_zone": "America/New_York", "at": "ignored"},
            {
                "date": "2026-07-04",
                "time": "18:45",
                "time_zone": "America/New_York",
                "at": "2026-07-04T22:45:00.000Z",
            },
        ),
        (
            {"date": "9999-12-31", "time": "23:59", "time_zone": "UTC"},
            {"date": "9999-12-31", "time": "23:59", "time_zone": "UTC", "at": "9999-12-31T23:59:00.000Z"},
        ),
        ({"date": "1970-01-01"}, {"date": "1970-01-01", "at": "1970-01-02T00:00:00.000Z"}),
    ],
)
def test_dues_are_stored_and_read_back(
    client: httpx.Client, due: dict[str, str], expected: dict[str, str]
) -> None:
    task = create_task(client, due=due)
    assert task["due"] == expected
    assert fetch(client, task["id"]).json()["due"] == expected


@pytest.mark.parametrize(
    ("due_date", "due"),
    [
        ("2026-12-07", {"date": "2026-12-07", "at": "2026-12-08T00:00:00.000Z"}),
        (
            "2026-12-07T09:30:00+01:00",
            {"date": "2026-12-07", "time": "08:30", "time_zone": "UTC", "at": "2026-12-07T08:30:00.000Z"},
        ),
        (
            "2026-12-07T08:30:00.000Z",
            {"date": "2026-12-07", "time": "08:30", "time_zone": "UTC", "at": "2026-12-07T08:30:00.000Z"},
        ),
    ],
)
def test_due_date_is_a_shorthand_for_due(client: httpx.Client, due_date: str, due: dict[str, str]) -> None:
    task = create_task(client, due_date=due_date)
    assert task["due"] == due
    assert "due_date" not in task
    patched = client.patch(f"/api/tasks/{task['id']}", json={"due_date": None})
    assert patched.json()["due"] is None
    put = client.put(f"/api/tasks/{task['id']}", json={"due_date": due_date})
    assert fetch(client, task["id"]).json()["due"] == put.json()["due"] == due


@one_backend
@pytest.mark.parametrize(
    "body",
    [
        {"due_date": "2026-12-07T09:30:15Z"},
        {"due_date": "2026-12-07T09:30:00"},
        {"due_date": "next week"},
        {"due_date": "2026-02-30"},
        {"due_date": 20261207},
        {"due_date": "2026-12-07", "due": {"date": "2026-12-07"}},
    ],
)
def test_a_bad_due_date_is_422_and_creates_nothing(client: httpx.Client, body: dict[str, Any]) -> None:
    assert_invalid(client.post("/api/tasks", json={"title": "t", **body}), "due_date")
    assert client.get("/api/tasks").json() == []


def test_remind_at_takes_any_offset_and_answers_in_utc(client: httpx.Client) -> None:
    task = create_task(client, remind_at="2026-12-07T09:15:00+01:00")
    assert task["remind_at"] == "2026-12-07T08:15:00.000Z"
    assert fetch(client, task["id"]).json()["remind_at"] == "2026-12-07T08:15:00.000Z"
    cleared = client.patch(f"/api/tasks/{task['id']}", json={"remind_at": None}).json()
    assert cleared["remind_at"] is None


@one_backend
@pytest.mark.parametrize("remind_at", ["2026-12-07T08:15:00", "2026-12-07", "soon", 1765095300])
def test_a_remind_at_without_an_offset_is_422(client: httpx.Client, remind_at: object) -> None:
    assert_invalid(client.post("/api/tasks", json={"title": "t", "remind_at": remind_at}), "remind_at")


@one_backend
@pytest.mark.parametrize("tags", BAD_TAGS)
def test_bad_tags_are_422(client: httpx.Client, tags: object) -> None:
    assert_invalid(client.post("/api/tasks", json={"title": "t", "tags": tags}), "tags")
    assert client.get("/api/tasks").json() == []


@one_backend
@pytest.mark.parametrize("due", BAD_DUES)
def test_bad_dues_are_422(client: httpx.Client, due: object) -> None:
    assert_invalid(client.post("/api/tasks", json={"title": "t", "due": due}), "due")


@one_backend
@pytest.mark.parametrize(("body", "field"), BAD_RECURRENCES)
def test_bad_recurrences_are_422(client: httpx.Client, body: dict[str, Any], field: str) -> None:
    assert_invalid(client.post("/api/tasks", json={"title": "t", **body}), field)
    assert client.get("/api/tasks").json() == []


@one_backend
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("priority", "critical"),
        ("priority", None),
        ("repeat_from", "Due"),
        ("repeat_from", None),
        ("tags", None),
    ],
)
def test_other_bad_values_are_422_and_change_nothing(client: httpx.Client, field: str, value: object) -> None:
    task = create_task(client)
    assert_invalid(client.patch(f"/api/tasks/{task['id']}", json={field: value}), field)
    assert fetch(client, task["id"]).json() == task


class TestEditing:
    def test_a_partial_put_keeps_what_it_omits(self, client: httpx.Client) -> None:
        task = create_task(client, **CONTRACT_EXAMPLE_BODY)
        response = client.put(
            f"/api/tasks/{task['id']}", json={"priority": "Low", "repeat_from": "completion"}
        )
        assert response.status_code == 200, response.text
        changed = {
            **task,
            "priority": "low",
            "repeat_from": "completion",
            "updated_at": response.json()["updated_at"],
        }
        assert response.json() == changed
        assert fetch(client, task["id"]).json() == changed

    @pytest.mark.parametrize("method", ["PUT", "PATCH"])
    def test_null_and_empty_clear(self, client: httpx.Client, method: str) -> None:
        task = create_task(client, **CONTRACT_EXAMPLE_BODY)
        body = {"due": None, "recurrence": None, "remind_at": None, "tags": []}
        assert client.request(method, f"/api/tasks/{task['id']}", json=body).status_code == 200
        stored = fetch(client, task["id"]).json()
        assert {name: stored[name] for name in body} == body
        assert (stored["priority"], stored["title"]) == ("high", "Team sync")

    def test_every_field_can_be_set_by_patch(self, client: httpx.Client) -> None:
        task = create_task(client)
        body = {**CONTRACT_EXAMPLE_BODY, "repeat_from": "completion", "description": "d"}
        patched = client.patch(f"/api/tasks/{task['id']}", json=body).json()
        expected = {**CONTRACT_EXAMPLE, "repeat_from": "completion", "description": "d"}
        assert {name: patched[name] for name in body} == {name: expected[name] for name in body}

    def test_the_due_is_replaced_whole(self, client: httpx.Client) -> None:
        task = create_task(client, due={"date": "2026-12-07", "time": "09:30", "time_zone": "Europe/Berlin"})
        patched = client.patch(f"/api/tasks/{task['id']}", json={"due": {"date": "2026-12-09"}})
        assert patched.json()["due"] == {"date": "2026-12-09", "at": "2026-12-10T00:00:00.000Z"}

    def test_clearing_the_due_of_a_recurring_task_is_422_unless_recurrence_goes_too(
        self, client: httpx.Client
    ) -> None:
        task = create_task(client, **CONTRACT_EXAMPLE_BODY)
        assert_invalid(client.patch(f"/api/tasks/{task['id']}", json={"due": None}), "due")
        assert_invalid(client.put(f"/api/tasks/{task['id']}", json={"due_date": None}), "due")
        assert fetch(client, task["id"]).json() == task
        assert (
            client.patch(f"/api/tasks/{task['id']}", json={"due": None, "recurrence": None}).status_code
            == 200
        )

    def test_a_recurrence_on_a_task_without_due_is_422(self, client: httpx.Client) -> None:
        task = create_task(client)
        assert_invalid(
            client.patch(f"/api/tasks/{task['id']}", json={"recurrence": "FREQ=DAILY"}), "recurrence"
        )
        assert fetch(client, task["id"]).json() == task

    def test_a_due_moved_past_until_is_422(self, client: httpx.Client) -> None:
        task = create_task(client, due={"date": "2026-12-07"}, recurrence="FREQ=DAILY;UNTIL=20261231")
        assert_invalid(
            client.patch(f"/api/tasks/{task['id']}", json={"due": {"date": "2027-01-05"}}), "recurrence"
        )
        assert fetch(client, task["id"]).json() == task

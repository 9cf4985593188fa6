"""Completing a recurring task over real HTTP: the next occurrence, in the same transaction, linked."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.api.helpers import assert_recent, create_task, fetch

# A Monday-morning meeting in Berlin; the following Monday is the first of summer time.
WEEKLY_SYNC: dict[str, Any] = {
    "title": "Team sync",
    "description": "agenda in the doc",
    "priority": "High",
    "tags": ["work", "meetings"],
    "due": {"date": "2031-03-24", "time": "09:30", "time_zone": "Europe/Berlin"},
    "recurrence": "FREQ=WEEKLY;BYDAY=MO",
    "remind_at": "2031-03-24T08:15:00Z",  # a quarter of an hour before 09:30 CET
}
COMPLETIONS = [
    pytest.param("PATCH", "/api/tasks/{id}", {"completed": True}, id="PATCH"),
    pytest.param("PUT", "/api/tasks/{id}", {"completed": True}, id="PUT"),
    pytest.param("PATCH", "/api/tasks/{id}/complete", {"completed": True}, id="complete"),
    pytest.param("PATCH", "/api/tasks/{id}/complete", None, id="complete-toggle"),
]


def complete(client: httpx.Client, task_id: int) -> httpx.Response:
    response = client.patch(f"/api/tasks/{task_id}", json={"completed": True})
    assert response.status_code == 200, response.text
    return response


def next_id(response: httpx.Response) -> int:
    link = response.headers["link"]
    assert link.startswith("</api/tasks/") and link.endswith('>; rel="next"'), link
    return int(link.removeprefix("</api/tasks/").removesuffix('>; rel="next"'))


def count(client: httpx.Client) -> int:
    return int(client.get("/api/tasks").headers["x-total-count"])


@pytest.mark.parametrize(("method", "path", "body"), COMPLETIONS)
def test_completing_creates_the_next_occurrence_with_the_same_fields(
    client: httpx.Client, method: str, path: str, body: dict[str, Any] | None
) -> None:
    task = create_task(client, **WEEKLY_SYNC)
    response = client.request(method, path.format(id=task["id"]), json=body)
    assert response.status_code == 200, response.text
    done = response.json()
    upcoming_id = next_id(response)
    assert (done["completed"], done["due"], done["next_occurrence_id"]) == (True, task["due"], upcoming_id)
    assert_recent(done["completed_at"])
    assert fetch(client, task["id"]).json() == done

    upcoming = fetch(client, upcoming_id).json()
    assert upcoming == {
        **task,
        "id": upcoming_id,
        # 09:30 on the wall clock, now in summer time; the reminder keeps its quarter of an hour.
        "due": {
            "date": "2031-03-31",
            "time": "09:30",
            "time_zone": "Europe/Berlin",
            "at": "2031-03-31T07:30:00.000Z",
        },
        "remind_at": "2031-03-31T07:15:00.000Z",
        "created_at": upcoming["created_at"],
        "updated_at": upcoming["updated_at"],
    }
    assert_recent(upcoming["created_at"])
    assert count(client) == 2


def test_a_task_left_undone_for_a_week_comes_back_once_after_now(client: httpx.Client) -> None:
    week_ago = datetime.now(UTC).date() - timedelta(days=7)
    due = {"date": week_ago.isoformat(), "time": "08:00", "time_zone": "UTC"}
    task = create_task(client, due=due, recurrence="FREQ=DAILY")
    before = datetime.now(UTC)
    upcoming = fetch(client, next_id(complete(client, task["id"]))).json()
    after = datetime.now(UTC)
    at = datetime.fromisoformat(upcoming["due"]["at"])
    assert before - timedelta(seconds=1) < at <= after + timedelta(days=1), at
    assert count(client) == 2


def test_water_the_plants_three_days_after_i_last_did(client: httpx.Client) -> None:
    """repeat_from=completion: the next is three days after the day of completion, in the task's zone."""
    berlin = ZoneInfo("Europe/Berlin")
    due = {"date": "2030-01-02", "time": "18:00", "time_zone": "Europe/Berlin"}
    task = create_task(
        client,
        title="Water the plants",
        due=due,
        recurrence="FREQ=DAILY;INTERVAL=3",
        repeat_from="completion",
    )
    days = {datetime.now(berlin).date()}
    upcoming = fetch(client, next_id(complete(client, task["id"]))).json()
    days.add(datetime.now(berlin).date())
    assert date.fromisoformat(upcoming["due"]["date"]) in {day + timedelta(days=3) for day in days}
    assert upcoming["due"]["time"] == "18:00"
    assert (upcoming["repeat_from"], upcoming["recurrence"]) == ("completion", "FREQ=DAILY;INTERVAL=3")


def test_count_goes_down_and_the_last_one_ends_the_series(client: httpx.Client) -> None:
    task = create_task(client, due={"date": "2030-01-07"}, recurrence="FREQ=WEEKLY;COUNT=2")
    second = fetch(client, next_id(complete(client, task["id"]))).json()
    assert (second["due"]["date"], second["recurrence"]) == ("2030-01-14", "FREQ=WEEKLY;COUNT=1")
    last = complete(client, second["id"])
    assert "link" not in last.headers
    assert last.json()["next_occurrence_id"] is None
    assert count(client) == 2


def test_until_ends_the_series(client: httpx.Client) -> None:
    task = create_task(client, due={"date": "2030-01-07"}, recurrence="FREQ=WEEKLY;UNTIL=20300113")
    assert "link" not in complete(client, task["id"]).headers
    assert count(client) == 1


def test_reopening_and_completing_again_creates_nothing_new(client: httpx.Client) -> None:
    task = create_task(client, **WEEKLY_SYNC)
    upcoming_id = next_id(complete(client, task["id"]))
    reopened = client.patch(f"/api/tasks/{task['id']}/complete").json()
    assert (reopened["completed"], reopened["completed_at"], reopened["next_occurrence_id"]) == (
        False,
        None,
        upcoming_id,
    )
    for again in (complete(client, task["id"]), client.patch(f"/api/tasks/{task['id']}/complete")):
        assert "link" not in again.headers
    assert fetch(client, task["id"]).json()["next_occurrence_id"] == upcoming_id
    assert count(client) == 2


def test_edits_that_do_not_complete_create_nothing(client: httpx.Client) -> None:
    task = create_task(client, **WEEKLY_SYNC)
    response = client.put(f"/api/tasks/{task['id']}", json={"title": "Team sync (moved)", "completed": False})
    assert "link" not in response.headers
    done_already = create_task(client, **{**WEEKLY_SYNC, "completed": True})
    assert "link" not in complete(client, done_already["id"]).headers
    assert count(client) == 2


def test_deleting_either_task_leaves_the_other_alone(client: httpx.Client) -> None:
    first = create_task(client, **WEEKLY_SYNC)
    second_id = next_id(complete(client, first["id"]))
    third_id = next_id(complete(client, second_id))
    assert client.delete(f"/api/tasks/{second_id}").status_code == 204
    assert fetch(client, first["id"]).json()["next_occurrence_id"] == second_id
    assert fetch(client, third_id).json()["completed"] is False
    assert client.delete(f"/api/tasks/{third_id}").status_code == 204
    assert fetch(client, first["id"]).json()["completed"] is True


def test_occurrences_belong_to_the_caller_alone(client: httpx.Client, stranger: httpx.Client) -> None:
    task = create_task(client, **WEEKLY_SYNC)
    upcoming_id = next_id(complete(client, task["id"]))
    assert stranger.get(f"/api/tasks/{upcoming_id}").status_code == 404
    assert stranger.get("/api/tasks").json() == []

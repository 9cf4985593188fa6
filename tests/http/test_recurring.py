"""Completing a recurring task creates its next occurrence, linked from the answer; in process."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from entrypoints.http.app import create_app
from tests.api.helpers import assert_problem
from tests.api.v2 import CONTRACT_EXAMPLE_BODY
from tests.support.memory import FixedClock, asgi_client, build_memory_container, memory_settings

# How each route completes a task: PATCH and PUT with the field, /complete with a body or by toggling.
COMPLETIONS = [
    pytest.param("PATCH", "/api/tasks/{id}", {"completed": True}, id="PATCH"),
    pytest.param("PUT", "/api/tasks/{id}", {"completed": True}, id="PUT"),
    pytest.param("PATCH", "/api/tasks/{id}/complete", {"completed": True}, id="complete"),
    pytest.param("PATCH", "/api/tasks/{id}/complete", None, id="complete-toggle"),
]


async def create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/api/tasks", json={"title": "a task", **fields})
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


async def complete(client: httpx.AsyncClient, task_id: int) -> httpx.Response:
    response = await client.patch(f"/api/tasks/{task_id}", json={"completed": True})
    assert response.status_code == 200, response.text
    return response


def next_id(response: httpx.Response) -> int:
    """The occurrence named by `Link: </api/tasks/{id}>; rel="next"`."""
    link = response.headers["link"]
    assert link.startswith("</api/tasks/") and link.endswith('>; rel="next"'), link
    return int(link.removeprefix("</api/tasks/").removesuffix('>; rel="next"'))


@pytest.mark.parametrize(("method", "path", "body"), COMPLETIONS)
async def test_completing_creates_the_next_occurrence_and_links_to_it(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    """The worked example: weekly on Monday at 09:30 in Berlin, reminded 15 minutes before."""
    task = await create(client, **CONTRACT_EXAMPLE_BODY, description="agenda in the doc")
    response = await client.request(method, path.format(id=task["id"]), json=body)
    assert response.status_code == 200, response.text
    done = response.json()
    upcoming_id = next_id(response)
    assert done["completed"] is True
    assert done["completed_at"] == "2026-11-26T10:00:00.000Z"
    assert done["due"] == task["due"]  # the completed task keeps its own due
    assert done["next_occurrence_id"] == upcoming_id != task["id"]

    upcoming = (await client.get(f"/api/tasks/{upcoming_id}")).json()
    assert upcoming == {
        **task,
        "id": upcoming_id,
        "due": {
            "date": "2026-12-14",
            "time": "09:30",
            "time_zone": "Europe/Berlin",
            "at": "2026-12-14T08:30:00.000Z",
        },
        "remind_at": "2026-12-14T08:15:00.000Z",
    }


async def test_the_wall_clock_time_holds_across_a_dst_change(client: httpx.AsyncClient) -> None:
    due = {"date": "2027-03-22", "time": "09:30", "time_zone": "Europe/Berlin"}  # CET, UTC+1
    task = await create(client, due=due, recurrence="FREQ=WEEKLY;BYDAY=MO")
    upcoming = (await client.get(f"/api/tasks/{next_id(await complete(client, task['id']))}")).json()
    assert upcoming["due"] == {**due, "date": "2027-03-29", "at": "2027-03-29T07:30:00.000Z"}  # CEST


async def test_an_all_day_due_repeats_by_date(client: httpx.AsyncClient) -> None:
    task = await create(
        client, due={"date": "2026-01-31", "time_zone": "Pacific/Auckland"}, recurrence="FREQ=MONTHLY"
    )
    upcoming = (await client.get(f"/api/tasks/{next_id(await complete(client, task['id']))}")).json()
    # Months without a 31st are skipped (RFC 5545), and the first after today is December's.
    assert upcoming["due"]["date"] == "2026-12-31"


async def test_a_task_left_undone_comes_back_once_after_now(
    client: httpx.AsyncClient, fixed_clock: FixedClock
) -> None:
    task = await create(
        client, due={"date": "2026-11-19", "time": "08:00", "time_zone": "UTC"}, recurrence="FREQ=DAILY"
    )
    response = await complete(client, task["id"])  # a week late, at 10:00 on the 26th
    upcoming = (await client.get(f"/api/tasks/{next_id(response)}")).json()
    assert upcoming["due"]["date"] == "2026-11-27"
    assert (await client.get("/api/tasks")).headers["x-total-count"] == "2"


@pytest.mark.parametrize(
    "completed_at",
    [
        datetime(2026, 12, 1, 23, 10, tzinfo=UTC),  # already Wednesday 00:10 in Berlin
        datetime(2026, 12, 2, 12, 0, tzinfo=UTC),
        datetime(2026, 12, 2, 22, 59, tzinfo=UTC),  # Wednesday 23:59 in Berlin
    ],
)
async def test_water_the_plants_three_days_after_i_last_did(
    client: httpx.AsyncClient, fixed_clock: FixedClock, completed_at: datetime
) -> None:
    """repeat_from=completion: completed on Wednesday, at any hour, it is due on Saturday."""
    due = {"date": "2026-11-28", "time": "18:00", "time_zone": "Europe/Berlin"}
    task = await create(
        client,
        title="Water the plants",
        due=due,
        recurrence="FREQ=DAILY;INTERVAL=3",
        repeat_from="completion",
    )
    fixed_clock.at = completed_at
    upcoming = (await client.get(f"/api/tasks/{next_id(await complete(client, task['id']))}")).json()
    assert upcoming["due"] == {**due, "date": "2026-12-05", "at": "2026-12-05T17:00:00.000Z"}
    assert (upcoming["repeat_from"], upcoming["recurrence"]) == ("completion", "FREQ=DAILY;INTERVAL=3")


async def test_count_goes_down_and_the_last_one_creates_nothing(client: httpx.AsyncClient) -> None:
    task = await create(client, due={"date": "2026-12-07"}, recurrence="FREQ=WEEKLY;COUNT=2")
    second = (await client.get(f"/api/tasks/{next_id(await complete(client, task['id']))}")).json()
    assert second["recurrence"] == "FREQ=WEEKLY;COUNT=1"
    last = await complete(client, second["id"])
    assert "link" not in last.headers
    assert last.json()["next_occurrence_id"] is None


async def test_until_ends_the_series(client: httpx.AsyncClient) -> None:
    task = await create(client, due={"date": "2026-12-07"}, recurrence="FREQ=WEEKLY;UNTIL=20261213")
    response = await complete(client, task["id"])
    assert "link" not in response.headers
    assert (await client.get("/api/tasks")).headers["x-total-count"] == "1"


async def test_reopening_and_completing_again_creates_nothing_new(client: httpx.AsyncClient) -> None:
    task = await create(client, **CONTRACT_EXAMPLE_BODY)
    upcoming_id = next_id(await complete(client, task["id"]))
    reopened = await client.patch(f"/api/tasks/{task['id']}/complete")  # toggles back
    assert reopened.json()["completed"] is False
    assert reopened.json()["completed_at"] is None
    assert reopened.json()["next_occurrence_id"] == upcoming_id  # the link stays
    again = await complete(client, task["id"])
    assert "link" not in again.headers
    assert again.json()["next_occurrence_id"] == upcoming_id
    assert (await client.get("/api/tasks")).headers["x-total-count"] == "2"


async def test_completing_a_completed_task_again_creates_nothing(client: httpx.AsyncClient) -> None:
    task = await create(client, **CONTRACT_EXAMPLE_BODY, completed=True)
    response = await complete(client, task["id"])
    assert "link" not in response.headers
    assert (await client.get("/api/tasks")).headers["x-total-count"] == "1"


async def test_edits_that_do_not_complete_create_nothing(client: httpx.AsyncClient) -> None:
    task = await create(client, **CONTRACT_EXAMPLE_BODY)
    response = await client.patch(f"/api/tasks/{task['id']}", json={"title": "Team sync (moved)"})
    assert "link" not in response.headers
    assert (await client.get("/api/tasks")).headers["x-total-count"] == "1"


async def test_deleting_either_task_leaves_the_other_alone(client: httpx.AsyncClient) -> None:
    first = await create(client, **CONTRACT_EXAMPLE_BODY)
    second_id = next_id(await complete(client, first["id"]))
    third_id = next_id(await complete(client, second_id))
    assert (await client.delete(f"/api/tasks/{second_id}")).status_code == 204
    survivor = (await client.get(f"/api/tasks/{first['id']}")).json()
    assert survivor["next_occurrence_id"] == second_id  # names a deleted task; nothing else changed
    assert (await client.get(f"/api/tasks/{third_id}")).status_code == 200


async def test_a_plain_task_completes_without_a_link(client: httpx.AsyncClient) -> None:
    task = await create(client, due={"date": "2026-12-07"})
    response = await complete(client, task["id"])
    assert "link" not in response.headers
    assert response.json()["next_occurrence_id"] is None


async def test_links_and_locations_keep_the_path_form_of_the_request(memory_container: Any) -> None:
    """What the hackathon path form's middleware sets; the routes build every URL from it."""

    async def with_prefix(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {})["tasks_prefix"] = "/api/u-1"
        await app(scope, receive, send)

    app = create_app(memory_container)
    async with asgi_client(with_prefix, "u-1") as client:
        created = await client.post("/api/tasks", json=CONTRACT_EXAMPLE_BODY)
        assert created.headers["location"] == f"/api/u-1/tasks/{created.json()['id']}"
        done = await client.patch(f"/api/tasks/{created.json()['id']}", json={"completed": True})
        assert done.headers["link"] == f'</api/u-1/tasks/{done.json()["next_occurrence_id"]}>; rel="next"'


class TestQuota:
    LIMIT = 3

    @pytest.fixture
    def app(self, fixed_clock: FixedClock) -> Any:
        """A container of its own, whose MAX_TASKS_PER_USER is small."""
        settings = memory_settings().model_copy(update={"max_tasks_per_user": self.LIMIT})
        return create_app(build_memory_container(fixed_clock, settings))

    async def fill(self, client: httpx.AsyncClient, count: int, **fields: Any) -> list[dict[str, Any]]:
        return [await create(client, **{"title": f"task {n}", **fields}) for n in range(count)]

    async def test_a_create_past_the_limit_is_409_and_creates_nothing(
        self, client: httpx.AsyncClient
    ) -> None:
        await self.fill(client, self.LIMIT)
        body = assert_problem(await client.post("/api/tasks", json={"title": "one too many"}), 409)
        assert body["type"].endswith("/quota-exceeded")
        assert (await client.get("/api/tasks")).headers["x-total-count"] == str(self.LIMIT)

    async def test_the_limit_is_per_user(
        self, client: httpx.AsyncClient, stranger: httpx.AsyncClient
    ) -> None:
        await self.fill(client, self.LIMIT)
        assert (await stranger.post("/api/tasks", json={"title": "mine"})).status_code == 201

    async def test_a_recurring_completion_past_the_limit_is_409_and_changes_nothing(
        self, client: httpx.AsyncClient
    ) -> None:
        recurring, *_ = await self.fill(client, self.LIMIT, **CONTRACT_EXAMPLE_BODY)
        for route, body in (
            (f"/api/tasks/{recurring['id']}", {"completed": True}),
            (f"/api/tasks/{recurring['id']}/complete", None),
        ):
            refused = assert_problem(await client.patch(route, json=body), 409)
            assert refused["type"].endswith("/quota-exceeded")
        assert (await client.get(f"/api/tasks/{recurring['id']}")).json() == recurring

    async def test_deleting_makes_room_again(self, client: httpx.AsyncClient) -> None:
        first, *_ = await self.fill(client, self.LIMIT)
        assert (await client.delete(f"/api/tasks/{first['id']}")).status_code == 204
        assert (await client.post("/api/tasks", json={"title": "fits"})).status_code == 201

    async def test_complete_all_is_never_refused_and_may_pass_the_limit(
        self, client: httpx.AsyncClient
    ) -> None:
        await self.fill(client, self.LIMIT, **CONTRACT_EXAMPLE_BODY)
        response = await client.post("/api/tasks/complete-all")
        assert response.json() == {"completed": self.LIMIT}
        me = (await client.get("/api/me")).json()
        assert me["tasks"] == {"total": 2 * self.LIMIT, "completed": self.LIMIT, "limit": self.LIMIT}

    async def test_me_tells_the_limit(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/api/me")).json()["tasks"]["limit"] == self.LIMIT

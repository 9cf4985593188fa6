"""Two servers on one PostgreSQL database complete the same recurring task at the same moment:
exactly one next occurrence is created, every time."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.api.helpers import api_client, create_task, fetch
from tests.support.api_server import ApiServer, api_server
from tests.support.postgres import PostgresServer

ROUNDS = 10
RECURRING = {"title": "standup", "due": {"date": "2030-01-07", "time": "09:00", "time_zone": "UTC"},
             "recurrence": "FREQ=DAILY"}  # fmt: skip

Request = Callable[[httpx.Client, int], httpx.Response]


@pytest.fixture(scope="module")
def two_servers(
    postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[ApiServer]]:
    database_url = postgres.create_database(f"todo_race_{uuid.uuid4().hex[:8]}")
    workdir: Path = tmp_path_factory.mktemp("recurring-race")
    with (
        api_server(database_url, workdir) as first,
        api_server(database_url, workdir, migrate=False) as second,
    ):
        yield [first, second]


def at_once(clients: list[httpx.Client], requests: list[Request], task_id: int) -> list[httpx.Response]:
    """Each client sends its request when all are ready, so the transactions overlap."""
    ready = threading.Barrier(len(clients))

    def send(client: httpx.Client, request: Request) -> httpx.Response:
        ready.wait()
        return request(client, task_id)

    with ThreadPoolExecutor(len(clients)) as pool:
        return list(pool.map(send, clients, requests))


def patch_completed(client: httpx.Client, task_id: int) -> httpx.Response:
    return client.patch(f"/api/tasks/{task_id}", json={"completed": True})


def put_completed(client: httpx.Client, task_id: int) -> httpx.Response:
    return client.put(f"/api/tasks/{task_id}", json={"completed": True})


def complete_route(client: httpx.Client, task_id: int) -> httpx.Response:
    return client.patch(f"/api/tasks/{task_id}/complete", json={"completed": True})


def complete_all(client: httpx.Client, _: int) -> httpx.Response:
    return client.post("/api/tasks/complete-all")


@pytest.mark.parametrize(
    "requests",
    [[patch_completed, patch_completed], [put_completed, complete_route], [complete_all, patch_completed]],
    ids=["PATCH+PATCH", "PUT+complete", "complete-all+PATCH"],
)
@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_concurrent_completions_create_exactly_one_occurrence(
    two_servers: list[ApiServer], user_id: str, requests: list[Request], round_number: int
) -> None:
    clients = [api_client(server, user_id) for server in two_servers]
    try:
        task = create_task(clients[0], **RECURRING)
        responses = at_once(clients, requests, task["id"])
        assert all(response.status_code == 200 for response in responses), [r.text for r in responses]

        tasks = clients[1].get("/api/tasks", params={"sort": "created_at"}).json()
        done = fetch(clients[0], task["id"]).json()
        following = [other for other in tasks if other["due"]["date"] == "2030-01-08"]
        assert [other["id"] for other in following] == [done["next_occurrence_id"]], tasks
        assert done["completed"] is True
        # No day of the series twice. When the PATCH commits first, complete-all then finds the new
        # occurrence pending and completes it too, which rightly creates the one after it.
        assert len({other["due"]["date"] for other in tasks}) == len(tasks), tasks
        assert len(tasks) in ({2, 3} if complete_all in requests else {2}), tasks
        links = [response.headers["link"] for response in responses if "link" in response.headers]
        # The request whose transaction completed the task links to the occurrence; the other found
        # it completed already (complete-all answers a count, so it may be the one with no link).
        assert links in ([f'</api/tasks/{done["next_occurrence_id"]}>; rel="next"'], []), links
        if complete_all not in requests:
            assert len(links) == 1, links
    finally:
        for client in clients:
            client.close()

"""Idempotency-Key across a SIGKILL: every client retries what it never saw answered, with the same key;
afterwards each key's task exists exactly once, and every task has its key's stored outcome.

Besides the requests in flight at the kill, every tenth answer is lost on the way (a read timeout
shorter than any answer), so that some retries are of requests that did commit.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.integration.test_faults import fresh_database, list_all, report, wait_until
from tests.support.api_server import ApiServer, api_server, start_server, stop_server
from tests.support.postgres import PostgresServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]

CLIENTS = 8
MAX_REQUESTS = 2000
LOST_EVERY = 10  # every tenth answer never reaches its client


class KeyedCreator:
    """One client creating tasks, one key each, until its server stops answering."""

    def __init__(self, server: ApiServer, user_id: str, name: str) -> None:
        self.client = server.client(user_id)
        self.name = name
        self.answered: dict[str, int] = {}  # key: the task id it was answered with
        self.unanswered: list[str] = []
        self.replayed = 0  # retries whose first attempt had committed before the kill

    def create(self, client: httpx.Client, key: str, *, lost_answer: bool = False) -> int:
        # A read timeout too short for any answer: the server still commits, the client never knows.
        timeout = httpx.Timeout(10, read=0.001) if lost_answer else httpx.Timeout(10)
        response = client.post(
            "/api/tasks", json={"title": key}, headers={"Idempotency-Key": key}, timeout=timeout
        )
        assert response.status_code == 201, response.text
        self.replayed += response.headers.get("idempotency-replayed") == "true"
        task_id: int = response.json()["id"]
        return task_id

    def run(self, started: threading.Event) -> None:
        for n in range(MAX_REQUESTS):
            key = f"{self.name}-{n}"
            try:
                self.answered[key] = self.create(
                    self.client, key, lost_answer=n % LOST_EVERY == LOST_EVERY - 1
                )
            except httpx.ReadTimeout:
                self.unanswered.append(key)  # the answer was lost on the way, as on a flaky network
            except httpx.TransportError:
                self.unanswered.append(key)  # sent, or perhaps not: only a retry can tell
                return
            started.set()

    def retry(self, server: ApiServer, user_id: str) -> None:
        with server.client(user_id) as client:
            for key in self.unanswered:
                self.answered[key] = self.create(client, key)


def test_retries_after_a_sigkill_make_each_keys_task_exactly_once(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    user_id = f"crash-{uuid.uuid4()}"
    with api_server(fresh_database(postgres, "crash"), tmp_path, migrate=False) as first:
        creators = [KeyedCreator(first, user_id, f"client{n}") for n in range(CLIENTS)]
        started = threading.Event()
        with ThreadPoolExecutor(CLIENTS) as pool:
            running = [pool.submit(creator.run, started) for creator in creators]
            started.wait(10)
            wait_until(
                lambda: sum(len(c.answered) for c in creators) >= 200, 20, "200 creates before the kill"
            )
            first.process.kill()
            first.process.wait(timeout=10)
            for future in running:
                future.result(timeout=15)
        for creator in creators:
            creator.client.close()
        unanswered = sum(len(creator.unanswered) for creator in creators)
        second = start_server(first.env, tmp_path, port=first.port)
        try:
            for creator in creators:
                creator.retry(second, user_id)
            with second.client(user_id) as client:
                stored = list_all(client)
                # Every stored task's key holds its outcome: a replay names the same task.
                replays = [
                    client.post(
                        "/api/tasks",
                        json={"title": task["title"]},
                        headers={"Idempotency-Key": task["title"]},
                    )
                    for task in stored
                ]
        finally:
            stop_server(second)

    answered = {key: task_id for creator in creators for key, task_id in creator.answered.items()}
    titles = Counter(task["title"] for task in stored)
    assert unanswered > CLIENTS, "every client lost one answer to the kill, and some to the network"
    assert [title for title, count in titles.items() if count > 1] == [], "a key made two tasks"
    assert set(titles) == set(answered), "a key's task is missing, or a task has no key"
    assert {task["title"]: task["id"] for task in stored} == answered
    for task, replay in zip(stored, replays, strict=True):
        assert replay.status_code == 201 and replay.headers.get("idempotency-replayed") == "true", replay.text
        assert replay.json()["id"] == task["id"]
    replayed = sum(creator.replayed for creator in creators)
    assert replayed > 0, "no retry was of a request that had committed: nothing was put to the test"
    report("crash", {"tasks": len(stored), "unanswered": unanswered, "retries replayed": replayed})

"""The changes feed under concurrent writers on two servers: a client that syncs holds exactly the
server's tasks. A feed numbered by a plain global sequence, not under the owner's lock, loses
changes committed late here (see the README, "Sync and retries").
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.test_sync import Replica, apply
from tests.integration.test_faults import list_all, report
from tests.support.api_server import ApiServer, api_server

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]

WRITERS = 8
WRITE_SECONDS = 5.0
PAGE = 50  # small pages, so that the reader also pages while writers commit


@pytest.fixture(params=["postgres", "pgbouncer"])
def two_servers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[ApiServer, ApiServer]]:
    """Two server processes on one database, directly or both through PgBouncer in transaction mode."""
    database_url = request.getfixturevalue(f"{request.param}_url")
    for name in ("writer", "reader"):
        (tmp_path / name).mkdir()
    with (
        api_server(database_url, tmp_path / "writer", migrate=False) as writer,
        api_server(database_url, tmp_path / "reader", migrate=False) as reader,
    ):
        yield writer, reader


def write_until(client: httpx.Client, stop: threading.Event, seed: int, counts: dict[str, int]) -> None:
    """Create, edit and delete this writer's tasks at random until told to stop."""
    chance = random.Random(seed)
    mine: list[int] = []
    while not stop.is_set():
        roll = chance.random()
        if roll < 0.4 or not mine:
            response = client.post(
                "/api/tasks", json={"title": f"w{seed}", "tags": [f"t{chance.randrange(3)}"]}
            )
            if response.status_code == 201:
                mine.append(response.json()["id"])
            operation = "create"
        elif roll < 0.8:
            body: dict[str, Any] = chance.choice(
                [{"title": f"w{seed} {chance.random()}"}, {"completed": chance.random() < 0.5}, {"tags": []}]
            )
            response = client.patch(f"/api/tasks/{chance.choice(mine)}", json=body)
            operation = "edit"
        else:
            response = client.delete(f"/api/tasks/{mine.pop(chance.randrange(len(mine)))}")
            operation = "delete"
        assert response.status_code in (200, 201, 204), response.text
        counts[operation] = counts.get(operation, 0) + 1


def sync_once(client: httpx.Client, replica: Replica, cursor: str | None) -> tuple[str, int]:
    """Apply pages until has_more is false; the new cursor and how many pages it took."""
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": PAGE} if cursor is None else {"limit": PAGE, "since": cursor}
        response = client.get("/api/tasks/changes", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        apply(replica, page)
        cursor, pages = page["cursor"], pages + 1
        if not page["has_more"]:
            return cursor, pages


def test_a_client_syncing_during_concurrent_writes_ends_with_the_servers_tasks(
    two_servers: tuple[ApiServer, ApiServer],
) -> None:
    writer, reader = two_servers
    user_id = f"sync-{uuid.uuid4()}"
    stop = threading.Event()
    counts: list[dict[str, int]] = [{} for _ in range(WRITERS)]
    clients = [writer.client(user_id) for _ in range(WRITERS)]
    threads = [
        threading.Thread(target=write_until, args=(client, stop, seed, counts[seed]))
        for seed, client in enumerate(clients)
    ]
    replica: Replica = {}
    syncs = pages = 0
    with reader.client(user_id) as syncer:
        cursor, _ = sync_once(syncer, replica, None)
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + WRITE_SECONDS
        try:
            while time.monotonic() < deadline and all(thread.is_alive() for thread in threads):
                cursor, taken = sync_once(syncer, replica, cursor)
                syncs, pages = syncs + 1, pages + taken
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=15)
            for client in clients:
                client.close()
        assert all(counts), "a writer stopped early (its assertion failed)"
        cursor, _ = sync_once(syncer, replica, cursor)
        expected = {task["id"]: task for task in list_all(syncer)}

    missing = sorted(set(expected) - set(replica))
    extra = sorted(set(replica) - set(expected))
    stale = sorted(
        task_id for task_id in set(expected) & set(replica) if replica[task_id] != expected[task_id]
    )
    assert (missing, extra, stale) == ([], [], []), "the synced copy differs from the server's tasks"
    writes = {op: sum(count.get(op, 0) for count in counts) for op in ("create", "edit", "delete")}
    assert writes["delete"] > 0 and writes["edit"] > 0
    report("sync under writers", {**writes, "tasks": len(expected), "syncs": syncs, "pages": pages})

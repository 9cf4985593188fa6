"""Many users reading at once: on PostgreSQL their reads share pipelines (adapters.sql.runner),
and each still gets exactly its own tasks, on every store."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from tests.support.api_server import ApiServer

USERS = 8
READS_PER_USER = 12


async def test_concurrent_lists_and_reads_each_get_their_own_users_tasks(server: ApiServer) -> None:
    users = [f"concurrent-{n}-{uuid.uuid4()}" for n in range(USERS)]
    owned: dict[str, set[int]] = {}
    for user in users:
        with server.client(user) as client:
            created = [client.post("/api/tasks", json={"title": f"{user} task {k}"}) for k in range(3)]
            assert all(response.status_code == 201 for response in created)
            owned[user] = {response.json()["id"] for response in created}

    async def reads(user: str, client: httpx.AsyncClient) -> None:
        mine = sorted(owned[user])
        someone_elses = min(owned[users[(users.index(user) + 1) % USERS]])
        for n in range(READS_PER_USER):
            listed = await client.get("/api/tasks", params={"limit": 20})
            assert listed.status_code == 200
            assert {task["id"] for task in listed.json()} == owned[user]
            assert all(task["title"].startswith(user) for task in listed.json())
            assert listed.headers["x-total-count"] == "3"
            one = await client.get(f"/api/tasks/{mine[n % 3]}")
            assert (one.status_code, one.json()["id"]) == (200, mine[n % 3])
            assert (await client.get(f"/api/tasks/{someone_elses}")).status_code == 404

    clients = [
        httpx.AsyncClient(
            base_url=server.base_url, headers={"Authorization": f"Bearer {server.token(user)}"}, timeout=10
        )
        for user in users
    ]
    try:
        await asyncio.gather(*(reads(user, client) for user, client in zip(users, clients, strict=True)))
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))

"""Benchmark users: minted tokens, tasks seeded through the API, and the file wrk reads."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from adapters.auth.dev_tokens import mint_hs256

TOKEN_TTL_S = 2 * 3600
SEED_CONCURRENCY = 32
SEED_ATTEMPTS = 3


@dataclass(slots=True)
class BenchUser:
    user_id: str
    token: str
    task_ids: list[int] = field(default_factory=list)


def mint_users(secret: str, count: int, prefix: str = "bench-user") -> list[BenchUser]:
    return [
        BenchUser(user_id, mint_hs256(secret, user_id, ttl_seconds=TOKEN_TTL_S))
        for user_id in (f"{prefix}-{n:04d}" for n in range(count))
    ]


async def seed_tasks(base_url: str, users: list[BenchUser], tasks_per_user: int) -> int:
    """POST `tasks_per_user` tasks for every user, concurrently, remembering the new ids.

    Returns how many requests failed at the transport level and were retried.
    """
    gate = asyncio.Semaphore(SEED_CONCURRENCY)
    limits = httpx.Limits(max_connections=SEED_CONCURRENCY, max_keepalive_connections=SEED_CONCURRENCY)
    retried = 0
    async with httpx.AsyncClient(base_url=base_url, timeout=10, limits=limits) as client:

        async def post(user: BenchUser, body: Mapping[str, object]) -> httpx.Response:
            nonlocal retried
            headers = {"Authorization": f"Bearer {user.token}"}
            for attempt in range(1, SEED_ATTEMPTS + 1):
                try:
                    async with gate:
                        return await client.post("/api/tasks", json=body, headers=headers)
                except httpx.TransportError:
                    if attempt == SEED_ATTEMPTS:
                        raise
                    retried += 1
            raise AssertionError("unreachable")

        async def create(user: BenchUser, n: int) -> None:
            response = await post(user, task_body(user.user_id, n))
            if response.status_code != 201:
                raise RuntimeError(f"seeding got {response.status_code}: {response.text[:200]}")
            user.task_ids.append(int(response.json()["id"]))

        async with asyncio.TaskGroup() as group:
            for n in range(tasks_per_user):
                for user in users:
                    group.create_task(create(user, n))
    return retried


_TAGS = ("work", "home", "errands", "Reading", "urgent-ish", "health", "q4")
_PRIORITIES = ("none", "low", "medium", "high", "urgent")
_ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo")


def task_body(user_id: str, n: int) -> dict[str, object]:
    """A realistic v2 task: 0-3 tags, a priority, a due on about half (a third of those timed in a zone)."""
    body: dict[str, object] = {
        "title": f"Seeded task {n} of {user_id}",
        "description": None if n % 2 else "seed",
        "priority": _PRIORITIES[(n * 7) % len(_PRIORITIES)],
        "tags": [_TAGS[(n + k * 3) % len(_TAGS)] for k in range(n % 4)],
    }
    if n % 2 == 0:
        day = f"2026-{1 + n % 12:02d}-{1 + (n * 5) % 28:02d}"
        if n % 3 == 0:
            body["due"] = {"date": day, "time": f"{8 + n % 10:02d}:30", "time_zone": _ZONES[n % len(_ZONES)]}
        else:
            body["due"] = {"date": day}
    return body


def write_users_file(path: Path, users: list[BenchUser]) -> Path:
    """One line per user, `<token>\\t<id> <id> ...`, as tests/perf/lua/common.lua reads it."""
    lines = (f"{user.token}\t{' '.join(map(str, user.task_ids))}\n" for user in users)
    path.write_text("".join(lines))
    return path

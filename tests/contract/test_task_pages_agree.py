"""The SQL stores page exactly like the in-memory one, for many random queries over one data set.

On PostgreSQL a tag filter either walks an order's index or collects the tagged tasks,
depending on how many match and how deep the page is: random limits and offsets take both ways.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.due import Due
from domain.fields import Priority
from domain.query import SortField, StatusFilter, TaskQuery
from domain.task import NewTask
from tests.contract.conftest import T0, open_store

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
TAGS = ["work", "Home", "errands", "rare"]


def seed_tasks(rng: random.Random) -> list[tuple[NewTask, datetime]]:
    seeds = []
    for n in range(70):
        tags = [tag for tag, share in zip(TAGS, (0.6, 0.4, 0.2, 0.05), strict=True) if rng.random() < share]
        moment = NOW + timedelta(hours=rng.randint(-72, 72))
        due = None if rng.random() < 0.3 else Due(date=moment.date(), time=moment.time(), time_zone="UTC")
        new = NewTask(
            title=f"task {n:02d} {rng.choice(['report', 'call', 'fix'])}",
            completed=rng.random() < 0.3,
            priority=rng.choice(list(Priority)),
            tags=[tag.upper() if rng.random() < 0.3 else tag for tag in tags],
            due=due,
        )
        seeds.append((new, T0 + timedelta(minutes=rng.randint(0, 5))))
    return seeds


def random_query(rng: random.Random) -> TaskQuery:
    options: dict[str, Any] = {
        "sort": rng.choice(list(SortField)),
        "descending": rng.random() < 0.5,
        "limit": rng.choice([1, 3, 10, 100]),
        "offset": rng.choice([0, 0, 2, 9, 40]),
    }
    if rng.random() < 0.6:
        options["tags"] = tuple(rng.sample(TAGS, rng.choice([1, 1, 2])))
    if rng.random() < 0.3:
        options["status"] = rng.choice(list(StatusFilter))
        options["now"] = NOW
    if rng.random() < 0.2:
        options["priorities"] = frozenset(rng.sample(list(Priority), 2))
    if rng.random() < 0.2:
        options["due_after"] = NOW - timedelta(hours=24)
    if rng.random() < 0.2:
        options["has_due"] = rng.random() < 0.5
    if rng.random() < 0.2:
        options["search"] = rng.choice(["report", "ca", "task 1"])
    return TaskQuery(**options)


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_random_pages_agree_with_the_memory_store(
    kind: str, owner: str, request: pytest.FixtureRequest
) -> None:
    rng = random.Random(20261207)
    async with open_store("memory", request) as memory, open_store(kind, request) as sql:
        for new, now in seed_tasks(rng):
            await memory.repo.add(owner, new, now, None)
            await sql.repo.add(owner, new, now, None)
        for _ in range(200):
            query = random_query(rng)
            expected = await memory.reader.page(owner, query)
            got = await sql.reader.page(owner, query)
            assert [task.title for task in got.items] == [task.title for task in expected.items], query
            assert got.total == expected.total, query
        assert await sql.reader.tags(owner) == await memory.reader.tags(owner)

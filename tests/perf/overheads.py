"""What two pieces of every request cost on their own, in microseconds.

- A pool checkout and return through `AsyncEngine.raw_connection()`, which runs SQLAlchemy's
  synchronous pool inside a new greenlet; the same pool's synchronous checkout, which the runner
  takes when the pool needs no I/O (adapters.sql.runner); and empty `greenlet_spawn`s: most of
  the hop is the frame stack (an mmap and munmap) Python gives a greenlet's first Python frame.
- FastAPI's own layers around an answer (its telemetry check, Starlette's ServerErrorMiddleware,
  the telemetry and body-limit middleware), against the answering middleware alone.

`.venv/bin/python -m tests.perf.overheads` (about 10 s; starts its own PostgreSQL). Medians of
five rounds, one process, no load: a floor, not what the same code costs under load.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import uvloop
from fastapi import FastAPI
from sqlalchemy.util import greenlet_spawn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.sql.engine import PoolSettings, create_engine
from tests.perf.stack import database, workdir

ROUNDS = 5
CALLS = 20_000


async def _median_us(call: Callable[[], Awaitable[object]]) -> float:
    for _ in range(1_000):
        await call()
    rounds = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(CALLS):
            await call()
        rounds.append((time.perf_counter() - started) / CALLS * 1e6)
    return statistics.median(rounds)


async def pool_costs(database_url: str) -> dict[str, float]:
    engine = create_engine(database_url, PoolSettings(timeout_seconds=5))
    (await engine.raw_connection()).close()  # the pool now holds one open connection
    sync_engine = engine.sync_engine

    async def checkout() -> None:
        (await engine.raw_connection()).close()

    async def checkout_without_greenlet() -> None:
        sync_engine.raw_connection().close()

    def nothing() -> None:
        return None

    async def empty_greenlet() -> None:
        await greenlet_spawn(nothing)

    async def greenlet_without_python() -> None:
        await greenlet_spawn(int)  # no Python frame: no new frame stack for the greenlet

    try:
        return {
            "pool checkout + return through the greenlet": await _median_us(checkout),
            "the same, synchronous (the runner's usual path)": await _median_us(checkout_without_greenlet),
            "a greenlet_spawn of a Python function that does nothing": await _median_us(empty_greenlet),
            "a greenlet_spawn of a C function (no frame stack)": await _median_us(greenlet_without_python),
        }
    finally:
        await engine.dispose()


class _Answer:
    """A middleware that answers every request at once, as the fast reads answer theirs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"[]"})


async def layer_costs() -> dict[str, float]:
    app = FastAPI()
    app.add_middleware(_Answer)
    alone = _Answer(app)

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(_: Message) -> None:
        return None

    def request(asgi: Any) -> Callable[[], Awaitable[None]]:
        def call() -> Awaitable[None]:
            scope = {
                "type": "http", "method": "GET", "path": "/api/tasks", "raw_path": b"/api/tasks",
                "query_string": b"", "headers": [], "scheme": "http", "state": {},
                "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
            }  # fmt: skip
            return asgi(scope, receive, send)  # type: ignore[no-any-return]

        return call

    inside = await _median_us(request(app))
    bare = await _median_us(request(alone))
    return {
        "the answer alone": bare,
        "inside FastAPI's own layers": inside,
        "FastAPI's layers": inside - bare,
    }


def main() -> None:
    with workdir(), database() as db:
        results = uvloop.run(pool_costs(db.url))
    results.update(uvloop.run(layer_costs()))
    width = max(map(len, results))
    for name, micros in results.items():
        print(f"{name:<{width}}  {micros:6.2f} us")


if __name__ == "__main__":
    main()

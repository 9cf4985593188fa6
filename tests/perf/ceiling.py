"""The ceiling: the least an HS256-protected list endpoint can do on the same uvicorn stack.

A bare Starlette app that checks the bearer token with PyJWT (same algorithm, same required
claims) and returns a constant list of 20 tasks rendered by orjson. No database, no
validation, no middleware. Served on uvicorn's default (auto) event loop and HTTP implementation,
one worker, no access log: the ceiling the targets are measured against. `--one-write` serves it
on `todo-api serve`'s own protocol instead (entrypoints.http.protocol: each response in one write),
which shows how much of the API's gain over stock uvicorn a do-nothing handler gets too.
`--round-trip` makes each list request wait for one `SELECT 1` from DATABASE_URL first, through
the API's own engine and statement runner, with the API's collector settings: the least any
request that reads the database pays.

    BETTER_AUTH_SECRET=... python -m tests.perf.ceiling --port 8001 [--one-write]
    BETTER_AUTH_SECRET=... DATABASE_URL=... python -m tests.perf.ceiling --port 8001 --round-trip
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import jwt
import orjson
import uvicorn
from sqlalchemy import Select, literal_column, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.sql.engine import PoolSettings, create_engine
from adapters.sql.runner import statement_runner
from entrypoints.asgi import tune_garbage_collector
from entrypoints.http.protocol import PROTOCOL
from entrypoints.settings import DATABASE_TIMEOUT_SECONDS

LEEWAY_SECONDS = 30
_UNAUTHORIZED = orjson.dumps(
    {"type": "about:blank", "title": "Unauthorized", "status": 401, "detail": "A bearer token is required."}
)


def constant_tasks(count: int = 20) -> list[dict[str, Any]]:
    return [
        {
            "id": 1000 + n,
            "title": f"Task number {n}",
            "description": None if n % 2 else "Something to remember",
            "completed": n % 3 == 0,
            "created_at": "2026-01-01T10:00:00Z",
            "updated_at": "2026-01-01T10:00:00Z",
        }
        for n in range(count)
    ]


ONE: Select[Any] = select(literal_column("1"))


def create_app(secret: str, database_url: str | None = None) -> Starlette:
    key = secret.encode()
    tasks = constant_tasks()
    engine, runner = None, None
    if database_url is not None:  # the API's defaults: a pool of 20, its time limit, prepared statements
        engine = create_engine(database_url, PoolSettings(timeout_seconds=DATABASE_TIMEOUT_SECONDS))
        runner = statement_runner(engine, timeout_seconds=DATABASE_TIMEOUT_SECONDS)

    def unauthorized() -> Response:
        return Response(
            _UNAUTHORIZED,
            status_code=401,
            media_type="application/problem+json",
            headers={"WWW-Authenticate": "Bearer"},
        )

    async def list_tasks(request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return unauthorized()
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["HS256"],
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "sub"]},
            )
        except jwt.PyJWTError:
            return unauthorized()
        if not isinstance(claims.get("sub"), str):
            return unauthorized()
        if runner is not None:
            await runner.rows(ONE, {})
        return Response(orjson.dumps(tasks), media_type="application/json", headers={"X-Total-Count": "20"})

    async def healthz(_: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        if engine is not None:
            await engine.dispose()

    return Starlette(routes=[Route("/api/tasks", list_tasks), Route("/healthz", healthz)], lifespan=lifespan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--one-write", action="store_true", help="serve on todo-api serve's protocol")
    parser.add_argument(
        "--round-trip", action="store_true", help="SELECT 1 from DATABASE_URL per list request"
    )
    args = parser.parse_args()
    secret = os.environ.get("BETTER_AUTH_SECRET", "")
    if len(secret) < 32:
        raise SystemExit("BETTER_AUTH_SECRET must be set (at least 32 characters)")
    database_url = os.environ.get("DATABASE_URL") if args.round_trip else None
    if args.round_trip and not database_url:
        raise SystemExit("--round-trip needs DATABASE_URL")
    app = create_app(secret, database_url)
    if args.round_trip:
        # As the API runs (entrypoints.asgi): without it this app's collections took a quarter
        # of its CPU and set its p99 (lab: 4,900-5,700 req/s, p99 72-78 ms; with it 6,700-7,400).
        tune_garbage_collector()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        workers=1,
        log_level="warning",
        access_log=False,
        server_header=False,
        http=PROTOCOL if args.one_write else "auto",
    )


if __name__ == "__main__":
    main()

"""CPU cost per call of alternative ways to build the request path, measured in one process.

Groups (each timed for N sequential calls after a warm-up; nothing runs concurrently):
- db: one task by id and owner ("get") and the owner's 20 newest tasks turned into dicts ("list"),
  on a throwaway PostgreSQL seeded with one user and 20 tasks, through
  the SQLAlchemy ORM (AsyncSession), SQLAlchemy Core async, SQLAlchemy Core sync in Starlette's
  thread pool (as FastAPI runs a `def` endpoint), a psycopg 3 async pool and a psycopg 3 sync pool
  in the thread pool. The ORM builds its statement per call; the others reuse one built once.
  Two more rows measure the code the API ships: SqlTaskRepo on the PsycopgRunner that
  `statement_runner` picks on PostgreSQL (Core statements compiled once, SQLAlchemy's pool,
  psycopg's connection), and SqlTaskRepo on EngineRunner (SQLAlchemy's full async execution path).
  Their "get" returns the domain Task; their "list" runs the shipped query (page and total in one
  statement) and turns each Task into the API's JSON dict with task_json.
- json: encoding a 20-task list with json.dumps, orjson and a pydantic TypeAdapter (10 x N calls).
- middleware: a bare Starlette route with no middleware, 3 pure ASGI middlewares, or 3
  BaseHTTPMiddleware subclasses, each adding one header; driven in-process through `await app(...)`.
- di: a FastAPI route whose handler needs a service: built per request by a dependency-injector
  Factory chain behind Depends (async provider, and a `def` provider, which FastAPI runs in the
  thread pool), or built once at start-up and closed over.

cpu_ms is `time.process_time()` (this process, all threads; PostgreSQL's own CPU is not counted),
wall_ms is `time.perf_counter()`. Calls run in 5 chunks of N/5, the variants of a group taking turns,
so a burst of other work on the machine lands on all of them; cpu_ms_per_op is the mean over all
N calls, cpu_ms_median the median of the 5 chunk means. `ratio` is cpu_ms_per_op over the fastest
variant with the same group and operation. Async code runs under uvloop, as the server does.

    .venv/bin/python -m bench.layers [--iterations 2000] [--warmup 100]

Prints the table and writes bench/results/layers.json. TEST_DATABASE_URL picks an existing server.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import orjson
import psycopg
import uvloop
from dependency_injector import containers, providers
from fastapi import Depends, FastAPI
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, ConnectionPool
from pydantic import BaseModel, TypeAdapter
from sqlalchemy import Engine, Select, bindparam, create_engine, select
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.sql import engine as sql_engine
from adapters.sql.migrate import upgrade_to_latest
from adapters.sql.runner import EngineRunner, PsycopgRunner, statement_runner
from adapters.sql.tables import tasks
from adapters.sql.task_repo import SqlTaskRepo
from bench.ceiling import constant_tasks
from bench.report import machine_info
from bench.stack import database, run_benchmark
from domain.task import Task, TaskQuery
from entrypoints.http.schemas import task_json
from entrypoints.settings import DATABASE_TIMEOUT_SECONDS

USER_ID = "bench-user"
TASK_COUNT = 20
CHUNKS = 5
JSON_FACTOR = 10  # the encoders take microseconds: give them 10 x N calls
POOL_SIZE = 4
BODY = orjson.dumps(constant_tasks())
Op = Callable[[], Awaitable[object]]


# --- timing -----------------------------------------------------------------


@dataclass(slots=True)
class Case:
    group: str
    variant: str
    operation: str
    run: Callable[[], object]  # returns an awaitable for async cases
    is_async: bool = True
    cpu_s: float = 0.0
    wall_s: float = 0.0
    calls: int = 0
    chunk_cpu_ms: list[float] = field(default_factory=list)

    def result(self, fastest_cpu_ms: float) -> dict[str, Any]:
        cpu_ms = self.cpu_ms_per_op
        return {
            "group": self.group,
            "variant": self.variant,
            "operation": self.operation,
            "calls": self.calls,
            "cpu_ms_per_op": cpu_ms,
            "cpu_ms_median": statistics.median(self.chunk_cpu_ms),
            "wall_ms_per_op": self.wall_s * 1000 / self.calls,
            "ratio": cpu_ms / fastest_cpu_ms,
        }

    @property
    def cpu_ms_per_op(self) -> float:
        return self.cpu_s * 1000 / self.calls


async def _call(case: Case, count: int) -> tuple[float, float]:
    """`count` sequential calls; (CPU seconds, wall seconds)."""
    run = case.run
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if case.is_async:
        for _ in range(count):
            await run()  # type: ignore[misc]
    else:
        for _ in range(count):
            run()
    return time.process_time() - cpu0, time.perf_counter() - wall0


async def measure(cases: Sequence[Case], iterations: int, warmup: int) -> None:
    """Warm every case up, then time CHUNKS rounds in which each case makes iterations/CHUNKS calls."""
    for case in cases:
        await _call(case, warmup)
    per_chunk = max(1, iterations // CHUNKS)
    for _ in range(CHUNKS):
        for case in cases:
            gc.collect()
            cpu_s, wall_s = await _call(case, per_chunk)
            case.cpu_s += cpu_s
            case.wall_s += wall_s
            case.calls += per_chunk
            case.chunk_cpu_ms.append(cpu_s * 1000 / per_chunk)


def results(cases: Sequence[Case]) -> list[dict[str, Any]]:
    fastest: dict[tuple[str, str], float] = {}
    for case in cases:
        key = (case.group, case.operation)
        fastest[key] = min(fastest.get(key, float("inf")), case.cpu_ms_per_op)
    return [case.result(fastest[(case.group, case.operation)]) for case in cases]


# --- db: seven ways to run the same two queries ----------------------------


class Base(DeclarativeBase):
    pass


class TaskRow(Base):
    """The ORM's view of the same `tasks` table the Core variants query."""

    __table__ = tasks
    id: Mapped[int]
    user_id: Mapped[str]
    title: Mapped[str]
    description: Mapped[str | None]
    completed: Mapped[bool]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int]


def orm_dict(row: TaskRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "user_id": row.user_id,
        "title": row.title,
        "description": row.description,
        "completed": row.completed,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "version": row.version,
    }


# Built once with bind parameters; reused by the Core and psycopg variants.
GET_STMT = select(tasks).where(tasks.c.id == bindparam("task_id"), tasks.c.user_id == bindparam("user_id"))
LIST_STMT = (
    select(tasks)
    .where(tasks.c.user_id == bindparam("user_id"))
    .order_by(tasks.c.created_at.desc(), tasks.c.id.desc())
    .limit(TASK_COUNT)
)


def compiled_sql(stmt: Select[Any], params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The SQL string SQLAlchemy's psycopg dialect sends, and its parameters (LIMIT's included)."""
    compiled = stmt.compile(dialect=psycopg_dialect.dialect())
    return compiled.string, {**compiled.params, **params}


def seed(url: str) -> int:
    """One user with TASK_COUNT tasks, one minute apart; returns the id of the newest."""
    now = datetime.now(UTC)
    rows = [
        (
            USER_ID,
            f"Task number {n}",
            None if n % 2 else "Something to remember",
            n % 3 == 0,
            now + timedelta(minutes=n),
        )
        for n in range(TASK_COUNT)
    ]
    with psycopg.connect(url) as conn:
        conn.cursor().executemany(
            "INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at, version)"
            " VALUES (%s, %s, %s, %s, %s, %s, 1)",
            [(*row, row[-1]) for row in rows],
        )
        newest = conn.execute("SELECT max(id) FROM tasks").fetchone()
    return int(newest[0]) if newest else 0


@dataclass(slots=True)
class Stores:
    async_engine: AsyncEngine
    orm_engine: AsyncEngine
    sync_engine: Engine
    async_pool: AsyncConnectionPool
    sync_pool: ConnectionPool
    shipped_engine: AsyncEngine  # adapters.sql.engine's, behind the runner statement_runner picks
    engine_runner_engine: AsyncEngine  # adapters.sql.engine's, behind EngineRunner

    async def dispose(self) -> None:
        await self.async_pool.close()
        for engine in (self.async_engine, self.orm_engine, self.shipped_engine, self.engine_runner_engine):
            await engine.dispose()


def engine_options() -> dict[str, Any]:
    return {"isolation_level": "AUTOCOMMIT", "pool_reset_on_return": None, "pool_size": POOL_SIZE}


def db_cases(stores: Stores, task_id: int) -> list[Case]:
    get_params = {"task_id": task_id, "user_id": USER_ID}
    list_params = {"user_id": USER_ID}
    get_sql, get_sql_params = compiled_sql(GET_STMT, get_params)
    list_sql, list_sql_params = compiled_sql(LIST_STMT, list_params)
    session_factory = async_sessionmaker(stores.orm_engine, expire_on_commit=False)

    async def orm_get() -> list[dict[str, Any]]:
        async with session_factory() as session:
            stmt = select(TaskRow).where(TaskRow.id == task_id, TaskRow.user_id == USER_ID)
            return [orm_dict(row) for row in (await session.execute(stmt)).scalars().all()]

    async def orm_list() -> list[dict[str, Any]]:
        async with session_factory() as session:
            stmt = (
                select(TaskRow)
                .where(TaskRow.user_id == USER_ID)
                .order_by(TaskRow.created_at.desc(), TaskRow.id.desc())
                .limit(TASK_COUNT)
            )
            return [orm_dict(row) for row in (await session.execute(stmt)).scalars().all()]

    def core_async(stmt: Select[Any], params: dict[str, Any]) -> Op:
        async def run() -> list[dict[str, Any]]:
            async with stores.async_engine.connect() as conn:
                return [row._asdict() for row in (await conn.execute(stmt, params)).all()]

        return run

    def core_sync(stmt: Select[Any], params: dict[str, Any]) -> Op:
        def fetch() -> list[dict[str, Any]]:
            with stores.sync_engine.connect() as conn:
                return [row._asdict() for row in conn.execute(stmt, params).all()]

        return lambda: run_in_threadpool(fetch)

    def psycopg_async(sql: str, params: dict[str, Any]) -> Op:
        async def run() -> list[dict[str, Any]]:
            async with stores.async_pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
                await cur.execute(sql, params)
                return await cur.fetchall()

        return run

    def psycopg_sync(sql: str, params: dict[str, Any]) -> Op:
        def fetch() -> list[dict[str, Any]]:
            with stores.sync_pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
                cur.execute(sql, params)
                return cur.fetchall()

        return lambda: run_in_threadpool(fetch)

    def repo_ops(repo: SqlTaskRepo) -> tuple[Op, Op]:
        query = TaskQuery(limit=TASK_COUNT)

        async def get() -> Task | None:
            return await repo.get(USER_ID, task_id)

        async def list_() -> list[dict[str, Any]]:
            page = await repo.list(USER_ID, query)
            return [task_json(task) for task in page.items]

        return get, list_

    shipped_runner = statement_runner(
        stores.shipped_engine, timeout_seconds=DATABASE_TIMEOUT_SECONDS, max_connections=POOL_SIZE
    )
    if not isinstance(shipped_runner, PsycopgRunner):
        raise RuntimeError(f"statement_runner picked {type(shipped_runner).__name__} on PostgreSQL")
    engine_runner = EngineRunner(
        stores.engine_runner_engine, timeout_seconds=DATABASE_TIMEOUT_SECONDS, max_connections=POOL_SIZE
    )
    variants: list[tuple[str, Op, Op]] = [
        ("SQLAlchemy ORM, AsyncSession", orm_get, orm_list),
        (
            "SQLAlchemy Core, async engine",
            core_async(GET_STMT, get_params),
            core_async(LIST_STMT, list_params),
        ),
        (
            "SQLAlchemy Core, sync engine in threadpool",
            core_sync(GET_STMT, get_params),
            core_sync(LIST_STMT, list_params),
        ),
        (
            "psycopg AsyncConnectionPool",
            psycopg_async(get_sql, get_sql_params),
            psycopg_async(list_sql, list_sql_params),
        ),
        (
            "psycopg ConnectionPool in threadpool",
            psycopg_sync(get_sql, get_sql_params),
            psycopg_sync(list_sql, list_sql_params),
        ),
        (
            "shipped: SqlTaskRepo on PsycopgRunner (Core compiled once, SQLAlchemy pool, psycopg connection)",
            *repo_ops(SqlTaskRepo(shipped_runner)),
        ),
        (
            "SqlTaskRepo on EngineRunner (SQLAlchemy's full async execution path)",
            *repo_ops(SqlTaskRepo(engine_runner)),
        ),
    ]
    cases = []
    for name, get_op, list_op in variants:
        cases.append(Case("db", name, "get", get_op))
        cases.append(Case("db", name, "list", list_op))
    return cases


def returned_ids(result: object) -> list[int] | None:
    """The task ids a db case returned, in order; None if it is not the expected shape or owner.

    A repository's get returns a Task (or None); task_json's dicts carry no owner, and are
    checked by their ids against the other variants'.
    """
    if result is None:
        return []
    if isinstance(result, Task):
        return [result.id] if result.owner_id == USER_ID else None
    if not isinstance(result, list) or not all(isinstance(row, dict) for row in result):
        return None
    if any(row.get("user_id", USER_ID) != USER_ID for row in result):
        return None
    return [row["id"] for row in result]


async def check_db(cases: Sequence[Case], task_id: int) -> None:
    """Every variant must return the same rows before its timing means anything."""
    expected: dict[str, list[int] | None] = {"get": [task_id], "list": None}
    for case in cases:
        result: Any = await case.run()  # type: ignore[misc]
        ids = returned_ids(result)
        if expected[case.operation] is None and ids is not None and len(ids) == TASK_COUNT:
            expected[case.operation] = ids  # the first list sets the order the others must match
        if ids is None or ids != expected[case.operation]:
            raise RuntimeError(f"{case.variant} {case.operation}: unexpected result {result!r:.200}")


# --- json: three encoders for the same 20-task list --------------------------


class TaskModel(BaseModel):
    id: int
    title: str
    description: str | None
    completed: bool
    created_at: str
    updated_at: str


def json_cases() -> list[Case]:
    data = constant_tasks(TASK_COUNT)
    adapter = TypeAdapter(list[TaskModel])
    models = adapter.validate_python(data)
    op = f"encode {TASK_COUNT} tasks"
    return [
        Case("json", "json.dumps(...).encode()", op, lambda: json.dumps(data).encode(), is_async=False),
        Case("json", "orjson.dumps", op, lambda: orjson.dumps(data), is_async=False),
        Case(
            "json",
            "pydantic TypeAdapter.dump_json (models)",
            op,
            lambda: adapter.dump_json(models),
            is_async=False,
        ),
        Case(
            "json",
            "pydantic validate_python + dump_json (dicts)",
            op,
            lambda: adapter.dump_json(adapter.validate_python(data)),
            is_async=False,
        ),
    ]


# --- driving an ASGI app in-process ----------------------------------------

SCOPE: Scope = {
    "type": "http",
    "asgi": {"version": "3.0", "spec_version": "2.3"},
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "path": "/api/tasks",
    "raw_path": b"/api/tasks",
    "query_string": b"",
    "root_path": "",
    "headers": [
        (b"host", b"127.0.0.1:8000"),
        (b"authorization", b"Bearer bench-token"),
        (b"accept", b"application/json"),
    ],
    "client": ("127.0.0.1", 50000),
    "server": ("127.0.0.1", 8000),
    "state": {},
}


async def asgi_get(app: ASGIApp) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """One GET through `app`; (status, headers, body).

    Like uvicorn, `receive` gives the (empty) body once, then blocks until the response is
    complete and reports a disconnect: StreamingResponse, which BaseHTTPMiddleware uses,
    listens for one while it sends.
    """
    sent_request = False
    status = 0
    headers: list[tuple[bytes, bytes]] = []
    body = bytearray()
    finished = asyncio.Event()

    async def receive() -> Message:
        nonlocal sent_request
        if not sent_request:
            sent_request = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            headers.extend(message.get("headers", []))
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))
            if not message.get("more_body", False):
                finished.set()

    await app(dict(SCOPE), receive, send)
    return status, headers, bytes(body)


def asgi_case(group: str, variant: str, app: ASGIApp) -> Case:
    return Case(group, variant, "GET /api/tasks", lambda: asgi_get(app))


async def check_asgi(case: Case, header_names: Sequence[bytes] = ()) -> None:
    status, headers, body = await case.run()  # type: ignore[misc]
    names = {name.lower() for name, _ in headers}
    if status != 200 or body != BODY or not set(header_names) <= names:
        raise RuntimeError(f"{case.variant}: status {status}, headers {sorted(names)}, {len(body)} bytes")


# --- middleware: pure ASGI vs BaseHTTPMiddleware -----------------------------

HEADERS = (b"x-layer-1", b"x-layer-2", b"x-layer-3")


class AddHeaderASGI:
    """Pure ASGI middleware: adds one header to the response start message."""

    def __init__(self, app: ASGIApp, name: bytes) -> None:
        self.app = app
        self.name = name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (self.name, b"1")]
            await send(message)

        await self.app(scope, receive, send_with_header)


class AddHeaderBase(BaseHTTPMiddleware):
    """The same header, added by a BaseHTTPMiddleware subclass."""

    def __init__(self, app: ASGIApp, name: bytes) -> None:
        super().__init__(app)
        self.name = name.decode()

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers[self.name] = "1"
        return response


async def constant_list(_: Request) -> Response:
    return Response(BODY, media_type="application/json")


def starlette_app(middleware_class: type[AddHeaderASGI] | type[AddHeaderBase] | None) -> Starlette:
    middleware = [Middleware(middleware_class, name=name) for name in HEADERS] if middleware_class else []
    return Starlette(routes=[Route("/api/tasks", constant_list)], middleware=middleware)


async def middleware_cases() -> list[Case]:
    cases = [
        (asgi_case("middleware", "no middleware", starlette_app(None)), ()),
        (asgi_case("middleware", "3 pure ASGI middlewares", starlette_app(AddHeaderASGI)), HEADERS),
        (asgi_case("middleware", "3 BaseHTTPMiddleware", starlette_app(AddHeaderBase)), HEADERS),
    ]
    for case, header_names in cases:
        await check_asgi(case, header_names)
    return [case for case, _ in cases]


# --- di: a per-request Factory chain behind Depends vs one object made at start-up


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class Repo:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock


class Service:
    def __init__(self, repo: Repo) -> None:
        self.repo = repo

    def render(self) -> bytes:
        return BODY


class Services(containers.DeclarativeContainer):
    """A chain of three Factories: every call builds a Clock, a Repo and a Service."""

    clock = providers.Factory(Clock)
    repo = providers.Factory(Repo, clock)
    service = providers.Factory(Service, repo)


SERVICES = Services()


async def provide_service() -> Service:
    return SERVICES.service()


def provide_service_sync() -> Service:
    return SERVICES.service()


def app_with_depends() -> FastAPI:
    app = FastAPI(openapi_url=None)

    @app.get("/api/tasks")
    async def list_tasks(service: Annotated[Service, Depends(provide_service)]) -> Response:
        return Response(service.render(), media_type="application/json")

    return app


def app_with_sync_depends() -> FastAPI:
    app = FastAPI(openapi_url=None)

    @app.get("/api/tasks")
    async def list_tasks(service: Annotated[Service, Depends(provide_service_sync)]) -> Response:
        return Response(service.render(), media_type="application/json")

    return app


def app_with_closure() -> FastAPI:
    app = FastAPI(openapi_url=None)
    service = SERVICES.service()  # built once, at start-up

    @app.get("/api/tasks")
    async def list_tasks() -> Response:
        return Response(service.render(), media_type="application/json")

    return app


async def di_cases() -> list[Case]:
    cases = [
        asgi_case("di", "Depends(async provider) -> 3 Factories per request", app_with_depends()),
        asgi_case("di", "Depends(def provider, threadpool) -> 3 Factories", app_with_sync_depends()),
        asgi_case("di", "service built once, closed over", app_with_closure()),
    ]
    for case in cases:
        await check_asgi(case)
    return cases


# --- the run ----------------------------------------------------------------


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def run_all(stores: Stores, task_id: int, iterations: int, warmup: int) -> list[dict[str, Any]]:
    await stores.async_pool.open(wait=True)
    db = db_cases(stores, task_id)
    await check_db(db, task_id)
    progress(f"db: {len(db)} cases x {iterations} calls")
    await measure(db, iterations, warmup)

    encoders = json_cases()
    progress(f"json: {len(encoders)} cases x {iterations * JSON_FACTOR} calls")
    await measure(encoders, iterations * JSON_FACTOR, warmup * JSON_FACTOR)

    web = await middleware_cases()
    progress(f"middleware: {len(web)} cases x {iterations} calls")
    await measure(web, iterations, warmup)

    di = await di_cases()
    progress(f"di: {len(di)} cases x {iterations} calls")
    await measure(di, iterations, warmup)
    return results([*db, *encoders, *web, *di])


def benchmark(iterations: int, warmup: int) -> dict[str, Any]:
    with database() as db:
        progress(f"PostgreSQL {db.version}: migrating and seeding {db.name}")
        upgrade_to_latest(db.url)
        task_id = seed(db.url)
        sa_url = "postgresql+psycopg://" + db.url.split("://", 1)[1]
        pool_options: dict[str, Any] = {
            "min_size": POOL_SIZE,
            "max_size": POOL_SIZE,
            "kwargs": {"autocommit": True},
            "open": False,
        }
        sync_pool = ConnectionPool(db.url, **pool_options)
        sync_pool.open(wait=True)
        sync_engine = create_engine(sa_url, **engine_options())
        shipped_pool = sql_engine.PoolSettings(size=POOL_SIZE, timeout_seconds=DATABASE_TIMEOUT_SECONDS)
        holder: dict[str, list[dict[str, Any]]] = {}

        async def main() -> None:
            stores = Stores(
                async_engine=create_async_engine(sa_url, **engine_options()),
                orm_engine=create_async_engine(sa_url, **engine_options()),
                sync_engine=sync_engine,
                async_pool=AsyncConnectionPool(db.url, **pool_options),
                sync_pool=sync_pool,
                shipped_engine=sql_engine.create_engine(db.url, shipped_pool),
                engine_runner_engine=sql_engine.create_engine(db.url, shipped_pool),
            )
            try:
                holder["results"] = await run_all(stores, task_id, iterations, warmup)
            finally:
                await stores.dispose()

        try:
            uvloop.run(main())
        finally:
            sync_pool.close()
            sync_engine.dispose()
        return {
            "machine": machine_info(),
            "postgres": db.version,
            "iterations": iterations,
            "json_iterations": iterations * JSON_FACTOR,
            "warmup": warmup,
            "chunks": CHUNKS,
            "results": holder["results"],
        }


COLUMNS = ("group", "variant", "operation", "cpu_ms_per_op", "cpu_ms_median", "wall_ms_per_op", "ratio")


def table(rows: Sequence[dict[str, Any]]) -> str:
    """An aligned plain-text table that is also valid Markdown."""
    cells = [list(COLUMNS)] + [
        [
            row["group"],
            row["variant"],
            row["operation"],
            f"{row['cpu_ms_per_op']:.4f}",
            f"{row['cpu_ms_median']:.4f}",
            f"{row['wall_ms_per_op']:.4f}",
            f"{row['ratio']:.2f}x",
        ]
        for row in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    numeric = range(3, len(COLUMNS))

    def line(values: Sequence[str]) -> str:
        padded = [
            v.rjust(w) if i in numeric else v.ljust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(("-" * (w + 1) + ":") if i in numeric else "-" * (w + 2) for i, w in enumerate(widths))
        + "|"
    )
    return "\n".join([line(cells[0]), rule, *(line(values) for values in cells[1:])])


def print_report(summary: dict[str, Any]) -> None:
    print(
        f"\nCPU per call, one process, PostgreSQL {summary['postgres']}, "
        f"N={summary['iterations']} (json: {summary['json_iterations']}), "
        f"{summary['machine']['nproc']} CPUs, load {summary['machine']['load_average'][0]:.2f}"
    )
    print("ratio: cpu_ms_per_op over the fastest with the same group and operation\n")
    print(table(summary["results"]))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--iterations", type=int, default=2000, help="timed calls per case (default 2000)")
    parser.add_argument("--warmup", type=int, default=100, help="untimed calls per case first (default 100)")
    args = parser.parse_args(argv)
    if args.iterations < CHUNKS:
        parser.error(f"--iterations must be at least {CHUNKS}")
    return run_benchmark(lambda: benchmark(args.iterations, args.warmup), "layers.json", print_report)


if __name__ == "__main__":
    sys.exit(main())

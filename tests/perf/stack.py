"""The processes a benchmark runs against: PostgreSQL, the real API, the ceiling app."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import httpx
import psycopg

from tests.perf.report import write_json
from tests.support.api_server import TEST_SECRET, ApiServer, server_env, start_server, stop_server
from tests.support.net import free_port
from tests.support.postgres import postgres_server

STARTUP_TIMEOUT_S = 30.0
T = TypeVar("T")
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class Database:
    url: str
    name: str
    version: str


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, without a "never retrieved" report for an interrupt raised inside a task."""
    with asyncio.Runner() as runner:
        runner.get_loop().set_exception_handler(_quiet_about_interrupts)
        return runner.run(coroutine)


def _quiet_about_interrupts(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    if not isinstance(context.get("exception"), KeyboardInterrupt):
        loop.default_exception_handler(context)


def stop_on_signals() -> None:
    """Ctrl-C and SIGTERM raise KeyboardInterrupt at once, so every `finally` stops what it started.

    Installed for SIGINT too: asyncio.run's own handler only cancels the running task, which
    in-flight HTTP requests can absorb.
    """
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _interrupt)


@contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="todo-bench-") as path:
        yield Path(path)


@contextmanager
def database() -> Iterator[Database]:
    """A fresh database on a throwaway PostgreSQL (or TEST_DATABASE_URL's server); dropped after."""
    with postgres_server() as server:
        name = f"bench_{uuid.uuid4().hex[:8]}"
        url = server.create_database(name)
        try:
            with psycopg.connect(url) as conn:
                row = conn.execute("SHOW server_version").fetchone()
            yield Database(url=url, name=name, version=str(row[0]) if row else "?")
        finally:
            with contextlib.suppress(Exception):
                server.drop_database(name)


def sessions_opened(database_url: str) -> int:
    """Connections ever made to this database (pg_stat_database.sessions, PostgreSQL 14+).

    Statistics are flushed by each backend within about a second; the probe's own connection
    is counted by the next probe, so a difference between two probes overcounts by one.
    """
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    return int(row[0]) if row else 0


def migrate(database_url: str, cwd: Path) -> None:
    env = server_env(database_url)
    todo_api = str(Path(sys.executable).with_name("todo-api"))
    subprocess.run([todo_api, "migrate"], env=env, cwd=cwd, check=True, capture_output=True)


@contextmanager
def api(
    database_url: str,
    cwd: Path,
    *,
    migrated: bool = False,
    env: Mapping[str, str] | None = None,
    workers: int = 1,
) -> Iterator[ApiServer]:
    """`todo-api serve --workers N` at LOG_LEVEL=warning (plus `env`); stopped (SIGTERM) on the way out."""
    if not migrated:
        migrate(database_url, cwd)
    environment = server_env(database_url, **{"LOG_LEVEL": "warning", **(env or {})})
    server = start_server(environment, cwd, workers=workers)
    try:
        yield server
    finally:
        stop_server(server)


@dataclass(frozen=True, slots=True)
class CeilingServer:
    base_url: str
    secret: str
    pid: int


@contextmanager
def ceiling(
    cwd: Path, secret: str = TEST_SECRET, *, one_write: bool = False, database_url: str | None = None
) -> Iterator[CeilingServer]:
    """tests.perf.ceiling in a child process on a free port; stopped on the way out. With a
    database_url, each list request first waits for one SELECT 1 from it (--round-trip)."""
    port = free_port()
    log_path = cwd / f"ceiling-{port}.log"
    env = dict(os.environ, BETTER_AUTH_SECRET=secret)
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.perf.ceiling",
                "--port",
                str(port),
                *(["--one-write"] if one_write else []),
                *(["--round-trip"] if database_url is not None else []),
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        base_url = f"http://127.0.0.1:{port}"
        _wait_healthy(process, base_url, log_path)
        yield CeilingServer(base_url=base_url, secret=secret, pid=process.pid)
    finally:
        stop_process(process)


def _wait_healthy(process: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{base_url} exited with {process.returncode}:\n{log_path.read_text()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{base_url} did not become healthy in {STARTUP_TIMEOUT_S:.0f} s")


def stop_process(process: subprocess.Popen[bytes], timeout_s: float = 15.0) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_benchmark(
    benchmark: Callable[[], dict[str, Any]],
    result_name: str,
    report: Callable[[dict[str, Any]], None],
) -> int:
    """The shared `main` of each benchmark: run it, keep its JSON, print its tables."""
    stop_on_signals()
    try:
        summary = benchmark()
    except KeyboardInterrupt:
        print("interrupted: everything it started is stopped", file=sys.stderr)
        return 130
    path = write_json(result_name, summary)
    report(summary)
    print(f"\nwrote {path}")
    return 0

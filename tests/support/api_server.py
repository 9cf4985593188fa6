"""Runs the real `todo-api serve` in a child process, for tests over real HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from adapters.auth.dev_tokens import mint_hs256
from tests.support.net import free_port

TEST_SECRET = "test-secret-that-is-long-enough-0123456789"
ALLOWED_ORIGIN = "http://allowed.example"
TODO_API = str(Path(sys.executable).with_name("todo-api"))


@dataclass
class ApiServer:
    base_url: str
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    log_path: Path
    secret: str = TEST_SECRET
    port: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    def token(self, user_id: str, **claims: object) -> str:
        return mint_hs256(self.secret, user_id, **claims)  # type: ignore[arg-type]

    def client(self, user_id: str | None = None, **claims: object) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token(user_id, **claims)}"} if user_id else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_records(self) -> list[dict[str, Any]]:
        """Each JSON log line (LOG_FORMAT is json unless a test says otherwise)."""
        return [json.loads(line) for line in self.log().splitlines() if line.startswith("{")]


def server_env(database_url: str, **overrides: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BETTER_AUTH", "JWT_", "DATABASE_", "CORS_", "LOG_"))
    }
    env.update(
        BETTER_AUTH_SECRET=TEST_SECRET,
        DATABASE_URL=database_url,
        CORS_ORIGINS=ALLOWED_ORIGIN,
        LOG_LEVEL="warning",
    )
    env.update(overrides)
    return env


@contextmanager
def api_server(
    database_url: str,
    workdir: Path,
    *,
    workers: int = 1,
    port: int | None = None,
    migrate: bool = True,
    **overrides: str,
) -> Iterator[ApiServer]:
    """Migrate, start `todo-api serve`, wait until /healthz answers; stop it (SIGTERM) afterwards."""
    env = server_env(database_url, **overrides)
    if migrate:
        subprocess.run([TODO_API, "migrate"], env=env, cwd=workdir, check=True, capture_output=True)
    server = start_server(env, workdir, workers=workers, port=port)
    try:
        yield server
    finally:
        stop_server(server)


def start_server(
    env: dict[str, str], workdir: Path, *, workers: int = 1, port: int | None = None
) -> ApiServer:
    port = port or free_port()
    log_path = workdir / f"server-{port}-{time.monotonic_ns()}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [TODO_API, "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            cwd=workdir,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    server = ApiServer(
        base_url=f"http://127.0.0.1:{port}", process=process, env=env, log_path=log_path, port=port
    )
    wait_healthy(server)
    return server


def stop_server(server: ApiServer, sig: int = signal.SIGTERM) -> int:
    if server.process.poll() is None:
        server.process.send_signal(sig)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    return server.process.returncode


def wait_healthy(server: ApiServer, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"todo-api exited with {server.process.returncode}:\n{server.log()}")
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.process.kill()
    raise RuntimeError(f"todo-api did not become healthy in {timeout} s:\n{server.log()}")

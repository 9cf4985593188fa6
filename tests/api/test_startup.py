"""Start-up configuration of the real `todo-api` command, and the dev tokens it mints."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import jwt
import pytest

from tests.api.helpers import api_client, bearer, one_backend
from tests.support.api_server import TODO_API, ApiServer, server_env, stop_server, wait_healthy
from tests.support.net import free_port

REFUSAL_TIMEOUT_SECONDS = 60


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TODO_API, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=REFUSAL_TIMEOUT_SECONDS
    )


BAD_CONFIGURATIONS: dict[str, tuple[dict[str, str | None], str]] = {
    "secret-missing": ({"BETTER_AUTH_SECRET": None}, "BETTER_AUTH_SECRET"),
    "secret-31": ({"BETTER_AUTH_SECRET": "s" * 31}, "BETTER_AUTH_SECRET"),
    "database-mysql": ({"DATABASE_URL": "mysql://user:password@localhost/todo"}, "DATABASE_URL"),
    "auth-url-not-http": ({"BETTER_AUTH_URL": "ftp://auth.example"}, "BETTER_AUTH_URL"),
    "sessions-unknown": ({"BETTER_AUTH_SESSIONS": "redis"}, "BETTER_AUTH_SESSIONS"),
    "sessions-mysql": ({"BETTER_AUTH_DATABASE_URL": "mysql://u:p@db/a"}, "BETTER_AUTH_DATABASE_URL"),
    "session-cache-60": ({"BETTER_AUTH_SESSION_CACHE_SECONDS": "60"}, "BETTER_AUTH_SESSION_CACHE_SECONDS"),
    "log-level-unknown": ({"LOG_LEVEL": "loud"}, "LOG_LEVEL"),
}


@dataclass(frozen=True)
class Refusal:
    env: dict[str, str]
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def refusals(sqlite_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Refusal]:
    """Every bad configuration, a few at a time: each start costs seconds of imports."""
    cwd = tmp_path_factory.mktemp("refusals")  # no .env here to fill the gaps
    cases = {}
    for name, (overrides, _) in BAD_CONFIGURATIONS.items():
        env = server_env(sqlite_url)
        for variable, value in overrides.items():
            if value is None:
                env.pop(variable)
            else:
                env[variable] = value
        # Port 1: it must refuse before it ever tries to bind.
        cases[name] = (env, ["serve", "--port", "1"])
    return _refuse_all(cases, cwd)


K = TypeVar("K")


def _refuse_all(cases: dict[K, tuple[dict[str, str], list[str]]], cwd: Path) -> dict[K, Refusal]:
    """Run each command to its end, four at once; one that keeps running is killed and fails its test."""

    def run(env: dict[str, str], args: list[str]) -> Refusal:
        try:
            result = _run(args, env, cwd)
        except subprocess.TimeoutExpired:
            return Refusal(env, -1, "", "still running: it started instead of refusing")
        return Refusal(env, result.returncode, result.stdout, result.stderr)

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {key: pool.submit(run, env, args) for key, (env, args) in cases.items()}
        return {key: future.result() for key, future in futures.items()}


@pytest.mark.parametrize(("name", "variable"), [(name, case[1]) for name, case in BAD_CONFIGURATIONS.items()])
def test_serve_refuses_bad_configuration_with_one_clear_line(
    refusals: dict[str, Refusal], name: str, variable: str
) -> None:
    result = refusals[name]
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    secret = result.env.get("BETTER_AUTH_SECRET", "")
    assert not secret or secret not in result.stderr


@one_backend
def test_the_cli_token_works_against_the_server(server: ApiServer, tmp_path: Path) -> None:
    args = ["token", "cli-user", "--ttl", "60", "--email", "e@example.com", "--name", "Cli User"]
    result = _run(args, server.env, tmp_path)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()

    with api_client(server) as client:
        response = client.get("/api/me", headers=bearer(token))
    assert response.status_code == 200, response.text
    me = response.json()
    assert set(me.pop("tasks")) == {"total", "completed", "limit"}
    assert me == {"user_id": "cli-user", "email": "e@example.com", "name": "Cli User"}
    minted = jwt.decode(token, options={"verify_signature": False})
    assert minted["exp"] - minted["iat"] == 60
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


# A password that must never be shown, whatever goes wrong with the URL around it.
PASSWORD = "never-shown-Jq7Zx"
# Each DATABASE_URL (with {port}: a port where nothing listens) and what its one line must name.
BAD_DATABASES: dict[str, tuple[str, str]] = {
    "unreachable": ("postgresql://todo:{password}@127.0.0.1:{port}/todo", "127.0.0.1:{port}"),
    "bad-sslmode": ("postgresql://todo:{password}@127.0.0.1:{port}/todo?sslmode=requir", "sslmode"),
    "unknown-option": ("postgresql://todo:{password}@127.0.0.1:{port}/todo?colour=blue", "colour"),
    "unencoded-at": ("postgresql://todo:{password}@x@127.0.0.1:{port}/todo", "%40"),
    "asyncpg-driver": ("postgresql+asyncpg://todo:{password}@127.0.0.1:{port}/todo", "asyncpg"),
    "psycopg2-driver": ("postgresql+psycopg2://todo:{password}@127.0.0.1:{port}/todo", "psycopg2"),
}
COMMANDS = {"migrate": ["migrate"], "serve": ["serve", "--port", "1"]}


@pytest.fixture(scope="module")
def silent_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    return free_port()


@pytest.fixture(scope="module")
def database_refusals(
    silent_port: int, tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, str], Refusal]:
    """Both commands on every bad database, as `refusals` does."""
    cases = {}
    for name, (template, _) in BAD_DATABASES.items():
        env = server_env(template.format(password=PASSWORD, port=silent_port))
        for command, args in COMMANDS.items():
            cases[(name, command)] = (env, args)
    return _refuse_all(cases, tmp_path_factory.mktemp("database-refusals"))


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", BAD_DATABASES)
def test_a_bad_database_is_one_line_naming_the_problem(
    database_refusals: dict[tuple[str, str], Refusal], silent_port: int, name: str, command: str
) -> None:
    result = database_refusals[(name, command)]
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].strip(), result.stderr
    assert BAD_DATABASES[name][1].format(port=silent_port) in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert PASSWORD not in result.stderr + result.stdout


def test_serve_reads_port_and_host_from_the_dot_env_file(sqlite_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = {key: value for key, value in server_env(sqlite_url).items() if key not in {"PORT", "HOST"}}
    # 127.0.0.2 is loopback too on Linux, and not the default host: only .env can have chosen it.
    (tmp_path / ".env").write_text(f"PORT={port}\nHOST=127.0.0.2\n")
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [TODO_API, "serve"], env=env, cwd=tmp_path, stdout=log_file, stderr=log_file
        )
    server = ApiServer(base_url=f"http://127.0.0.2:{port}", process=process, env=env, log_path=log_path)
    try:
        wait_healthy(server)
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    finally:
        stop_server(server)

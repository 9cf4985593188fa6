"""Start-up configuration of the real `todo-api` command, and the dev tokens it mints."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from subprocess import PIPE

import jwt
import pytest

from tests.api.helpers import api_client, bearer, one_backend
from tests.support.api_server import TODO_API, ApiServer, server_env

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
    """Every bad configuration started at once: each start costs seconds of imports."""
    cwd = tmp_path_factory.mktemp("refusals")  # no .env here to fill the gaps
    started = {}
    for name, (overrides, _) in BAD_CONFIGURATIONS.items():
        env = server_env(sqlite_url)
        for variable, value in overrides.items():
            if value is None:
                env.pop(variable)
            else:
                env[variable] = value
        # Port 1: it must refuse before it ever tries to bind.
        command = [TODO_API, "serve", "--port", "1"]
        started[name] = (
            env,
            subprocess.Popen(command, env=env, cwd=cwd, stdout=PIPE, stderr=PIPE, text=True),
        )
    try:
        results = {}
        for name, (env, process) in started.items():
            stdout, stderr = process.communicate(timeout=REFUSAL_TIMEOUT_SECONDS)
            results[name] = Refusal(env, process.returncode, stdout, stderr)
        return results
    finally:
        for _, process in started.values():
            if process.poll() is None:  # it started serving instead of refusing
                process.kill()
                process.wait()


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

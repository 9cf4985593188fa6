"""A real Better Auth instance (Node) and jose-minted HS256 tokens, for interop tests.

The Node side lives in tests/interop/node. `ensure_node_modules()` installs it with `npm ci`
when it is missing or differs from package-lock.json, and fails loudly if it cannot.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.support.net import free_port

NODE_DIR = Path(__file__).resolve().parents[1] / "interop" / "node"
SERVER_SCRIPT = "better-auth-server.mjs"
MINT_SCRIPT = "mint-hs256.mjs"
NPM_CI_TIMEOUT = 900.0
PLUGIN_ALGORITHMS = ("EdDSA", "ES256", "ES512", "RS256", "PS256")

# The lock comparison covers the JavaScript; this checks the native addon fits this Node.
_PROBE = "import Database from 'better-sqlite3'; new Database(':memory:').close();"

_node_modules_checked = False


class NodeSetupError(RuntimeError):
    """The Node side of the interop tests cannot be installed or run."""


def ensure_node_modules() -> None:
    """Run `npm ci` in tests/interop/node unless node_modules already matches the lock file."""
    global _node_modules_checked
    if _node_modules_checked:
        return
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise NodeSetupError(f"'{tool}' is not on PATH; the Better Auth interop tests need Node.js 20+")
    # Two test processes must not run npm ci over each other.
    lock_name = f"todo-api-npm-ci-{hashlib.sha256(str(NODE_DIR).encode()).hexdigest()[:16]}.lock"
    with open(Path(tempfile.gettempdir()) / lock_name, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _installed_matches_lock() or _probe_failure() is not None:
            _npm_ci()
            if not _installed_matches_lock():
                raise NodeSetupError("npm ci finished but node_modules still differs from package-lock.json")
            failure = _probe_failure()
            if failure is not None:
                raise NodeSetupError(f"the Node modules do not load after npm ci:\n{failure}")
    _node_modules_checked = True


def _installed_matches_lock() -> bool:
    """Compare npm's own record of what it installed with what the lock file asks for."""
    installed_path = NODE_DIR / "node_modules" / ".package-lock.json"
    if not installed_path.is_file():
        return False
    wanted = json.loads((NODE_DIR / "package-lock.json").read_text())["packages"]
    installed = json.loads(installed_path.read_text()).get("packages", {})
    for path, entry in wanted.items():
        if not path:
            continue  # the project itself
        have = installed.get(path)
        if have is None or (have.get("version"), have.get("integrity")) != (
            entry.get("version"),
            entry.get("integrity"),
        ):
            return False
    return True


def _probe_failure() -> str | None:
    """None when the native addon loads in this Node; the error otherwise."""
    result = subprocess.run(
        ["node", "--input-type=module", "-e", _PROBE],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return None if result.returncode == 0 else result.stderr[-4000:]


def _npm_ci() -> None:
    env = dict(os.environ)
    # better-sqlite3 compiles its addon here (no prebuilt download); point node-gyp at the
    # headers installed with Node itself, since it cannot download them either.
    node_prefix = Path(shutil.which("node") or "node").resolve().parent.parent
    if "npm_config_nodedir" not in env and (node_prefix / "include" / "node" / "node_api.h").is_file():
        env["npm_config_nodedir"] = str(node_prefix)
    try:
        result = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=NODE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=NPM_CI_TIMEOUT,
        )
    except subprocess.TimeoutExpired as error:
        raise NodeSetupError(f"npm ci in {NODE_DIR} took longer than {NPM_CI_TIMEOUT:.0f} s") from error
    if result.returncode != 0:
        raise NodeSetupError(
            f"npm ci in {NODE_DIR} failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )


def mint_hs256(
    secret: str,
    sub: str,
    email: str | None = None,
    name: str | None = None,
    ttl: int = 900,
    *,
    issuer: str | None = None,
    audience: str | None = None,
) -> str:
    """An HS256 token minted by jose in Node, as a Next.js route would; a negative ttl is expired."""
    ensure_node_modules()
    # --flag=value keeps values that start with a dash (a negative ttl) from reading as flags.
    args = ["node", MINT_SCRIPT, f"--sub={sub}", f"--ttl={ttl}"]
    for flag, value in (("--email", email), ("--name", name), ("--iss", issuer), ("--aud", audience)):
        if value is not None:
            args.append(f"{flag}={value}")
    env = _without_auth_settings(os.environ) | {"BETTER_AUTH_SECRET": secret}
    result = subprocess.run(args, cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise NodeSetupError(f"{MINT_SCRIPT} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout.strip()


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    """What Better Auth hands a signed-in browser: its user id and the plugin's JWT, both ways."""

    user_id: str
    token: str  # from GET /api/auth/token
    session_header_token: str  # from the set-auth-jwt header of GET /api/auth/get-session


class BetterAuthServer:
    """A running Better Auth instance; talk to it like the Next.js frontend's browser would."""

    def __init__(
        self, *, port: int, secret: str, algorithm: str, process: subprocess.Popen[bytes], log_path: Path
    ) -> None:
        self.port = port
        self.secret = secret
        self.algorithm = algorithm
        self.base_url = f"http://127.0.0.1:{port}"
        self.process = process
        self.log_path = log_path

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/api/auth/jwks"

    def sign_up(self, email: str, password: str, name: str) -> tuple[str, str]:
        """Create a user; return its id and a JWT from GET /api/auth/token."""
        issued = self.issue_tokens(email, password, name=name)
        return issued.user_id, issued.token

    def sign_in(self, email: str, password: str) -> tuple[str, str]:
        """Sign an existing user in; return its id and a freshly signed JWT."""
        issued = self.issue_tokens(email, password)
        return issued.user_id, issued.token

    def issue_tokens(self, email: str, password: str, *, name: str | None = None) -> IssuedTokens:
        """Sign up (when `name` is given) or in, keep the session cookie, and fetch the JWT.

        The documented ways: GET /api/auth/token answers {"token": ...}, and GET
        /api/auth/get-session sends the same kind of token in its `set-auth-jwt` header.
        """
        with httpx.Client(base_url=self.base_url, timeout=10, headers={"origin": self.base_url}) as client:
            if name is None:
                answer = client.post("/api/auth/sign-in/email", json={"email": email, "password": password})
            else:
                answer = client.post(
                    "/api/auth/sign-up/email", json={"email": email, "password": password, "name": name}
                )
            _expect_ok(answer)
            user_id = answer.json()["user"]["id"]
            if not client.cookies:
                raise AssertionError(f"Better Auth set no session cookie: {answer.headers}")

            token_answer = client.get("/api/auth/token")
            _expect_ok(token_answer)
            token = token_answer.json()["token"]

            session_answer = client.get("/api/auth/get-session")
            _expect_ok(session_answer)
            header_token = session_answer.headers.get("set-auth-jwt")
            if not header_token:
                raise AssertionError(
                    f"get-session sent no set-auth-jwt header: {dict(session_answer.headers)}"
                )
        for jwt_text in (token, header_token):
            if unverified_claims(jwt_text).get("sub") != user_id:
                raise AssertionError(f"token subject is not the user id {user_id!r}: {jwt_text}")
        return IssuedTokens(user_id=user_id, token=token, session_header_token=header_token)

    def rotate_keys(self, *, drop_old: bool = False) -> str:
        """Create a new signing key the way the JWT plugin does; return its kid.

        Older keys stay in the key set (as during Better Auth's grace period) unless `drop_old`.
        """
        answer = httpx.post(
            f"{self.base_url}/__test__/rotate-keys", params={"drop": "1"} if drop_old else None, timeout=10
        )
        _expect_ok(answer)
        return str(answer.json()["kid"])

    def jwks(self) -> dict[str, Any]:
        answer = httpx.get(self.jwks_url, timeout=10)
        _expect_ok(answer)
        result: dict[str, Any] = answer.json()
        return result

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def better_auth_server(
    port: int | None,
    secret: str,
    *,
    algorithm: str = "EdDSA",
    jwt_expiration: str | None = None,
    startup_timeout: float = 60.0,
    database_url: str | None = None,
) -> Iterator[BetterAuthServer]:
    """Start Better Auth on 127.0.0.1 (`port=None` picks a free one) with a fresh SQLite file.

    `jwt_expiration` is the plugin's `jwt.expirationTime`, e.g. "-5m" for tokens that are
    already expired. `database_url` (PostgreSQL) replaces the SQLite file; Better Auth's own
    migrations run there. The process is stopped, and its files removed, on exit.
    """
    if algorithm not in PLUGIN_ALGORITHMS:
        raise ValueError(f"algorithm must be one of {PLUGIN_ALGORITHMS}")
    ensure_node_modules()
    with tempfile.TemporaryDirectory(prefix="better-auth-") as workdir:
        attempts = 1 if port is not None else 3
        for attempt in range(1, attempts + 1):
            chosen = port if port is not None else free_port()
            server = _start(chosen, secret, algorithm, jwt_expiration, Path(workdir), attempt, database_url)
            try:
                _wait_until_ready(server, startup_timeout)
                break
            except _PortTaken:
                _stop(server)
                if attempt == attempts:
                    raise
            except BaseException:
                _stop(server)
                raise
        try:
            yield server
        finally:
            _stop(server)


class _PortTaken(NodeSetupError):
    pass


def _start(
    port: int,
    secret: str,
    algorithm: str,
    jwt_expiration: str | None,
    workdir: Path,
    attempt: int,
    database_url: str | None,
) -> BetterAuthServer:
    base_url = f"http://127.0.0.1:{port}"
    env = _without_auth_settings(os.environ) | {
        "PORT": str(port),
        "BETTER_AUTH_URL": base_url,
        "BETTER_AUTH_SECRET": secret,
        "BETTER_AUTH_DB": str(workdir / f"auth-{attempt}.db"),
        "BETTER_AUTH_JWT_ALG": algorithm,
    }
    if jwt_expiration is not None:
        env["BETTER_AUTH_JWT_EXPIRATION"] = jwt_expiration
    if database_url is not None:
        env["BETTER_AUTH_DATABASE_URL"] = database_url
    log_path = workdir / f"server-{attempt}.log"
    with log_path.open("wb") as log:
        # stdin stays open as a lifeline: the server exits when it closes, even if we crash.
        process = subprocess.Popen(
            ["node", SERVER_SCRIPT], cwd=NODE_DIR, env=env, stdin=subprocess.PIPE, stdout=log, stderr=log
        )
    return BetterAuthServer(port=port, secret=secret, algorithm=algorithm, process=process, log_path=log_path)


def _wait_until_ready(server: BetterAuthServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            log = server.log()
            if "EADDRINUSE" in log:
                raise _PortTaken(f"port {server.port} was taken:\n{log[-2000:]}")
            raise NodeSetupError(f"Better Auth exited with {server.process.returncode}:\n{log[-4000:]}")
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=0.5):
                pass
            if httpx.get(f"{server.base_url}/api/auth/ok", timeout=2).status_code == 200:
                return
        except (OSError, httpx.HTTPError):
            pass
        if time.monotonic() >= deadline:
            raise NodeSetupError(f"Better Auth did not start within {timeout:.0f} s:\n{server.log()[-4000:]}")
        time.sleep(0.05)


def _stop(server: BetterAuthServer) -> None:
    process = server.process
    if process.stdin is not None:
        process.stdin.close()
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _without_auth_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment minus settings that would leak into the Node processes."""
    return {key: value for key, value in environ.items() if not key.startswith(("BETTER_AUTH", "JWT_"))}


def _expect_ok(answer: httpx.Response) -> None:
    if answer.status_code != 200:
        raise AssertionError(
            f"{answer.request.method} {answer.request.url} -> {answer.status_code}: {answer.text}"
        )


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims of a token, NOT verified: for looking at what an issuer put in it."""
    return _json_segment(token.split(".")[1])


def unverified_header(token: str) -> dict[str, Any]:
    return _json_segment(token.split(".")[0])


def _json_segment(segment: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    return data

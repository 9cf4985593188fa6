"""A real PgBouncer in front of a test PostgreSQL server."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from tests.support.net import free_port, wait_for_port
from tests.support.postgres import (
    PostgresServer,
    log_tail,
    service_env,
    service_process_kwargs,
    service_tempdir,
)

READY_TIMEOUT = 30.0
FALLBACK_BINARY = "/usr/sbin/pgbouncer"
# Built by scripts/build-pgbouncer.sh (make system-packages): Debian bookworm's package is 1.18.
BUILT_BINARY = Path(__file__).resolve().parents[2] / ".cache" / "pgbouncer-1.24.1" / "pgbouncer"
# The first release that tracks server-side prepared statements in transaction mode.
PREPARED_STATEMENTS_VERSION = (1, 21)


def find_pgbouncer() -> str:
    """The PgBouncer binary: the one built into .cache/ first, then PATH, then /usr/sbin."""
    if os.access(BUILT_BINARY, os.X_OK):
        return str(BUILT_BINARY)
    found = shutil.which("pgbouncer")
    if found:
        return found
    if os.access(FALLBACK_BINARY, os.X_OK):
        return FALLBACK_BINARY
    raise RuntimeError(
        "pgbouncer not found on PATH or at /usr/sbin/pgbouncer; "
        "install it (Debian/Ubuntu: apt-get install -y pgbouncer), or build it with "
        "bash scripts/build-pgbouncer.sh"
    )


def pgbouncer_version(binary: str | None = None) -> tuple[int, ...]:
    """The version of `binary` (default: find_pgbouncer()), from its --version output."""
    binary = binary or find_pgbouncer()
    result = subprocess.run(
        [binary, "--version"], capture_output=True, text=True, check=True, env=service_env()
    )
    match = re.search(r"PgBouncer (\d+)\.(\d+)(?:\.(\d+))?", result.stdout)
    if not match:
        raise RuntimeError(f"cannot read the version of {binary}: {result.stdout!r}")
    return tuple(int(part) for part in match.groups() if part is not None)


def supports_prepared_statements(binary: str | None = None) -> bool:
    """Whether PgBouncer keeps server-side prepared statements in transaction mode (>= 1.21)."""
    return pgbouncer_version(binary) >= PREPARED_STATEMENTS_VERSION


def _runnable_copy(binary: str, root: Path) -> str:
    """`binary`, or a copy of it in root when the server account could not reach or run it."""
    if not service_process_kwargs():
        return binary
    path = Path(binary)
    if path.stat().st_mode & stat.S_IXOTH and all(
        parent.stat().st_mode & stat.S_IXOTH for parent in path.parents
    ):
        return binary
    copy = root / "pgbouncer"
    shutil.copy(path, copy)
    copy.chmod(0o755)
    return str(copy)


def _quote_auth(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _write_private(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o600)
    kwargs = service_process_kwargs()
    if kwargs:
        os.chown(path, kwargs["user"], kwargs["group"])


@contextmanager
def pgbouncer(
    upstream: PostgresServer,
    pool_mode: str = "transaction",
    default_pool_size: int = 20,
    *,
    query_wait_timeout: int = 10,
) -> Iterator[str]:
    """Run PgBouncer for the duration of the block; yields a libpq URL through it.

    query_wait_timeout (seconds) bounds how long a client waits for a server
    connection, e.g. while the upstream is down; PgBouncer's default is 120.

    PgBouncer >= 1.21 (the one scripts/build-pgbouncer.sh builds) gets
    max_prepared_statements, so clients keep psycopg's default (auto-prepare
    after 5 runs), as through Neon's pooler. Older ones (bookworm's 1.18) do not
    track server-side prepared statements in transaction mode: clients must
    connect with prepare_threshold=None, or those sharing server connections
    fail with 'prepared statement "_pg3_0" already exists'.
    After the upstream restarts, new clients may see "server login has been
    failing" for up to server_login_retry (0.5 s here).
    """
    binary = find_pgbouncer()
    prepared = "max_prepared_statements = 100\n" if supports_prepared_statements(binary) else ""
    root = service_tempdir("pgbouncer-")
    process: subprocess.Popen[bytes] | None = None
    log = root / "pgbouncer.log"
    try:
        port = free_port()
        auth_file = root / "userlist.txt"
        _write_private(auth_file, f"{_quote_auth(upstream.user)} {_quote_auth(upstream.password)}\n")
        # "*" forwards every database name, so databases made by create_database() work too.
        config = f"""\
[databases]
* = host={upstream.host} port={upstream.port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = {auth_file}
pool_mode = {pool_mode}
default_pool_size = {default_pool_size}
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits,options,application_name
; retry quickly after the upstream restarts (the default waits 15 s between attempts)
server_login_retry = 0.5
server_connect_timeout = 5
query_wait_timeout = {query_wait_timeout}
{prepared}"""
        ini = root / "pgbouncer.ini"
        _write_private(ini, config)

        with log.open("ab") as log_file:
            process = subprocess.Popen(
                [_runnable_copy(binary, root), str(ini)],
                cwd=root,
                env=service_env(),
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **service_process_kwargs(),
            )
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if process.poll() is not None:
                msg = f"pgbouncer exited with code {process.returncode}\n--- log tail ---\n{log_tail(log)}"
                raise RuntimeError(msg)
            try:
                wait_for_port("127.0.0.1", port, 0.2)
                break
            except TimeoutError:
                if time.monotonic() >= deadline:
                    msg = (
                        f"pgbouncer not listening on port {port} after {READY_TIMEOUT:.0f} s\n{log_tail(log)}"
                    )
                    raise RuntimeError(msg) from None

        user = quote(upstream.user, safe="")
        password = quote(upstream.password, safe="")
        yield f"postgresql://{user}:{password}@127.0.0.1:{port}/{quote(upstream.dbname, safe='')}"
    finally:
        if process is not None:
            # SIGTERM is PgBouncer's immediate shutdown.
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(root, ignore_errors=True)

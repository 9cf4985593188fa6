"""A real PgBouncer in front of a test PostgreSQL server."""

from __future__ import annotations

import os
import shutil
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


def find_pgbouncer() -> str:
    found = shutil.which("pgbouncer")
    if found:
        return found
    if os.access(FALLBACK_BINARY, os.X_OK):
        return FALLBACK_BINARY
    raise RuntimeError(
        "pgbouncer not found on PATH or at /usr/sbin/pgbouncer; "
        "install it (Debian/Ubuntu: apt-get install -y pgbouncer)"
    )


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

    PgBouncer 1.18 in transaction mode does not track server-side prepared
    statements, so clients must connect with psycopg's prepare_threshold=None:
    with the default (auto-prepare after 5 runs) clients that share server
    connections fail with 'prepared statement "_pg3_0" already exists'.
    After the upstream restarts, new clients may see "server login has been
    failing" for up to server_login_retry (0.5 s here).
    """
    binary = find_pgbouncer()
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
"""
        ini = root / "pgbouncer.ini"
        _write_private(ini, config)

        with log.open("ab") as log_file:
            process = subprocess.Popen(
                [binary, str(ini)],
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
